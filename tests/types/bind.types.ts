// Compile-time tests of Library#bind: errcheck variants, .async, arity and argument type errors, and the
// reference library's typings. Type-checked only (`npx tsc -p tests/types/tsconfig.json`), never run.

import * as ffikit from '../../ts/index';
import type { BoundInfo, Library } from '../../ts/index';
import type { Equal, Expect } from './helpers';

declare const lib: Library;

type Wide = number | bigint;
type F64 = Float64Array | ffikit.ManagedArray<'float64'> | ffikit.NDArray<'float64'> | bigint | null;
type F32 = Float32Array | ffikit.ManagedArray<'float32'> | ffikit.NDArray<'float32'> | bigint | null;
type U64 = BigUint64Array | ffikit.ManagedArray<'uint64'> | ffikit.NDArray<'uint64'> | bigint | null;

// ---------------------------------------------------------------------------------------------
// Plain prototypes through bind()
// ---------------------------------------------------------------------------------------------

const m = lib.bind({
  add: 'int add(int a, int b)',
  cos: 'double cos(double x)',
  strlen: 'size_t strlen(const char *s)',
  getenv: 'const char *getenv(const char *name)',
  fill: 'void fill(double *data, size_t len, double value)',
  format: 'int format(char *buf, size_t size, const char *fmt)',
  raw: 'void *malloc(size_t n)',
  minmax: 'void minmax(const double *data, size_t len, _Out_ double *min, _Out_ double *max)',
  renamed: 'int32_t c_symbol_name(void)',
});

export type PlainTests = [
  Expect<Equal<Parameters<typeof m.add>, [number, number]>>,
  Expect<Equal<ReturnType<typeof m.add>, number>>,
  Expect<Equal<Parameters<typeof m.cos>, [number]>>,
  Expect<Equal<ReturnType<typeof m.strlen>, Wide>>,
  Expect<Equal<ReturnType<typeof m.getenv>, string | null>>,
  Expect<Equal<Parameters<typeof m.fill>, [F64, Wide, number]>>,
  Expect<
    Equal<
      Parameters<typeof m.format>,
      [
        (
          | Int8Array
          | Uint8Array
          | ffikit.ManagedArray<'int8'>
          | ffikit.NDArray<'int8'>
          | ffikit.ManagedArray<'uint8'>
          | ffikit.NDArray<'uint8'>
          | bigint
          | null
        ),
        Wide,
        string | null,
      ]
    >
  >,
  Expect<Equal<ReturnType<typeof m.fill>, void>>,
  Expect<Equal<ReturnType<typeof m.raw>, bigint | null>>,
  Expect<Equal<Parameters<typeof m.minmax>, [F64, Wide, Float64Array | [number] | null, Float64Array | [number] | null]>>,
  Expect<Equal<Parameters<typeof m.renamed>, []>>,
  // .async: same parameters, a Promise of the same result
  Expect<Equal<Parameters<typeof m.add.async>, [number, number]>>,
  Expect<Equal<ReturnType<typeof m.add.async>, Promise<number>>>,
  Expect<Equal<ReturnType<typeof m.getenv.async>, Promise<string | null>>>,
  Expect<Equal<ReturnType<typeof m.fill.async>, Promise<void>>>,
  Expect<Equal<typeof m.add.info, BoundInfo>>,
  // the bound object is read-only and has exactly the spec's keys
  Expect<Equal<keyof typeof m, 'add' | 'cos' | 'strlen' | 'getenv' | 'fill' | 'format' | 'raw' | 'minmax' | 'renamed'>>,
];

// Calls that compile
const _sum: number = m.add(2, 3);
const _sumAsync: Promise<number> = m.add.async(2, 3);
m.fill(new Float64Array(4), 4, 1.5);
m.fill(null, 0n, 0);
m.fill(0x1000n, 4, 0);
m.minmax(new Float64Array(3), 3, [0], new Float64Array(1));
const _len: Wide = m.strlen('abc');
m.strlen(null);
m.format(Buffer.alloc(64), 64, '%d');
m.format(new Int8Array(64), 64, '%d');

// Arity errors
// @ts-expect-error -- too few arguments
m.add(1);
// @ts-expect-error -- too many arguments
m.add(1, 2, 3);
// @ts-expect-error -- (void) takes no arguments
m.renamed(1);
// @ts-expect-error -- .async checks arity too
void m.add.async(1);

