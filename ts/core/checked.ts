// Checked mode (an FFI sanitizer for development): on for the whole process with FFIKIT_CHECKED=1, or
// per library with ffikit.load(path, { checked: true }), which also turns on the memory checks below.

/** FFIKIT_CHECKED as the process started with it ('1', 'true' or 'yes' turn checked mode on). */
export const checkedFromEnv = /^(1|true|yes)$/i.test(process.env['FFIKIT_CHECKED'] ?? '');

let memoryChecked = checkedFromEnv;

/**
 * Whether ManagedArrays from the default allocator get red zones, freed memory is quarantined and
 * withView hands out copies. On with FFIKIT_CHECKED=1, or from the first `load(path, { checked: true })`
 * on (arrays created before that stay unchecked).
 */
export function checkedMemory(): boolean {
  return memoryChecked;
}

/** Turns the memory checks on for arrays created from now on (a checked library was loaded). */
export function enableCheckedMemory(): void {
  memoryChecked = true;
}
