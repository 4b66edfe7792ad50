// The errors of checked mode (the FFI sanitizer): writes outside a buffer, writes after free, late callbacks.

import { CallbackError, FfikitError } from './errors';

/** Where C wrote outside a buffer: `'overrun'` past its end, `'underrun'` before its start, `'after-free'` into freed memory. */
export type CorruptionKind = 'overrun' | 'underrun' | 'after-free';

/**
 * Checked mode found native code writing outside a buffer (or into freed memory). The guard zones
 * absorbed the write, so nothing else in the process was touched.
 */
export class MemoryCorruptionError extends FfikitError {
  /** What kind of write it was. */
  readonly kind: CorruptionKind;
  /** The bound function (or `'dispose'`/`'quarantine'` for a ManagedArray checked outside a call). */
  readonly fn: string;
  /** The parameter name, or a description of the array. */
  readonly param: string;
  /** The buffer's size in bytes. */
  readonly size: number;
  /** How far outside the buffer C wrote, in bytes (the farthest changed guard byte, 1-based). */
  readonly distance: number;

  constructor(kind: CorruptionKind, fn: string, param: string, size: number, distance: number, message: string) {
    super('ERR_FFIKIT_OVERRUN', message);
    this.kind = kind;
    this.fn = fn;
    this.param = param;
    this.size = size;
    this.distance = distance;
  }
}

/** C wrote `distance` bytes past the end (or before the start) of a `size`-byte buffer argument. */
export function overrunError(
  kind: 'overrun' | 'underrun',
  fn: string,
  param: string,
  size: number,
  distance: number,
  guard: number,
): MemoryCorruptionError {
  const where = kind === 'overrun' ? `past the end` : `before the start`;
  const reach =
    distance >= guard
      ? `at least ${guard} bytes (the whole guard zone; memory beyond it may be damaged too)`
      : `${distance} byte${distance === 1 ? '' : 's'}`;
  return new MemoryCorruptionError(
    kind,
    fn,
    param,
    size,
    distance,
    `${fn}(): C wrote ${reach} ${where} of argument '${param}' (${size} bytes) (checked mode). Pass a larger buffer, or fix the length the declaration gives C.`,
  );
}

/** Something wrote into a ManagedArray's memory after it was freed (found in the quarantine). */
export function writeAfterFreeError(describe: string, createdAt: string, offset: number): MemoryCorruptionError {
  return new MemoryCorruptionError(
    'after-free',
    'quarantine',
    describe,
    0,
    offset,
    `${describe} created at ${createdAt} was written to after dispose() (first changed byte at offset ${offset}) (checked mode). Native code kept its pointer past the array's lifetime.`,
  );
}

/** Checked mode: C called a registered callback after it was disposed. */
export function lateCallbackError(where: string | undefined, typeName: string, site: string): CallbackError {
  return new CallbackError(
    `${where === undefined ? '' : `${where}: `}RegisteredCallback(${typeName}) was called by C after dispose() (checked mode); C received a neutral value. It was registered at:\n    ${site}\nKeep it registered until C can no longer call it.`,
    undefined,
  );
}
