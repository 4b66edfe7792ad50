// Element types (NumPy-style dtype names) and the typed arrays, C types and sizes they map to.

import { argumentError } from '../core/errors';

/** Every element type ffikit arrays support. */
export type DType = 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64' | 'float32' | 'float64';

/** The typed array holding elements of a dtype. */
export type TypedArrayOf<D extends DType> = {
  /** `int8` elements. */
  int8: Int8Array;
  /** `uint8` elements. */
  uint8: Uint8Array;
  /** `int16` elements. */
  int16: Int16Array;
  /** `uint16` elements. */
  uint16: Uint16Array;
  /** `int32` elements. */
  int32: Int32Array;
  /** `uint32` elements. */
  uint32: Uint32Array;
  /** `int64` elements. */
  int64: BigInt64Array;
  /** `uint64` elements. */
  uint64: BigUint64Array;
  /** `float32` elements. */
  float32: Float32Array;
  /** `float64` elements. */
  float64: Float64Array;
}[D];

/** The JS value of one element of a dtype. */
export type ElementOf<D extends DType> = D extends 'int64' | 'uint64' ? bigint : number;

/** The dtype of a typed array type (`Float64Array` → `'float64'`). */
export type DTypeOfArray<T> = T extends Float64Array
  ? 'float64'
  : T extends Float32Array
    ? 'float32'
    : T extends BigInt64Array
      ? 'int64'
      : T extends BigUint64Array
        ? 'uint64'
        : T extends Int32Array
          ? 'int32'
          : T extends Uint32Array
            ? 'uint32'
            : T extends Int16Array
              ? 'int16'
              : T extends Uint16Array
                ? 'uint16'
                : T extends Int8Array
                  ? 'int8'
                  : T extends Uint8ClampedArray
                    ? never
                    : T extends Uint8Array
                      ? 'uint8'
                      : never;

/** Any typed array ffikit arrays can wrap. */
export type AnyTypedArray = TypedArrayOf<DType>;

interface DTypeInfo {
  readonly name: DType;
  readonly bytes: number;
  readonly ctor: {
    new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): AnyTypedArray;
    new (length: number): AnyTypedArray;
  };
  readonly ctorName: string;
  /** The C element type, as prototypes and the FFI layer spell it. */
  readonly ctype: string;
}

function info(name: DType, ctor: DTypeInfo['ctor'], ctype: string): DTypeInfo {
  return {
    name,
    bytes: (ctor as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT,
    ctor,
    ctorName: (ctor as unknown as { name: string }).name,
    ctype,
  };
}

const table: Readonly<Record<DType, DTypeInfo>> = {
  int8: info('int8', Int8Array as unknown as DTypeInfo['ctor'], 'int8_t'),
  uint8: info('uint8', Uint8Array as unknown as DTypeInfo['ctor'], 'uint8_t'),
  int16: info('int16', Int16Array as unknown as DTypeInfo['ctor'], 'int16_t'),
  uint16: info('uint16', Uint16Array as unknown as DTypeInfo['ctor'], 'uint16_t'),
  int32: info('int32', Int32Array as unknown as DTypeInfo['ctor'], 'int32_t'),
  uint32: info('uint32', Uint32Array as unknown as DTypeInfo['ctor'], 'uint32_t'),
  int64: info('int64', BigInt64Array as unknown as DTypeInfo['ctor'], 'int64_t'),
  uint64: info('uint64', BigUint64Array as unknown as DTypeInfo['ctor'], 'uint64_t'),
  float32: info('float32', Float32Array as unknown as DTypeInfo['ctor'], 'float'),
  float64: info('float64', Float64Array as unknown as DTypeInfo['ctor'], 'double'),
};

const byCtorName = new Map<string, DTypeInfo>(Object.values(table).map((d) => [d.ctorName, d]));

/** All dtype names. */
export const DTYPES: readonly DType[] = Object.freeze(Object.keys(table) as DType[]);

/** Looks up a dtype, throwing an ArgumentError naming the valid ones. */
export function dtypeInfo(where: string, dtype: unknown): DTypeInfo {
  const found = typeof dtype === 'string' ? table[dtype as DType] : undefined;
  if (!found) throw argumentError(where, 'dtype', `one of ${DTYPES.join(', ')}`, dtype);
  return found;
}

/**
 * The dtype of a typed array, by its tag (realm-independent); undefined for Uint8ClampedArray,
 * Float16Array, DataView and non-views.
 */
export function dtypeOfArray(value: unknown): DType | undefined {
  if (!ArrayBuffer.isView(value)) return undefined;
  const tag = (value as unknown as { [Symbol.toStringTag]?: string })[Symbol.toStringTag];
  return tag === undefined ? undefined : byCtorName.get(tag)?.name;
}

/**
 * Checks one element value for a dtype: integers must be in range (no silent truncation or wrap),
 * 64-bit dtypes take bigint, float dtypes take any number.
 * @throws {ArgumentError}
 */
export function checkElement(where: string, dtype: DType, value: unknown): number | bigint {
  if (dtype === 'int64' || dtype === 'uint64') {
    const lo = dtype === 'int64' ? -(2n ** 63n) : 0n;
    const hi = dtype === 'int64' ? 2n ** 63n - 1n : 2n ** 64n - 1n;
    if (typeof value === 'bigint' && value >= lo && value <= hi) return value;
    throw argumentError(where, 'value', `a bigint in [${lo}, ${hi}] (${dtype})`, value);
  }
  if (typeof value !== 'number') throw argumentError(where, 'value', `a number (${dtype})`, value);
  if (dtype === 'float32' || dtype === 'float64') return value;
  const bits = table[dtype].bytes * 8;
  const signed = dtype.startsWith('int');
  const lo = signed ? -(2 ** (bits - 1)) : 0;
  const hi = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  if (Number.isInteger(value) && value >= lo && value <= hi) return value;
  throw argumentError(where, 'value', `an integer in [${lo}, ${hi}] (${dtype})`, value);
}
