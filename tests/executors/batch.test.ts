// packRagged: many small arrays → one buffer + size_t offsets/lengths, checked, and fed to process_batch (and to a pool, zero-copy).
import { packRagged } from '../../ts/memory/batch';
import { ArgumentError } from '../../ts/core/errors';
import { ThreadPoolExecutor } from '../../ts/executors/thread-pool';
import { reference, ReferenceErrorCodes } from '../../ts/reference/reference';

const ref = reference();
afterAll(() => ref.close());

describe('packRagged', () => {
  it('packs items back to back with size_t offsets and lengths', () => {
    const p = packRagged([new Float32Array([1, 2]), [3, 4, 5], [], new Float32Array([6])], 'float32');
    expect(p.data).toBeInstanceOf(Float32Array);
    expect([...p.data]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(p.offsets).toBeInstanceOf(BigUint64Array);
    expect([...p.offsets]).toEqual([0n, 2n, 5n, 5n]);
    expect([...p.lengths]).toEqual([2n, 3n, 0n, 1n]);
    expect(p.count).toBe(4);
  });

  it('accepts an empty list', () => {
    const p = packRagged([], 'float64');
    expect(p.data).toBeInstanceOf(Float64Array);
    expect(p.data.length).toBe(0);
    expect(p.offsets.length).toBe(0);
    expect(p.lengths.length).toBe(0);
    expect(p.count).toBe(0);
  });

  it('converts numeric arrays of other dtypes when every value fits, and refuses silent truncation', () => {
    expect([...packRagged([new Int16Array([-3, 4]), new Uint8Array([200])], 'int32').data]).toEqual([-3, 4, 200]);
    expect([...packRagged([new Float64Array([0.5, 1e10])], 'float32').data]).toEqual([0.5, Math.fround(1e10)]);
    expect([...packRagged([[1, 2], new Int32Array([3])], 'int64').data]).toEqual([1n, 2n, 3n]);
    expect([...packRagged([[1n, 2n]], 'uint64').data]).toEqual([1n, 2n]);
    expect([...packRagged([new Float64Array([1, 255])], 'uint8').data]).toEqual([1, 255]);
    expect(() => packRagged([new Float64Array([1.5])], 'int32')).toThrow(
      "packRagged(): argument 'arrays[0][0]' expects an integer in [-2147483648, 2147483647] (int32), got number 1.5.",
    );
    expect(() => packRagged([[1], [256]], 'uint8')).toThrow(
      "argument 'arrays[1][0]' expects an integer in [0, 255] (uint8), got number 256.",
    );
    expect(() => packRagged([[-1n]], 'uint64')).toThrow("argument 'arrays[0][0]' expects a uint64 value");
    expect(() => packRagged([new BigInt64Array([1n])], 'float64')).toThrow('(convert bigints with Number(x) first)');
  });

  it('refuses what is not a list of number arrays, saying what it got', () => {
    expect(() => packRagged(new Float32Array(3) as never, 'float32')).toThrow(ArgumentError);
    expect(() => packRagged(new Float32Array(3) as never, 'float32')).toThrow(
      "packRagged(): argument 'arrays' expects an array of typed arrays or number arrays, got Float32Array(3). Wrap a single array as [x].",
    );
    expect(() => packRagged([[1], 'abc'] as never, 'float32')).toThrow(
      "argument 'arrays[1]' expects a typed array or an array of numbers (float32), got string (3 chars).",
    );
    expect(() => packRagged([[1, 'x']] as never, 'float32')).toThrow(
      "argument 'arrays[0][1]' expects a number (float32), got string (1 chars).",
    );
    expect(() => packRagged([new DataView(new ArrayBuffer(4))] as never, 'float32')).toThrow('DataView(4 bytes) has no numeric dtype.');
    expect(() => packRagged([[1]], 'float16' as never)).toThrow("packRagged(): argument 'dtype' expects one of int8, uint8");
  });

  it('feeds process_batch: one call gives the same sums as one simd_sum call per item', () => {
    const items = Array.from({ length: 300 }, (_, i) => Float32Array.from({ length: (i * 7) % 23 }, (_, j) => (i + 1) * 0.25 + j));
    const packed = packRagged(items, 'float32');
    const results = new Float32Array(packed.count);
    ref.fn.process_batch(packed.data, packed.offsets, packed.lengths, packed.count, results);
    const oneByOne = items.map((item) => Math.fround(ref.simdSum(item)));
    expect([...results]).toEqual(oneByOne);
  });

  it('shared: true packs into SharedArrayBuffers, which a thread pool passes zero-copy', async () => {
    const packed = packRagged(
      [
        [1, 2, 3],
        [4, 5],
      ],
      'float32',
      { shared: true },
    );
    expect(packed.data.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(packed.offsets.buffer).toBeInstanceOf(SharedArrayBuffer);
    const results = new Float32Array(new SharedArrayBuffer(4 * packed.count));
    const pool = new ThreadPoolExecutor({
      library: { reference: true },
      workers: 1,
      bind: {
        process_batch: {
          fn: 'int32_t process_batch(const float *data, const size_t *offsets, const size_t *lengths, size_t num_items, float *results)',
          errcheck: ReferenceErrorCodes,
        },
      },
    });
    await pool.call('process_batch', [packed.data, packed.offsets, packed.lengths, packed.count, results]);
    expect([...results]).toEqual([6, 9]);
    await pool.close();
  });
});
