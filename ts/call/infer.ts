// Compile-time parsing of C prototype strings: 'int add(int a, int b)' → (a: number, b: number) => number.

import type { BoundInfo, FunctionSpec } from './bind';
import type { ArrayContract } from './array-contract';
import type { DType } from '../declare/dtype';
import type { ManagedArray } from '../memory/managed-array';
import type { NDArray } from '../memory/ndarray';
import type {
  AnalyzeParam,
  AnalyzeWords,
  DropName,
  Init,
  Last,
  Spaced,
  Split,
  StripArrays,
  Trim,
  TypeInfo,
  Words,
} from '../declare/prototype-words';

import type { ErrcheckFunction, ErrcheckPolicy, ErrorCodeTable, kOkType } from '../declare/errcheck';
import type { Enumeration } from '../declare/named-types';
import type { Handle } from '../memory/handle';

declare const kOpaque: unique symbol;
declare const kAlias: unique symbol;
declare const kUnion: unique symbol;

/**
 * A {@link NamedTypes} entry for a union (`ffikit.union('Value', { i: 'int64_t', d: 'double' })` is
 * `Union<{ i: number | bigint; d: number }>`): arguments set exactly one member, results hold them all.
 */
export interface Union<M extends object> {
  /** @internal Type-level brand carrying the members. */
  readonly [kUnion]: M;
}

/** Exactly one member of M set (the others absent or undefined). */
type OneMember<M> = { [K in keyof M]: Flat<{ [P in K]: M[P] } & { [Q in Exclude<keyof M, K>]?: undefined }> }[keyof M];
type Flat<T> = { [K in keyof T]: T[K] };

/**
 * A {@link NamedTypes} entry for an opaque type (`ffikit.opaque('sqlite3')`): prototypes that take or
 * return `sqlite3 *` are typed with `Handle<'sqlite3'>`, so a handle of another type does not compile.
 */
export interface Opaque {
  /** @internal Type-level brand. */
  readonly [kOpaque]: true;
}

/**
 * A {@link NamedTypes} entry for a typedef (`ffikit.alias('blasint', 'int')` is `Alias<'int'>`;
 * pointer typedefs too: `Alias<'struct XML_ParserStruct *'>`): prototypes see what it names.
 */
export interface Alias<S extends string> {
  /** @internal Type-level only: what the typedef names. */
  readonly [kAlias]: S;
}

/**
 * TypeScript types for named C types used in prototypes. Empty by default; add entries by declaration
 * merging so prototypes that mention them get precise types: an object type for a struct, a function
 * type for a callback type, {@link Opaque} for an opaque type (typed Handles), {@link Alias} for a
 * typedef, `typeof MyEnum` for an enumeration.
 * @example
 * declare module 'ffikit' {
 *   interface NamedTypes {
 *     Point: { x: number; y: number };
 *     sqlite3: ffikit.Opaque;
 *     time_t: ffikit.Alias<'int64_t'>;
 *     XML_Status: typeof Status;
 *   }
 * }
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface NamedTypes {}

type Int8Name = 'int8_t' | 'int8' | 'signed char' | 'char';
type UInt8Name = 'uint8_t' | 'uint8' | 'unsigned char' | 'uchar' | 'byte' | 'bool' | '_Bool';
type Int16Name = 'int16_t' | 'int16' | 'short' | 'short int' | 'signed short' | 'signed short int';
type UInt16Name = 'uint16_t' | 'uint16' | 'unsigned short' | 'unsigned short int' | 'ushort' | 'char16_t' | 'char16';
type Int32Name = 'int32_t' | 'int32' | 'int' | 'signed' | 'signed int';
type UInt32Name = 'uint32_t' | 'uint32' | 'unsigned' | 'unsigned int' | 'uint' | 'char32_t' | 'char32';
type Int64Name =
  | 'int64_t'
  | 'int64'
  | 'long long'
  | 'long long int'
  | 'signed long long'
  | 'signed long long int'
  | 'longlong'
  | 'long'
  | 'long int'
  | 'signed long'
  | 'signed long int'
  | 'ssize_t'
  | 'ptrdiff_t'
  | 'intptr_t'
  | 'intptr';
type UInt64Name =
  | 'uint64_t'
  | 'uint64'
  | 'unsigned long long'
  | 'unsigned long long int'
  | 'ulonglong'
  | 'unsigned long'
  | 'unsigned long int'
  | 'ulong'
  | 'size_t'
  | 'uintptr_t'
  | 'uintptr';
type FloatName = 'float' | 'float32';
type DoubleName = 'double' | 'float64';
type WideCharName = 'wchar_t' | 'wchar';
type SmallIntName = Int8Name | UInt8Name | Int16Name | UInt16Name | Int32Name | UInt32Name | WideCharName;
type WideIntName = Int64Name | UInt64Name;
type BoolName = 'bool' | '_Bool';

type Char16Name = 'char16_t' | 'char16';
type Char32Name = 'char32_t' | 'char32';
/** Character types whose `const T *` parameters take JS strings and whose `T *` results come back as strings. */
type StringCharName = 'char' | Char16Name | Char32Name | WideCharName;

