// The declaration model: a parsed C type, parameter and prototype, as every layer above reads them.

import type { Primitive } from './primitives';

/** Data direction of a pointer parameter (SAL-style `_In_`, `_Out_`, `_Inout_` markers). */
export type Direction = 'in' | 'out' | 'inout';

/** What a parsed type knows of the named type (typedef, enum, struct, handle) it was written with. */
export interface NamedRef {
  readonly name: string;
  readonly kind: string;
}

/** A parsed C type: a base (primitive or named) plus pointer depth and qualifiers. */
export interface ParsedType {
  /** The type as written, whitespace normalized (`const char *`, `blasint`). */
  readonly text: string;
  /**
   * Canonical base: a primitive's canonical name, or the name of a struct, opaque or callback type.
   * Typedefs of primitives and pointer typedefs are resolved to what they name (`blasint` → `int32_t`).
   */
  readonly base: string;
  /** The primitive, when the base is one (also for enums: their underlying integer type). */
  readonly prim?: Primitive;
  /** Pointer depth: 0 for values, 1 for `T *`, 2 for `T **` (pointer typedefs included). */
  readonly pointer: number;
  /** `const` qualifies the pointee (as in `const char *`). */
  readonly constBase: boolean;
  readonly direction: Direction;
  /** `_Nonnull`: NULL is refused before the call (parameters) or is a failure (results). */
  readonly nonnull: boolean;
  /** The named type the declaration spelled, when it spelled one (a typedef, enum, struct, handle). */
  readonly named?: NamedRef;
}

export interface ParsedParam {
  readonly name: string;
  readonly type: ParsedType;
}

export interface ParsedPrototype {
  /** The C symbol name. */
  readonly name: string;
  readonly result: ParsedType;
  /** The fixed parameters (before `...`). */
  readonly params: readonly ParsedParam[];
  /** True for `int printf(const char *fmt, ...)`. */
  readonly variadic: boolean;
  /** The prototype as written, trimmed. */
  readonly text: string;
}
