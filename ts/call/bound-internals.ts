// Internal handle on bound functions: their library state and the unchecked native function.

import type { LibraryState } from './bind';
import type { RawFunction } from '../native/koffi';
import type { ParsedPrototype } from '../declare/prototype';

/** What ffikit itself needs from a bound function: its library and the unchecked native function. */
export interface BoundInternals {
  readonly state: LibraryState;
  readonly raw: RawFunction;
  readonly proto: ParsedPrototype;
}

export const kInternals = Symbol('ffikit.boundInternals');

/** The internals of a function returned by bind(), or undefined for any other function. */
export function boundInternals(fn: unknown): BoundInternals | undefined {
  return typeof fn === 'function' ? ((fn as unknown as Record<symbol, BoundInternals | undefined>)[kInternals] ?? undefined) : undefined;
}