// Checked before the integer names: `char`, the wide characters and `bool` share typed arrays with them.
type TypedArrayOf<B extends string> = B extends DoubleName
  ? Float64Array
  : B extends FloatName
    ? Float32Array
    : B extends 'char'
      ? Int8Array | Uint8Array
      : B extends Char16Name
        ? Uint16Array
        : B extends Char32Name
          ? Uint32Array
          : B extends WideCharName
            ? Uint16Array | Uint32Array // wchar_t is 16 bits on Windows, 32 elsewhere
            : B extends Int8Name
              ? Int8Array
              : B extends UInt8Name
                ? Uint8Array | Uint8ClampedArray
                : B extends Int16Name
                  ? Int16Array
                  : B extends UInt16Name
                    ? Uint16Array
                    : B extends Int32Name
                      ? Int32Array
                      : B extends UInt32Name
                        ? Uint32Array
                        : B extends Int64Name
                          ? BigInt64Array
                          : B extends UInt64Name
                            ? BigUint64Array
                            : never;

type Named<B extends string> = B extends keyof NamedTypes ? NamedTypes[B] : unknown;

/** The dtype whose elements have the layout of C type B (for ManagedArray / NDArray arguments). */
type DTypeOfBase<B extends string> = B extends DoubleName
  ? 'float64'
  : B extends FloatName
    ? 'float32'
    : B extends 'char'
      ? 'int8' | 'uint8'
      : B extends Int8Name
        ? 'int8'
        : B extends UInt8Name
          ? 'uint8'
          : B extends Int16Name
            ? 'int16'
            : B extends UInt16Name | Char16Name
              ? 'uint16'
              : B extends Int32Name
                ? 'int32'
                : B extends UInt32Name | Char32Name
                  ? 'uint32'
                  : B extends WideCharName
                    ? 'uint16' | 'uint32'
                    : B extends Int64Name
                      ? 'int64'
                      : B extends UInt64Name
                        ? 'uint64'
                        : never;

/** Native-memory and shaped arrays accepted wherever a matching typed array is. */
type ArrayObjectsOf<D extends DType> = D extends DType ? ManagedArray<D> | NDArray<D> : never;

/** A callback registered with `lib.register()`: parameters take the handle itself as well as its address. */
interface CallbackHandle {
  readonly pointer: bigint;
}

// A named type declared as a function is a callback type: its parameters (`Cb cb` or `Cb *cb`) also take
// a registered handle, an address or null. An enumeration takes a member's value or name.
type NamedIn<B extends string> =
  Named<B> extends infer N
    ? [N] extends [(...args: never[]) => unknown]
      ? N | CallbackHandle | bigint | null
      : [N] extends [Union<infer U>]
        ? OneMember<U>
        : [N] extends [Enumeration<string, infer M, infer F>]
          ? F extends true
            ? number | (keyof M & string)
            : M[keyof M & string] | (keyof M & string)
          : N
    : never;

/** The JS type of a C value passed by value. */
type ValueIn<B extends string> = B extends BoolName
  ? boolean
  : B extends FloatName | DoubleName
    ? number
    : B extends SmallIntName
      ? number
      : B extends WideIntName
        ? number | bigint
        : B extends 'void'
          ? never
          : NamedIn<B>;

/** The JS type of a C value returned by value. */
type ValueOut<B extends string> = B extends 'void'
  ? void
  : B extends WideIntName
    ? number | bigint
    : B extends BoolName | FloatName | DoubleName | SmallIntName
      ? ValueIn<B>
      : [Named<B>] extends [Enumeration]
        ? number
        : NamedOut<B>;