// Wrong argument types
// @ts-expect-error -- a string is not an int
m.add('1', 2);
// @ts-expect-error -- a bigint is not an int (only 64-bit integers take bigints)
m.add(1n, 2);
// @ts-expect-error -- Float32Array for double *
m.fill(new Float32Array(4), 4, 0);
// @ts-expect-error -- a plain number array for double *
m.fill([1, 2, 3], 3, 0);
// @ts-expect-error -- a number for const char *
m.strlen(42);
// @ts-expect-error -- a byte array for const char * (params.ts accepts only strings)
m.strlen(new Uint8Array(4));
// @ts-expect-error -- a string for a writable char * (C would write into a temporary copy)
m.format('buffer', 6, '%d');
// @ts-expect-error -- a string for double
m.cos('0');
// @ts-expect-error -- an out-param takes a one-element array, not a number
m.minmax(new Float64Array(3), 3, 0, [0]);
// @ts-expect-error -- wrong argument type through .async
void m.fill.async(new Int32Array(4), 4, 0);

// ---------------------------------------------------------------------------------------------
// errcheck variants
// ---------------------------------------------------------------------------------------------

const Codes = ffikit.errorCodes({ SUCCESS: 0, ERR_NULL_POINTER: [-1, 'Null pointer error'], ERR_INVALID_SIZE: [-2, 'Invalid size error'] });
const ZCodes = ffikit.errorCodes({ Z_OK: 0, Z_STREAM_END: 1, Z_DATA_ERROR: -3 }, { ok: [0, 1] });
const SqliteCodes = ffikit.errorCodes({ SQLITE_OK: 0, SQLITE_ROW: 100, SQLITE_DONE: 101, SQLITE_ERROR: 1 }, { ok: [0, 100, 101] });
const OnlyOne = ffikit.errorCodes({ OK: 1, FAIL: 0 }, { ok: [1] });
declare const anyTable: ffikit.ErrorCodeTable;

const e = lib.bind({
  table: { fn: 'int safe_operation(double *arr, size_t len)', errcheck: Codes },
  zlib: { fn: 'int inflate(void *strm, int flush)', errcheck: ZCodes },
  sqlite: { fn: 'int sqlite3_step(void *stmt)', errcheck: SqliteCodes },
  oneOk: { fn: 'int check(void)', errcheck: OnlyOne },
  plainTable: { fn: 'int check(void)', errcheck: anyTable },
  nonzero: { fn: 'int pthread_mutex_lock(void *m)', errcheck: 'nonzero-status' },
  errno: { fn: 'int open(const char *path, int flags)', errcheck: 'negative-errno' },
  errnoWide: { fn: 'ssize_t read(int fd, void *buf, size_t n)', errcheck: 'negative-errno' },
  nullFail: { fn: 'void *malloc(size_t n)', errcheck: 'null-is-failure' },
  nullFailStr: { fn: 'const char *getenv(const char *name)', errcheck: 'null-is-failure' },
  custom: { fn: 'int get(void)', errcheck: (r: unknown) => `status ${String(r)}` },
  customCtx: { fn: 'int get(void)', errcheck: (r, ctx) => ({ r, fn: ctx.fn }) },
  noErrcheck: { fn: 'int get(void)' },
  undefinedErrcheck: { fn: 'int get(void)', errcheck: undefined },
});

export type ErrcheckTests = [
  // an errorCodes table with one success value → void
  Expect<Equal<ReturnType<typeof e.table>, void>>,
  Expect<Equal<Parameters<typeof e.table>, [F64, Wide]>>,
  Expect<Equal<ReturnType<typeof e.table.async>, Promise<void>>>,
  Expect<Equal<ReturnType<typeof e.oneOk>, void>>,
  Expect<Equal<ReturnType<typeof e.plainTable>, void>>,
  // several success values → which one it was
  Expect<Equal<ReturnType<typeof e.zlib>, number>>,
  Expect<Equal<ReturnType<typeof e.zlib.async>, Promise<number>>>,
  Expect<Equal<ReturnType<typeof e.sqlite>, number>>,
  // policies
  Expect<Equal<ReturnType<typeof e.nonzero>, void>>,
  Expect<Equal<ReturnType<typeof e.nonzero.async>, Promise<void>>>,
  Expect<Equal<ReturnType<typeof e.errno>, number>>,
  Expect<Equal<ReturnType<typeof e.errnoWide>, Wide>>,
  Expect<Equal<ReturnType<typeof e.errno.async>, Promise<number>>>,
  Expect<Equal<ReturnType<typeof e.nullFail>, bigint>>,
  Expect<Equal<ReturnType<typeof e.nullFail.async>, Promise<bigint>>>,
  Expect<Equal<ReturnType<typeof e.nullFailStr>, string>>,
  // a custom function → what it returns
  Expect<Equal<ReturnType<typeof e.custom>, string>>,
  Expect<Equal<ReturnType<typeof e.custom.async>, Promise<string>>>,
  Expect<Equal<ReturnType<typeof e.customCtx>, { r: unknown; fn: string }>>,
  // none
  Expect<Equal<ReturnType<typeof e.noErrcheck>, number>>,
  Expect<Equal<ReturnType<typeof e.undefinedErrcheck>, number>>,
  // errcheck never changes the parameters
  Expect<
    Equal<
      Parameters<typeof e.errnoWide>,
      [number, ArrayBufferView | ArrayBuffer | ffikit.ManagedArray | ffikit.NDArray | bigint | null, Wide]
    >
  >,
  Expect<Equal<Parameters<typeof e.nullFailStr.async>, [string | null]>>,
];

