// What every `ffikit` command shares: exit codes, output, and turning errors into one message.

import { FfikitError } from '../core/errors';

/** The CLI's exit codes (documented in the README's CLI section). */
export const EXIT = {
  /** The command did what was asked (doctor: the reference library loads). */
  OK: 0,
  /** The operation failed: a library did not load, a symbol is missing, a call threw, a build failed. */
  FAILURE: 1,
  /** The command line itself is wrong: unknown command or option, missing or unparsable argument. */
  USAGE: 2,
} as const;

/** Global options every command sees. */
export interface GlobalOptions {
  verbose?: boolean;
}

/** Writes a line to stdout. */
export function out(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** Writes a line to stderr. */
export function err(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Prints a usage problem for `command` and returns {@link EXIT.USAGE}. */
export function usage(command: string, message: string): number {
  err(`ffikit ${command}: ${message}`);
  err(`Run 'ffikit ${command} --help' for usage.`);
  return EXIT.USAGE;
}

/**
 * Prints an error thrown while running a command: ffikit's own errors by their message (which already
 * says what to do), anything else as unexpected. Stacks only with --verbose. Returns {@link EXIT.FAILURE}.
 */
export function reportError(command: string, error: unknown, verbose: boolean): number {
  if (error instanceof FfikitError) {
    err(`ffikit ${command}: ${error.message}`);
    err(`(${error.code}${'reason' in error ? `, reason '${String((error as { reason: unknown }).reason)}'` : ''})`);
  } else {
    err(`ffikit ${command}: unexpected error: ${error instanceof Error ? error.message : String(error)}`);
    if (!verbose) err('Run again with --verbose for the stack trace.');
  }
  if (verbose && error instanceof Error && error.stack) {
    err(error.stack);
    if (error.cause !== undefined)
      err(`Caused by: ${error.cause instanceof Error ? (error.cause.stack ?? error.cause.message) : String(error.cause)}`);
  }
  return EXIT.FAILURE;
}

/** Pads `label` to a column, for the aligned `key  value` lines of doctor and inspect. */
export function field(label: string, value: string, width = 14): string {
  return `  ${label.padEnd(width)}${value}`;
}

/** Bytes in a human unit. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
