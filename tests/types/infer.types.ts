// Compile-time tests of prototype inference: primitives, their C spellings, pointers and syntax.
// Type-checked only (`npx tsc -p tests/types/tsconfig.json`), never run.

import type * as ffikit from '../../ts/index';
import type { ParsePrototype } from '../../ts/index';
import type { Equal, Expect, Param, Params, Result, Returns, Sig } from './helpers';

type Wide = number | bigint;

// ---------------------------------------------------------------------------------------------
// Values: parameters and results of every primitive spelling
// ---------------------------------------------------------------------------------------------

export type ValueTests = [
  // void, bool
  Expect<Equal<Returns<'void'>, void>>,
  Expect<Equal<Param<'bool'>, boolean>>,
  Expect<Equal<Returns<'bool'>, boolean>>,
  Expect<Equal<Param<'_Bool'>, boolean>>,
  Expect<Equal<Returns<'_Bool'>, boolean>>,

  // 8-bit
  Expect<Equal<Param<'char'>, number>>,
  Expect<Equal<Returns<'char'>, number>>,
  Expect<Equal<Param<'signed char'>, number>>,
  Expect<Equal<Returns<'signed char'>, number>>,
  Expect<Equal<Param<'unsigned char'>, number>>,
  Expect<Equal<Returns<'unsigned char'>, number>>,
  Expect<Equal<Param<'int8_t'>, number>>,
  Expect<Equal<Returns<'int8_t'>, number>>,
  Expect<Equal<Param<'uint8_t'>, number>>,
  Expect<Equal<Returns<'uint8_t'>, number>>,

  // 16-bit
  Expect<Equal<Param<'short'>, number>>,
  Expect<Equal<Returns<'short'>, number>>,
  Expect<Equal<Param<'short int'>, number>>,
  Expect<Equal<Param<'unsigned short'>, number>>,
  Expect<Equal<Returns<'unsigned short'>, number>>,
  Expect<Equal<Param<'unsigned short int'>, number>>,
  Expect<Equal<Param<'int16_t'>, number>>,
  Expect<Equal<Returns<'int16_t'>, number>>,
  Expect<Equal<Param<'uint16_t'>, number>>,
  Expect<Equal<Returns<'uint16_t'>, number>>,

  // 32-bit
  Expect<Equal<Param<'int'>, number>>,
  Expect<Equal<Returns<'int'>, number>>,
  Expect<Equal<Param<'signed'>, number>>,
  Expect<Equal<Param<'signed int'>, number>>,
  Expect<Equal<Param<'unsigned'>, number>>,
  Expect<Equal<Param<'unsigned int'>, number>>,
  Expect<Equal<Returns<'unsigned int'>, number>>,
  Expect<Equal<Param<'int32_t'>, number>>,
  Expect<Equal<Returns<'int32_t'>, number>>,
  Expect<Equal<Param<'uint32_t'>, number>>,
  Expect<Equal<Returns<'uint32_t'>, number>>,

  // 64-bit (long is 64-bit on LP64 platforms): number or bigint both ways
  Expect<Equal<Param<'long'>, Wide>>,
  Expect<Equal<Returns<'long'>, Wide>>,
  Expect<Equal<Param<'long int'>, Wide>>,
  Expect<Equal<Param<'unsigned long'>, Wide>>,
  Expect<Equal<Returns<'unsigned long'>, Wide>>,
  Expect<Equal<Param<'long long'>, Wide>>,
  Expect<Equal<Returns<'long long'>, Wide>>,
  Expect<Equal<Param<'signed long long int'>, Wide>>,
  Expect<Equal<Param<'unsigned long long'>, Wide>>,
  Expect<Equal<Returns<'unsigned long long'>, Wide>>,
  Expect<Equal<Param<'int64_t'>, Wide>>,
  Expect<Equal<Returns<'int64_t'>, Wide>>,
  Expect<Equal<Param<'uint64_t'>, Wide>>,
  Expect<Equal<Returns<'uint64_t'>, Wide>>,

  // pointer-sized integers
  Expect<Equal<Param<'size_t'>, Wide>>,
  Expect<Equal<Returns<'size_t'>, Wide>>,
  Expect<Equal<Param<'ssize_t'>, Wide>>,
  Expect<Equal<Returns<'ssize_t'>, Wide>>,
  Expect<Equal<Param<'intptr_t'>, Wide>>,
  Expect<Equal<Returns<'intptr_t'>, Wide>>,
  Expect<Equal<Param<'uintptr_t'>, Wide>>,
  Expect<Equal<Returns<'uintptr_t'>, Wide>>,
  Expect<Equal<Param<'ptrdiff_t'>, Wide>>,

  // floating point
  Expect<Equal<Param<'float'>, number>>,
  Expect<Equal<Returns<'float'>, number>>,
  Expect<Equal<Param<'double'>, number>>,
  Expect<Equal<Returns<'double'>, number>>,

  // character types by value are integers
  Expect<Equal<Param<'char16_t'>, number>>,
  Expect<Equal<Param<'char32_t'>, number>>,
  Expect<Equal<Param<'wchar_t'>, number>>,
  Expect<Equal<Returns<'wchar_t'>, number>>,

  // qualifiers on values change nothing
  Expect<Equal<Param<'const int'>, number>>,
  Expect<Equal<Param<'volatile unsigned long long'>, Wide>>,
  Expect<Equal<Returns<'const double'>, number>>,
];

