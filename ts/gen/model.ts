// The C declaration model `ffikit gen` builds from a header: types, functions, records, enums, constants.

/** A C type as written in a header, before it is mapped to ffikit. */
export type CTypeRef =
  | { readonly k: 'prim'; readonly name: string; readonly const?: boolean }
  | { readonly k: 'named'; readonly name: string; readonly tag?: 'struct' | 'union' | 'enum'; readonly const?: boolean }
  | { readonly k: 'ptr'; readonly to: CTypeRef; readonly nonnull: boolean }
  | { readonly k: 'array'; readonly of: CTypeRef; readonly length: number | undefined }
  | { readonly k: 'fn'; readonly fn: CFunctionType };

/** One parameter of a function or function-pointer type. */
export interface CParam {
  readonly name: string | undefined;
  readonly type: CTypeRef;
}

/** A function signature (a prototype or the target of a function pointer). */
export interface CFunctionType {
  readonly result: CTypeRef;
  readonly params: readonly CParam[];
  readonly variadic: boolean;
}

/** A function declared in the header. */
export interface CFunction {
  readonly name: string;
  readonly type: CFunctionType;
  /** 1-based parameter indexes that must not be NULL (`nonnull`, `_Nonnull`); 'all' for `nonnull` without a list. */
  readonly nonnull: readonly number[] | 'all';
  readonly returnsNonnull: boolean;
  readonly deprecated: boolean;
  readonly doc: string | undefined;
  readonly file: string;
}

/** One member of a struct or union. */
export interface CField {
  readonly name: string;
  readonly type: CTypeRef;
  readonly bits: number | undefined;
}

/** A struct or union with a body. */
export interface CRecord {
  readonly kind: 'struct' | 'union';
  readonly name: string;
  readonly fields: readonly CField[];
  readonly packed: number | undefined;
  /** True for a struct without a tag (named here after its typedef or the member holding it). */
  readonly anonymous: boolean;
  readonly doc: string | undefined;
  readonly file: string;
}

/** An enum with its members' values. */
export interface CEnum {
  readonly name: string | undefined;
  readonly members: ReadonlyArray<readonly [string, number]>;
  readonly doc: string | undefined;
  readonly file: string;
}

/** A typedef. */
export interface CTypedef {
  readonly name: string;
  readonly type: CTypeRef;
  readonly doc: string | undefined;
  readonly file: string;
}

/** An object-like or function-like macro, as the preprocessor reported it. */
export interface CMacro {
  readonly name: string;
  readonly params: readonly string[] | undefined;
  readonly body: string;
  readonly doc: string | undefined;
  readonly file: string;
}

/** A declaration the generator could not turn into bindings, and why. */
export interface Skipped {
  readonly name: string;
  readonly kind: 'function' | 'struct' | 'union' | 'enum' | 'typedef' | 'macro' | 'declaration';
  readonly reason: string;
}

/** Everything read from one translation unit. */
export interface CTranslationUnit {
  readonly functions: CFunction[];
  readonly records: Map<string, CRecord>;
  /** Struct/union tags declared without a body anywhere (opaque types). */
  readonly opaque: Set<string>;
  readonly enums: CEnum[];
  readonly typedefs: Map<string, CTypedef>;
  readonly macros: Map<string, CMacro>;
  readonly skipped: Skipped[];
}
