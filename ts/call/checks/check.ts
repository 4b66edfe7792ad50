// What checking one parameter means: a fast inline test plus a complete converter.

import type { CallScope } from '../scope';

/** Per-parameter options from an array contract that relax the defaults. */
export interface PointerOptions {
  /** Accept SharedArrayBuffer-backed arrays (other threads may write them during the call). */
  readonly shared?: boolean;
}

/**
 * How one parameter is checked.
 *
 * `fast` emits a JS expression over the argument variable it is given that is true when the value
 * may go to C unchanged; the wrapper generator inlines it (and refers to `constants` by name).
 * `convert` accepts every valid value, returns what goes to C, and throws an ArgumentError for
 * anything else: on its own it is a complete check, which the closure-built fallback relies on.
 */
export interface ParamCheck {
  readonly name: string;
  readonly fast: ((arg: string) => string) | null;
  /** What C gets when `fast` holds (default: the argument itself), e.g. a handle's address. */
  readonly fastValue?: (arg: string) => string;
  readonly convert: (x: unknown, scope: CallScope) => unknown;
  /** True when `convert` uses the call scope (pins ManagedArrays, runs transient callbacks). */
  readonly usesScope: boolean;
  /** Values the fast expression refers to, by name. */
  readonly constants: Readonly<Record<string, unknown>>;
}