// ---------------------------------------------------------------------------------------------
// Pointers
// ---------------------------------------------------------------------------------------------

type ArrayObjects<D> = D extends ffikit.DType ? ffikit.ManagedArray<D> | ffikit.NDArray<D> : never;
// A pointer parameter takes the typed array, a ManagedArray or NDArray of the same dtype, an address or NULL.
type In<T> = T | ArrayObjects<ffikit.DTypeOfArray<T>> | bigint | null;

export type PointerTests = [
  // strings
  Expect<Equal<Param<'const char *'>, string | null>>,
  Expect<Equal<Param<'char const *'>, string | null>>,
  Expect<Equal<Param<'const char * const'>, string | null>>,
  Expect<Equal<Returns<'const char *'>, string | null>>,
  Expect<Equal<Returns<'char const*'>, string | null>>,
  // a writable char buffer: a byte array C can write into, an address or NULL — no strings (params.ts)
  Expect<Equal<Param<'char *'>, In<Int8Array | Uint8Array>>>,
  Expect<Equal<Param<'_Out_ const char *'>, Int8Array | Uint8Array | [number] | null>>,
  // a writable char * result is memory the caller usually frees: it comes back as an address
  Expect<Equal<Returns<'char *'>, bigint | null>>,
  // wide strings: const input is a string; writable buffers are typed arrays
  Expect<Equal<Param<'const char16_t *'>, string | null>>,
  Expect<Equal<Param<'const char32_t *'>, string | null>>,
  Expect<Equal<Param<'const wchar_t *'>, string | null>>,
  Expect<Equal<Param<'char16_t *'>, In<Uint16Array>>>,
  Expect<Equal<Param<'char32_t *'>, In<Uint32Array>>>,
  Expect<Equal<Param<'wchar_t *'>, In<Uint16Array | Uint32Array>>>,
  Expect<Equal<Returns<'const wchar_t *'>, string | null>>,
  Expect<Equal<Returns<'char16_t *'>, bigint | null>>,
  Expect<Equal<Returns<'const char16_t *'>, string | null>>,

  // numeric pointers → the matching typed array, an address, or NULL
  Expect<Equal<Param<'double *'>, In<Float64Array>>>,
  Expect<Equal<Param<'float *'>, In<Float32Array>>>,
  Expect<Equal<Param<'int8_t *'>, In<Int8Array>>>,
  Expect<Equal<Param<'signed char *'>, In<Int8Array>>>,
  Expect<Equal<Param<'uint8_t *'>, In<Uint8Array | Uint8ClampedArray>>>,
  Expect<Equal<Param<'unsigned char *'>, In<Uint8Array | Uint8ClampedArray>>>,
  Expect<Equal<Param<'bool *'>, In<Uint8Array | Uint8ClampedArray>>>,
  Expect<Equal<Param<'int16_t *'>, In<Int16Array>>>,
  Expect<Equal<Param<'short *'>, In<Int16Array>>>,
  Expect<Equal<Param<'uint16_t *'>, In<Uint16Array>>>,
  Expect<Equal<Param<'unsigned short *'>, In<Uint16Array>>>,
  Expect<Equal<Param<'int32_t *'>, In<Int32Array>>>,
  Expect<Equal<Param<'int *'>, In<Int32Array>>>,
  Expect<Equal<Param<'uint32_t *'>, In<Uint32Array>>>,
  Expect<Equal<Param<'unsigned int *'>, In<Uint32Array>>>,
  Expect<Equal<Param<'int64_t *'>, In<BigInt64Array>>>,
  Expect<Equal<Param<'long long *'>, In<BigInt64Array>>>,
  Expect<Equal<Param<'long *'>, In<BigInt64Array>>>,
  Expect<Equal<Param<'ssize_t *'>, In<BigInt64Array>>>,
  Expect<Equal<Param<'uint64_t *'>, In<BigUint64Array>>>,
  Expect<Equal<Param<'unsigned long long *'>, In<BigUint64Array>>>,
  Expect<Equal<Param<'size_t *'>, In<BigUint64Array>>>,
  Expect<Equal<Param<'uintptr_t *'>, In<BigUint64Array>>>,

  // const pointees are still typed arrays (only char pointees become strings)
  Expect<Equal<Param<'const double *'>, In<Float64Array>>>,
  Expect<Equal<Param<'double const *'>, In<Float64Array>>>,
  Expect<Equal<Param<'const size_t *'>, In<BigUint64Array>>>,
  Expect<Equal<Param<'double * const'>, In<Float64Array>>>,
  Expect<Equal<Param<'double *restrict'>, In<Float64Array>>>,
  Expect<Equal<Param<'const float *__restrict'>, In<Float32Array>>>,

  // void *: any buffer
  Expect<Equal<Param<'void *'>, ArrayBufferView | ArrayBuffer | ffikit.ManagedArray | ffikit.NDArray | bigint | null>>,
  Expect<Equal<Param<'const void *'>, ArrayBufferView | ArrayBuffer | ffikit.ManagedArray | ffikit.NDArray | bigint | null>>,

  // pointer results are addresses
  Expect<Equal<Returns<'void *'>, bigint | null>>,
  Expect<Equal<Returns<'double *'>, bigint | null>>,
  Expect<Equal<Returns<'const float *'>, bigint | null>>,
  Expect<Equal<Returns<'unsigned char *'>, bigint | null>>,
  Expect<Equal<Returns<'char **'>, bigint | null>>,
  Expect<Equal<Returns<'void **'>, bigint | null>>,

  // out-params: a matching typed array or a one-element array C writes into
  Expect<Equal<Param<'_Out_ int *'>, Int32Array | [number] | null>>,
  Expect<Equal<Param<'_Inout_ int *'>, Int32Array | [number] | null>>,
  Expect<Equal<Param<'_In_ int *'>, In<Int32Array>>>,
  Expect<Equal<Param<'_Out_ double *'>, Float64Array | [number] | null>>,
  Expect<Equal<Param<'_Out_ size_t *'>, BigUint64Array | [number | bigint] | null>>,
  Expect<Equal<Param<'_Out_ bool *'>, Uint8Array | Uint8ClampedArray | [boolean] | null>>,
  Expect<Equal<Param<'_Out_ char *'>, Int8Array | Uint8Array | [number] | null>>,

  // T **: arrays of pointers (strings for char **), an address, or NULL; out → a one-element array
  Expect<Equal<Param<'char **'>, Array<string | null> | bigint | null>>,
  Expect<Equal<Param<'const char **'>, Array<string | null> | bigint | null>>,
  Expect<Equal<Param<'double **'>, unknown[] | bigint | null>>,
  Expect<Equal<Param<'void **'>, unknown[] | bigint | null>>,
  Expect<Equal<Param<'_Out_ void **'>, unknown[]>>,
  Expect<Equal<Param<'_Out_ char **'>, unknown[]>>,
];