// @ts-expect-error -- errcheck must be a table, a policy name or a function
lib.bind({ f: { fn: 'int f(void)', errcheck: 'throw-on-error' } });
// @ts-expect-error -- a checked status function returns nothing to use
const _status: number = e.table(new Float64Array(1), 1);
// @ts-expect-error -- checked functions keep their arity
e.table(new Float64Array(1));

// ---------------------------------------------------------------------------------------------
// Prototypes that are not literal types: loosely typed
// ---------------------------------------------------------------------------------------------

declare const someProto: string;
const _loose = lib.bind({ f: someProto, g: { fn: someProto, errcheck: Codes } });
export type LooseTests = [
  Expect<Equal<Parameters<typeof _loose.f>, unknown[]>>,
  Expect<Equal<ReturnType<typeof _loose.f>, unknown>>,
  // errcheck still applies: a table → void
  Expect<Equal<Parameters<typeof _loose.g>, unknown[]>>,
  Expect<Equal<ReturnType<typeof _loose.g.async>, Promise<void>>>,
];

// ---------------------------------------------------------------------------------------------
// The reference library
// ---------------------------------------------------------------------------------------------

type Ref = ReturnType<typeof ffikit.reference>['fn'];
type SafeOperation = Ref['safe_operation'];

export type ReferenceTests = [
  // array contracts make the length optional: filled from the array when omitted, checked when given
  Expect<Equal<Parameters<SafeOperation>, [F64, (number | bigint)?]>>,
  Expect<Equal<ReturnType<SafeOperation>, void>>,
  Expect<Equal<ReturnType<SafeOperation['async']>, Promise<void>>>,
  Expect<Equal<ffikit.ReferenceFunctions, Ref>>,
  // a 2-D contract wants an NDArray (or { data, shape }); rows and cols come from its shape
  Expect<
    Equal<
      Parameters<Ref['process_2d']>,
      [ffikit.NDArray<'float64'> | { readonly data: Float64Array; readonly shape: readonly number[] } | null, Wide?, Wide?]
    >
  >,
  Expect<Equal<Parameters<Ref['simd_add']>, [F32, F32, F32, Wide?]>>,
  Expect<Equal<Parameters<Ref['process_batch']>, [F32, U64, U64, Wide | undefined, F32]>>,
  Expect<
    Equal<
      Parameters<Ref['ffikit_error_codes']>,
      [
        Int32Array | ffikit.ManagedArray<'int32'> | ffikit.NDArray<'int32'> | bigint | null,
        Wide | undefined,
        BigUint64Array | [Wide] | null,
      ]
    >
  >,
  Expect<Equal<ReturnType<Ref['ffikit_error_codes']>, number>>,
  Expect<Equal<Parameters<Ref['ffikit_processor_stats']>, [BigUint64Array | [Wide] | null, Float64Array | [number] | null]>>,
  Expect<Equal<ReturnType<Ref['ffikit_error_message']>, string | null>>,
  Expect<Equal<ReturnType<Ref['ffikit_abi_version']>, number>>,
  Expect<Equal<ReturnType<Ref['ffikit_live_allocations']>, Wide>>,
  Expect<Equal<ReturnType<Ref['create_array']>, bigint>>,
  Expect<Equal<Parameters<Ref['free_array']>, [F64]>>,
  Expect<Equal<ReturnType<Ref['ffikit_processor_reset']>, void>>,
  Expect<Equal<Parameters<Ref['ffikit_simd_force']>, [string | null]>>,
  Expect<Equal<ReturnType<Ref['ffikit_simd_force']>, void>>,
];

declare const ref: ffikit.ReferenceLibrary;
ref.fn.safe_operation(new Float64Array(3), 3);
void ref.fn.long_running_operation.async(new Float32Array(8), 8);
// @ts-expect-error -- safe_operation takes a Float64Array
ref.fn.safe_operation(new Float32Array(3), 3);
// the length may be omitted: the array contract fills it
ref.fn.safe_operation(new Float64Array(3));
// @ts-expect-error -- but not the array
ref.fn.safe_operation();