/** What C hands back for a named type: a union's every member; otherwise the declared type. */
type NamedOut<B extends string> = [Named<B>] extends [Union<infer U>] ? U : Named<B>;

// Mirrors pointerCheck() in params.ts: strings only for read-only character pointers (`const char *`),
// the matching typed array for other primitives (writable `char *` takes a byte array C can write into),
// one-element arrays for out-params, any buffer for `void *`.
type PointerIn<T extends TypeInfo> = T['stars'] extends 1
  ? [T['base'], T['constBase'], T['dir']] extends [StringCharName, true, 'in']
    ? string | null
    : T['base'] extends 'void'
      ? ArrayBufferView | ArrayBuffer | ManagedArray | NDArray | bigint | null
      : [TypedArrayOf<T['base']>] extends [never]
        ? T['dir'] extends 'in'
          ? [Named<T['base']>] extends [Opaque]
            ? Handle<T['base']> | bigint | null
            : NamedIn<T['base']> | bigint | null
          : NamedOut<T['base']>
        : T['dir'] extends 'in'
          ? TypedArrayOf<T['base']> | ArrayObjectsOf<DTypeOfBase<T['base']>> | bigint | null
          : TypedArrayOf<T['base']> | [ValueIn<T['base']>] | null
  : T['dir'] extends 'in'
    ? T['base'] extends 'char'
      ? Array<string | null> | bigint | null
      : unknown[] | bigint | null
    : unknown[];

type ParamOf<T extends TypeInfo> = T['stars'] extends 0 ? ValueIn<T['base']> : PointerIn<T>;
// `_Nonnull` parameters refuse null before the call, so their type does not admit it.
type ParamType<T0 extends TypeInfo> =
  Resolve<T0> extends infer T extends TypeInfo ? (T['nonnull'] extends true ? Exclude<ParamOf<T>, null> : ParamOf<T>) : never;

type Tuple<N extends number, Acc extends 0[] = []> = Acc['length'] extends N ? Acc : Tuple<N, [...Acc, 0]>;
type AddStars<A extends number, B extends number> = [...Tuple<A>, ...Tuple<B>]['length'] extends infer L extends number ? L : never;

/** Typedefs declared as {@link Alias} entries stand for what they name (pointer depth added). */
type Resolve<T extends TypeInfo, Depth extends 0[] = []> = Depth['length'] extends 8
  ? T
  : Named<T['base']> extends Alias<infer S extends string>
    ? AnalyzeParam<S> extends infer A extends TypeInfo
      ? Resolve<
          {
            base: A['base'];
            stars: AddStars<A['stars'], T['stars']>;
            constBase: T['stars'] extends 0 ? A['constBase'] : A['stars'] extends 0 ? T['constBase'] : A['constBase'];
            dir: T['dir'];
            nonnull: T['nonnull'];
          },
          [...Depth, 0]
        >
      : T
    : T;

// The FFI layer reads every `char *` / `char16_t *` / `char32_t *` / `wchar_t *` result (const or not) as a
// NUL-terminated string; other pointers come back as bigint addresses.
// A `const char *` result is read as a string; a writable `char *` result is usually memory the caller
// must free, so it comes back as its address (decode it with ffikit.decode(ptr, 'char', -1)).
type ResultOf<T extends TypeInfo> = T['stars'] extends 0
  ? ValueOut<T['base']>
  : T['stars'] extends 1
    ? T['base'] extends StringCharName
      ? T['constBase'] extends true
        ? string | null
        : bigint | null
      : [Named<T['base']>] extends [Opaque]
        ? Handle<T['base']> | null
        : bigint | null
    : bigint | null;
// A `_Nonnull` result that is NULL throws, so the type does not admit null.
type ResultType<T0 extends TypeInfo> =
  Resolve<T0> extends infer T extends TypeInfo ? (T['nonnull'] extends true ? Exclude<ResultOf<T>, null> : ResultOf<T>) : never;

// `int printf(const char *fmt, ...)`: the fixed parameters, and whether `...` ends the list.
type FixedParams<S extends string> = Trim<S> extends `${infer F}...` ? (Trim<F> extends `${infer G},` ? G : F) : S;
type IsVariadic<S extends string> = Trim<S> extends `${string}...` ? true : false;
type ParamList<S0 extends string> =
  FixedParams<S0> extends infer S extends string ? (Trim<S> extends '' | 'void' ? [] : MapParams<Split<S, ','>>) : never;
