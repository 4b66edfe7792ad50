// Batching: pack many small arrays into one buffer with offsets and lengths, for one native call instead of N.

import * as os from 'node:os';

import { argumentError, describeValue } from '../core/errors';
import { dtypeInfo, dtypeOfArray, type DType, type TypedArrayOf } from '../declare/dtype';

/** What {@link packRagged} returns: the seed's `(data, offsets, lengths, num_items)` quartet. */
export interface PackedRagged<D extends DType = DType> {
  /** Every item's elements, back to back. */
  readonly data: TypedArrayOf<D>;
  /** Where item i starts in `data`, in elements (`size_t`). */
  readonly offsets: BigUint64Array;
  /** How many elements item i has (`size_t`). */
  readonly lengths: BigUint64Array;
  /** Number of items. */
  readonly count: number;
}

/** Options of {@link packRagged}. */
export interface PackRaggedOptions {
  /**
   * Put `data`, `offsets` and `lengths` in SharedArrayBuffers, so a ThreadPoolExecutor passes them to
   * its workers without copying.
   */
  readonly shared?: boolean;
}

type NumberArray = ArrayLike<number> | ArrayLike<bigint>;

/** Index of the low and high 32-bit half of a 64-bit integer in memory. */
const kLow = os.endianness() === 'LE' ? 0 : 1;
const kHigh = 1 - kLow;

const kIntRanges: Partial<Record<DType, readonly [number, number]>> = {
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1],
};

/** True when every value of a (non-64-bit) typed array of dtype `from` is exactly representable in `to`. */
function widens(from: DType, to: DType): boolean {
  if (from === to) return true;
  const src = kIntRanges[from];
  if (to === 'float64') return src !== undefined || from === 'float32';
  if (to === 'float32') return src !== undefined && src[1] - src[0] < 2 ** 24;
  const dst = kIntRanges[to];
  return src !== undefined && dst !== undefined && src[0] >= dst[0] && src[1] <= dst[1];
}

/** Checks and converts one element for the element-by-element path (a mixed or narrowing source). */
function element(dtype: DType, value: unknown, where: () => string): number | bigint {
  const bad = (expected: string): never => {
    throw argumentError('packRagged', where(), expected, value);
  };
  if (dtype === 'int64' || dtype === 'uint64') {
    const lo = dtype === 'int64' ? -(2n ** 63n) : 0n;
    const hi = dtype === 'int64' ? 2n ** 63n - 1n : 2n ** 64n - 1n;
    const v = typeof value === 'number' && Number.isSafeInteger(value) ? BigInt(value) : value;
    if (typeof v !== 'bigint' || v < lo || v > hi) return bad(`a ${dtype} value (an integer in [${lo}, ${hi}], bigint or safe integer)`);
    return v;
  }
  if (typeof value !== 'number') {
    return bad(`a number (${dtype})${typeof value === 'bigint' ? ' (convert bigints with Number(x) first)' : ''}`);
  }
  const range = kIntRanges[dtype];
  if (range !== undefined && !(Number.isInteger(value) && value >= range[0] && value <= range[1])) {
    return bad(`an integer in [${range[0]}, ${range[1]}] (${dtype})`);
  }
  return value;
}

/**
 * Packs a list of arrays into one contiguous typed array plus `size_t` offsets and lengths — the input
 * of batched C functions such as the reference library's
 * `process_batch(data, offsets, lengths, num_items, results)`: one native call instead of one per item.
 * @param arrays Typed arrays or arrays of numbers (bigints for int64/uint64). Values are converted to
 * `dtype`; integer dtypes refuse fractions and out-of-range values instead of wrapping.
 * @param dtype The element type of `data`.
 * @param options `shared: true` allocates SharedArrayBuffers (zero-copy with a ThreadPoolExecutor).
 * @returns `{ data, offsets, lengths, count }`; an empty list gives empty arrays and count 0.
 * @throws {ArgumentError} for a non-array list or item, or an element that does not fit the dtype.
 * @example
 * const packed = ffikit.packRagged([new Float32Array([1, 2]), [3, 4, 5]], 'float32');
 * const results = new Float32Array(packed.count);
 * ref.fn.process_batch(packed.data, packed.offsets, packed.lengths, packed.count, results); // [3, 12]
 */
export function packRagged<D extends DType>(
  arrays: ReadonlyArray<NumberArray>,
  dtype: D,
  options: PackRaggedOptions = {},
): PackedRagged<D> {
  const info = dtypeInfo('packRagged', dtype);
  if (!Array.isArray(arrays)) {
    throw argumentError(
      'packRagged',
      'arrays',
      'an array of typed arrays or number arrays',
      arrays,
      ArrayBuffer.isView(arrays) ? 'Wrap a single array as [x].' : undefined,
    );
  }
  if (typeof options !== 'object' || options === null)
    throw argumentError('packRagged', 'options', 'an object such as { shared: true }', options);
  const count = arrays.length;
  let total = 0;
  for (let i = 0; i < count; i++) {
    const a = arrays[i] as unknown;
    const isList = Array.isArray(a) || (ArrayBuffer.isView(a) && dtypeOfArray(a) !== undefined);
    if (!isList) {
      throw argumentError(
        'packRagged',
        `arrays[${i}]`,
        `a typed array or an array of numbers (${dtype})`,
        a,
        ArrayBuffer.isView(a) ? `${describeValue(a)} has no numeric dtype.` : undefined,
      );
    }
    total += (a as NumberArray).length;
  }
  const alloc = (bytes: number): ArrayBufferLike => (options.shared === true ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  const data = new info.ctor(alloc(total * info.bytes)) as TypedArrayOf<D>;
  const offsets = new BigUint64Array(alloc(count * 8));
  const lengths = new BigUint64Array(alloc(count * 8));
  // size_t values written as two 32-bit halves: a BigInt per value would cost more than the copy itself.
  const off32 = new Uint32Array(offsets.buffer, 0, count * 2);
  const len32 = new Uint32Array(lengths.buffer, 0, count * 2);
  const isFloat = dtype === 'float32' || dtype === 'float64';
  let at = 0;
  for (let i = 0; i < count; i++) {
    const a = arrays[i] as NumberArray;
    const n = a.length;
    off32[2 * i + kLow] = at % 2 ** 32;
    off32[2 * i + kHigh] = Math.floor(at / 2 ** 32);
    len32[2 * i + kLow] = n;
    const from = dtypeOfArray(a);
    if (from !== undefined && widens(from, dtype)) {
      // Same or widening element type: one native copy, exact by construction.
      (data as unknown as { set(src: NumberArray, offset: number): void }).set(a, at);
    } else {
      const out = data as unknown as { [k: number]: number | bigint };
      for (let j = 0; j < n; j++) {
        const v = (a as ArrayLike<unknown>)[j];
        // Plain number arrays into float dtypes: no check needed beyond "is a number".
        out[at + j] = isFloat && typeof v === 'number' ? v : element(dtype, v, () => `arrays[${i}][${j}]`);
      }
    }
    at += n;
  }
  return { data, offsets, lengths, count };
}
