// What crosses to a worker thread and back: shared memory zero-copy, copies written back, const not, out-params, aliasing, NDArray, ManagedArray pins.
import { ArgumentError, DisposedError } from '../../ts/core/errors';
import { ThreadPoolExecutor } from '../../ts/executors/thread-pool';
import { ManagedArray } from '../../ts/memory/managed-array';
import { NDArray } from '../../ts/memory/ndarray';
import { reference, ReferenceErrorCodes as Codes } from '../../ts/reference/reference';
import { fixturePaths } from '../fixtures/build';

const ref = reference();
const pool = new ThreadPoolExecutor({
  library: { reference: true },
  workers: 1,
  bind: {
    long: { fn: 'int32_t long_running_operation(float *data, size_t len)', errcheck: Codes },
    process_1d: { fn: 'int32_t process_1d(double *data, size_t len)', errcheck: Codes, arrays: { data: { length: 'len' } } },
    tsp: { fn: 'int32_t thread_safe_process(const double *data, size_t len)', errcheck: Codes },
    simd_add: { fn: 'int32_t simd_add(const float *a, const float *b, float *result, size_t len)', errcheck: Codes },
    simd_sum: { fn: 'int32_t simd_sum(const float *data, size_t len, _Out_ double *result)', errcheck: Codes },
    process_2d: {
      fn: 'int32_t process_2d(double *data, size_t rows, size_t cols)',
      errcheck: Codes,
      arrays: { data: { ndim: 2, shape: ['rows', 'cols'], writable: true } },
    },
  },
});
const edge = new ThreadPoolExecutor({
  library: fixturePaths().edge,
  workers: 1,
  bind: {
    divmod: 'int divmod(int a, int b, _Out_ int *q, _Out_ int *r)',
    fill_buffer: 'int fill_buffer(char *buf, size_t cap)',
    sum_bytes: 'uint64_t sum_bytes(const void *p, size_t n)',
  },
});
afterAll(async () => {
  await Promise.all([pool.close(), edge.close()]);
  ref.close();
});

/** Keeps the single worker busy, so the next task waits in the queue (zero-copy: no staging cost). */
const blocker = new Float32Array(new SharedArrayBuffer(4 * 6_000_000));
const block = (): Promise<unknown> => pool.call('long', [blocker, blocker.length]);

/** Watches element 0 of `view` on this thread until `task` settles; returns every distinct value seen. */
async function watch(view: Float32Array, task: Promise<unknown>): Promise<Set<number>> {
  const seen = new Set<number>();
  let done = false;
  void task.finally(() => (done = true));
  while (!done) {
    seen.add(view[0] as number);
    await new Promise((r) => setImmediate(r));
  }
  await task;
  return seen;
}