// ---------------------------------------------------------------------------------------------
// Syntax: names, arrays, (void), whitespace, semicolons, const placement
// ---------------------------------------------------------------------------------------------

export type SyntaxTests = [
  Expect<Equal<Sig<'int add(int a, int b)'>, [[number, number], number]>>,
  // parameter names are optional
  Expect<Equal<Sig<'int add(int, int)'>, [[number, number], number]>>,
  Expect<Equal<Params<'int f(unsigned, unsigned long long, double *, const char *)'>, [number, Wide, In<Float64Array>, string | null]>>,
  Expect<Equal<Params<'int f(const size_t, struct Opaque *)'>, [Wide, unknown]>>,
  // names that look like types are still names when a type precedes them
  Expect<Equal<Params<'int f(unsigned x, size_t size, int int32)'>, [number, Wide, number]>>,
  // no parameters
  Expect<Equal<Sig<'int f(void)'>, [[], number]>>,
  Expect<Equal<Sig<'int f()'>, [[], number]>>,
  Expect<Equal<Sig<'void f( void )'>, [[], void]>>,
  Expect<Equal<Sig<'void f(  )'>, [[], void]>>,
  // array syntax decays to a pointer
  Expect<Equal<Params<'int f(double data[], size_t n)'>, [In<Float64Array>, Wide]>>,
  Expect<Equal<Params<'int f(double data[16])'>, [In<Float64Array>]>>,
  Expect<Equal<Params<'int f(const float v[ 3 ])'>, [In<Float32Array>]>>,
  Expect<Equal<Params<'int f(int32_t[])'>, [In<Int32Array>]>>,
  Expect<Equal<Params<'int f(_Out_ int out[1])'>, [Int32Array | [number] | null]>>,
  Expect<Equal<Params<'int main(int argc, char *argv[])'>, [number, Array<string | null> | bigint | null]>>,
  Expect<Equal<Params<'int f(double m[][4])'>, [unknown[] | bigint | null]>>,
  // spacing around stars does not matter
  Expect<
    Equal<
      Params<'int f(double*a, double * b, double *c, double* d)'>,
      [In<Float64Array>, In<Float64Array>, In<Float64Array>, In<Float64Array>]
    >
  >,
  Expect<Equal<Params<'int f(char**a, const char*b)'>, [Array<string | null> | bigint | null, string | null]>>,
  Expect<Equal<Sig<'const char*name(void)'>, [[], string | null]>>,
  Expect<Equal<Sig<'double*make(size_t n)'>, [[Wide], bigint | null]>>,
  // whitespace, newlines, tabs and trailing semicolons
  Expect<Equal<Sig<'  int   add ( int  a ,int b )  '>, [[number, number], number]>>,
  Expect<Equal<Sig<'int add(int a, int b);'>, [[number, number], number]>>,
  Expect<Equal<Sig<'int add(int a, int b) ;\n'>, [[number, number], number]>>,
  Expect<Equal<Sig<'int add(int a, int b);;'>, [[number, number], number]>>,
  Expect<
    Equal<
      Sig<`
        int32_t
        process_2d(
            double *data,
            size_t\trows,
            size_t\tcols
        );
      `>,
      [[In<Float64Array>, Wide, Wide], number]
    >
  >,
  Expect<Equal<Sig<'unsigned\tlong\nlong f(\r\n\tvoid\r\n)'>, [[], Wide]>>,
  // const in various places
  Expect<Equal<Sig<'const int f(const int x)'>, [[number], number]>>,
  Expect<
    Equal<
      Params<'void f(const char *const s, char const *t, const char * const *v)'>,
      [string | null, string | null, Array<string | null> | bigint | null]
    >
  >,
  Expect<Equal<Sig<'const char *const f(void)'>, [[], string | null]>>,
  Expect<Equal<Result<'unsigned long long f(void)'>, Wide>>,
  // the C symbol name
  Expect<Equal<ParsePrototype<'int add(int a, int b)'>['name'], 'add'>>,
  Expect<Equal<ParsePrototype<'  const char *\nffikit_error_name(int32_t code);'>['name'], 'ffikit_error_name'>>,
  // unknown named types (no NamedTypes entry) are unknown, by value, by pointer and as results
  Expect<Equal<Params<'void f(Unregistered u, Unregistered *p, struct Unregistered *q)'>, [unknown, unknown, unknown]>>,
  Expect<Equal<Sig<'Unregistered f(void)'>, [[], unknown]>>,
  Expect<Equal<Returns<'Unregistered *'>, bigint | null>>,
  // something that is not a prototype: no parse, loosely typed function
  Expect<Equal<ParsePrototype<'not a prototype'>, never>>,
  Expect<Equal<ParsePrototype<'add(int a)'>, never>>,
  Expect<Equal<Sig<'not a prototype'>, [unknown[], unknown]>>,
];