type MapParams<P extends string[], Acc extends unknown[] = []> = P extends [infer H extends string, ...infer R extends string[]]
  ? MapParams<R, [...Acc, ParamType<AnalyzeParam<H>>]>
  : Acc;

// Parameter names, as the runtime parser assigns them (`arg<i>` when unnamed).
type ParamNameOf<S extends string, I extends number> =
  StripArrays<Words<Spaced<S>>> extends { words: infer W extends string[] }
    ? DropName<W>['length'] extends W['length']
      ? `arg${I}`
      : Last<W>
    : `arg${I}`;
type ParamNames<S0 extends string> =
  FixedParams<S0> extends infer S extends string ? (Trim<S> extends '' | 'void' ? [] : MapNames<Split<S, ','>>) : never;
type MapNames<P extends string[], Acc extends string[] = []> = P extends [infer H extends string, ...infer R extends string[]]
  ? MapNames<R, [...Acc, ParamNameOf<H, Acc['length']>]>
  : Acc;

type StripSemicolon<S extends string> = Trim<S> extends `${infer B};` ? StripSemicolon<B> : Trim<S>;

/** `{ params, result }` for a prototype string, or `never` when it does not parse. */
export type ParsePrototype<S extends string> =
  StripSemicolon<S> extends `${infer Head}(${infer Params})`
    ? Words<Spaced<Head>> extends infer HW extends string[]
      ? HW['length'] extends 0 | 1
        ? never
        : {
            /** The C function name. */
            name: Last<HW>;
            /** The JS parameter types, in order. */
            params: ParamList<Params>;
            /** The parameter names, in order. */
            names: ParamNames<Params>;
            /** The JS result type. */
            result: ResultType<AnalyzeWords<Init<HW>>>;
            /** Whether the prototype ends with `...`. */
            variadic: IsVariadic<Params>;
          }
      : never
    : never;

// C → JS for callback arguments: what C passes arrives like a return value (pointers as addresses).
type MapCallbackArgs<P extends string[], Acc extends unknown[] = []> = P extends [infer H extends string, ...infer R extends string[]]
  ? MapCallbackArgs<R, [...Acc, ResultType<AnalyzeParam<H>>]>
  : Acc;
type CallbackArgList<S extends string> = Trim<S> extends '' | 'void' ? [] : MapCallbackArgs<Split<S, ','>>;

/**
 * The JS function type for a callback prototype: `'void Cb(int current, int total)'` →
 * `(a: number, b: number) => void`. A non-void callback returns what C expects.
 */
export type CallbackSignature<S extends string> =
  StripSemicolon<S> extends `${infer Head}(${infer Params})`
    ? Words<Spaced<Head>> extends infer HW extends string[]
      ? (...args: CallbackArgList<Params>) => CallbackReturn<AnalyzeWords<Init<HW>>>
      : (...args: never[]) => unknown
    : (...args: never[]) => unknown;
type CallbackReturn<T extends TypeInfo> = T['stars'] extends 0 ? (T['base'] extends 'void' ? void : ValueIn<T['base']>) : bigint | null;

/** A checked, bound native function. */
export type BoundFunction<P extends unknown[], R> = ((...args: P) => R) & {
  /** Runs the call off the main thread; arguments stay pinned until the promise settles. Never throws synchronously. */
  async(...args: P): Promise<R>;
  /** The declaration behind this function. */
  readonly info: BoundInfo;
};

type ApplyErrcheck<R, E> = [E] extends [undefined]
  ? R
  : E extends ErrorCodeTable
    ? E extends { readonly [kOkType]?: infer OK extends readonly number[] }
      ? OK['length'] extends 1
        ? void
        : number
      : void
    : E extends 'nonzero-status'
      ? void
      : E extends 'negative-errno'
        ? R
        : E extends 'null-is-failure'
          ? Exclude<R, null>
          : E extends (...args: never[]) => infer X
            ? X
            : R;

