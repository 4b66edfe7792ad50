// Types for build.js (compiles the example libraries in examples/native/).

/** The example libraries: lost-update.c (examples/05) and misbehave.c (examples/07 and 16). */
export type ExampleLibrary = 'lost-update' | 'misbehave';

/** Builds the library if it is missing or older than its source (with $CC, default cc); returns its path. */
export function exampleLibrary(name: ExampleLibrary): string;
/** Builds every example library; returns their paths by name. */
export function buildExamples(): Record<ExampleLibrary, string>;
/** Where the library is built, whether it exists yet or not. */
export function exampleLibraryPath(name: ExampleLibrary): string;