describe('typed arrays', () => {
  it('SharedArrayBuffer-backed arrays are shared zero-copy: this thread sees C working on them mid-call', async () => {
    const data = new Float32Array(new SharedArrayBuffer(4 * 8_000_000)).fill(5);
    const seen = await watch(data, pool.call('long', [data, data.length]));
    // 5 → 3.5 → 2.75 → ... → 2: intermediate values only exist in the memory C is writing.
    expect([...seen].some((v) => v > 2 && v < 5)).toBe(true);
    expect(data[0]).toBe(2);
  });

  it('ordinary arrays are copied in and copied back after the call (never visible mid-call)', async () => {
    const data = new Float32Array(8_000_000).fill(5);
    const seen = await watch(data, pool.call('long', [data, data.length]));
    expect([...seen]).toEqual([5]);
    expect(data[0]).toBe(2);
    expect(data[data.length - 1]).toBe(2);
  });

  it('copies are taken at submit; `T *` results overwrite the caller’s array, `const T *` leave it alone', async () => {
    const busy = block();
    const writable = new Float64Array([1, 2, 3]);
    const readonly = new Float64Array([1, 2, 3]);
    const doubled = pool.call('process_1d', [writable]);
    const recorded = pool.call('tsp', [readonly, 3]);
    writable[0] = 100; // after submit: the worker works on the copy taken at submit
    readonly[0] = 100;
    await Promise.all([busy, doubled, recorded]);
    expect([...writable]).toEqual([2, 4, 6]); // copied back
    expect([...readonly]).toEqual([100, 2, 3]); // const double *: never copied back
  });

  it('subarrays copy only their range back; aliasing arguments still alias in the worker', async () => {
    const whole = new Float64Array([1, 1, 1, 1, 1, 1]);
    await pool.call('process_1d', [whole.subarray(2, 4)]);
    expect([...whole]).toEqual([1, 1, 2, 2, 1, 1]);
    const a = new Float32Array([1, 2, 3, 4]);
    const b = new Float32Array([10, 20, 30, 40]);
    await pool.call('simd_add', [a, b, a, 4]); // result written into a (in place)
    expect([...a]).toEqual([11, 22, 33, 44]);
    // Two views of one buffer stay one buffer in the worker: result aliases a exactly (partial
    // overlaps are undefined behaviour for simd_add, and differ between ISAs).
    const buf = Float32Array.from([1, 2, 3, 4, 10, 20, 30, 40]);
    await pool.call('simd_add', [buf.subarray(0, 4), buf.subarray(4), buf.subarray(0, 4), 4]);
    expect([...buf]).toEqual([11, 22, 33, 44, 10, 20, 30, 40]);
  });

  it('one-element arrays at _Out_ parameters get the value written back', async () => {
    const result: [number] = [0];
    await pool.call('simd_sum', [new Float32Array([1, 2, 3.5]), 3, result]);
    expect(result[0]).toBe(6.5);
    const q: [number] = [0];
    const r: [number] = [0];
    await expect(edge.call('divmod', [17, 5, q, r])).resolves.toBe(0);
    expect([q[0], r[0]]).toEqual([3, 2]);
  });

  it('Buffers, DataViews and ArrayBuffers cross too', async () => {
    const buf = Buffer.alloc(8);
    await expect(edge.call('fill_buffer', [buf, buf.length])).resolves.toBe(3);
    expect(buf.toString('latin1', 0, 2)).toBe('ok');
    const raw = new Uint8Array([1, 2, 3, 250]).buffer;
    await expect(edge.call('sum_bytes', [raw, 4])).resolves.toBe(256);
    await expect(edge.call('sum_bytes', [new DataView(raw, 1, 2), 2])).resolves.toBe(5);
  });

  it('NDArrays cross as themselves (2-D contract checked in the worker) and are written back', async () => {
    const m = NDArray.from(
      [
        [0, 0, 0],
        [0, 0, 0],
      ],
      'float64',
    );
    await pool.call('process_2d', [m]);
    expect(m.toArray()).toEqual([
      [0, 1, 2],
      [1000, 1001, 1002],
    ]);
    await expect(pool.call('process_2d', [m.transpose()])).rejects.toThrow("process_2d(): argument 'data' expects a C-contiguous array");
  });

  it('resizable buffers are refused on this thread, as the bound function would', async () => {
    const rab = new ArrayBuffer(16, { maxByteLength: 64 });
    await expect(pool.call('process_1d', [new Float64Array(rab)])).rejects.toThrow(ArgumentError);
  });
});

describe('ManagedArray', () => {
  const alloc = { alloc: ref.fn.create_array, free: ref.fn.free_array };

  it('passes as its address (zero-copy): the worker writes the native memory itself; contracts still fill lengths', async () => {
    using arr = ManagedArray.from(new Float64Array([1, 2, 3]), alloc);
    await pool.call('process_1d', [arr]);
    expect([...arr.toTypedArray()]).toEqual([2, 4, 6]);
    await pool.call('process_1d', [arr, 2]);
    expect([...arr.toTypedArray()]).toEqual([4, 8, 6]);
  });

  it('is pinned until the task settles: dispose() while queued defers the free', async () => {
    const before = ref.liveAllocations();
    const arr = ManagedArray.from(new Float64Array([1, 2, 3]), alloc);
    expect(ref.liveAllocations()).toBe(before + 1);
    const busy = block();
    const task = pool.call('process_1d', [arr]);
    arr.dispose();
    expect(arr.disposed).toBe(true);
    expect(ref.liveAllocations()).toBe(before + 1); // still in use by the queued task
    await Promise.all([busy, task]);
    expect(ref.liveAllocations()).toBe(before); // freed once the task settled
  });

  it('refuses disposed arrays and the wrong dtype with precise errors', async () => {
    const arr = ManagedArray.create('float32', 3);
    await expect(pool.call('process_1d', [arr as never])).rejects.toThrow(
      "process_1d(): argument 'data' expects an array of float64, got ManagedArray(float32, 3). It is a ManagedArray of float32.",
    );
    arr.dispose();
    const err = pool.call('long', [arr, 3]);
    await expect(err).rejects.toBeInstanceOf(DisposedError);
    await expect(err).rejects.toThrow("long(): argument 'data' is a disposed ManagedArray(float32, 3)");
  });
});