// Parameters an array contract fills automatically: `length: 'len'` and named `shape` entries.
type AutoNames<A> = A extends object
  ? {
      [K in keyof A]: (A[K] extends { readonly length: infer L extends string } ? L : never) | ShapeNames<A[K]> | LeadNames<A[K]>;
    }[keyof A]
  : never;
type ShapeNames<C> = C extends { readonly shape: ReadonlyArray<infer D> } ? Extract<D, string> : never;
type LeadNames<C> = C extends { readonly leadingDim: infer L extends string } ? L : never;

// Auto-filled parameters accept undefined; the trailing run of them may be omitted.
type WithAuto<P extends unknown[], N extends string[], Auto> = [Auto] extends [never]
  ? P
  : P extends [...infer PI, infer PL]
    ? N extends [...infer NI extends string[], infer NL]
      ? NL extends Auto
        ? [...WithAuto<PI, NI, Auto>, PL?]
        : [...MarkAuto<PI, NI, Auto>, PL]
      : P
    : P;
// Parameters whose contract has 2+ dimensions take an NDArray (or { data, shape }), not a flat array.
type MultiDimNames<A> = A extends object
  ? {
      [K in keyof A]: A[K] extends { readonly ndim: 1 }
        ? never
        : A[K] extends { readonly ndim: number } | { readonly shape: readonly [unknown, unknown, ...unknown[]] }
          ? K
          : never;
    }[keyof A]
  : never;
type MarkMultiDim<P extends unknown[], N extends string[], Multi> = [Multi] extends [never]
  ? P
  : {
      [K in keyof P]: K extends keyof N
        ? N[K] extends Multi
          ? Extract<P[K], NDArray> | { readonly data: Extract<P[K], ArrayBufferView>; readonly shape: readonly number[] } | null
          : P[K]
        : P[K];
    };
type MarkAuto<P extends unknown[], N extends string[], Auto> = {
  [K in keyof P]: K extends keyof N ? (N[K] extends Auto ? P[K] | undefined : P[K]) : P[K];
};

/** The JS types of variadic arguments declared with `.variadic('int', 'double', ...)`. */
type VariadicArgs<T extends readonly string[]> = { -readonly [K in keyof T]: T[K] extends string ? ParamType<AnalyzeParam<T[K]>> : never };

/** What `.variadic(...types)` adds to a bound variadic function. */
export interface VariadicFunction<P extends unknown[], R> {
  /**
   * The function with its extra arguments declared (C's default promotions applied: float → double,
   * narrow integers → int). Cached per type list; `.async` rejects (variadic calls stay on the calling thread).
   */
  variadic<const T extends readonly string[]>(...types: T): BoundFunction<[...P, ...VariadicArgs<T>], R>;
}

type FunctionOf<P extends string, E, A = undefined> =
  ParsePrototype<P> extends {
    params: infer Ps extends unknown[];
    names: infer N extends string[];
    result: infer R;
    variadic: infer V;
  }
    ? WithAuto<MarkMultiDim<Ps, N, MultiDimNames<A>>, N, AutoNames<A>> extends infer Args extends unknown[]
      ? V extends true
        ? BoundFunction<Args, ApplyErrcheck<R, E>> & VariadicFunction<Args, ApplyErrcheck<R, E>>
        : BoundFunction<Args, ApplyErrcheck<R, E>>
      : never
    : BoundFunction<unknown[], unknown>;

/** What {@link Library.bind} accepts. */
export type BindSpec = Record<
  string,
  | string
  | (FunctionSpec & {
      /** How the result is checked: an errorCodes table, a policy name or a function. */
      readonly errcheck?: ErrorCodeTable | ErrcheckPolicy | ErrcheckFunction;
      /** Array contracts per pointer parameter name. */
      readonly arrays?: Readonly<Record<string, ArrayContract>>;
    })
>;

/** The object {@link Library.bind} returns for a spec. */
export type Bound<S> = {
  readonly [K in keyof S]: S[K] extends string
    ? FunctionOf<S[K], undefined>
    : S[K] extends {
          /** The spec object's prototype string. */
          readonly fn: infer P extends string;
        }
      ? FunctionOf<
          P,
          S[K] extends {
            /** The spec object's errcheck. */
            readonly errcheck: infer E;
          }
            ? E
            : undefined,
          S[K] extends {
            /** The spec object's array contracts. */
            readonly arrays: infer A;
          }
            ? A
            : undefined
        >
      : never;
};
