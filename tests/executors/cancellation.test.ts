// Executor cancellation and backpressure: AbortSignal, timeoutMs, a full queue (wait / reject), and proof that cancelled tasks never run.
import { ArgumentError } from '../../ts/core/errors';
import { QueueFullError, TimeoutError } from '../../ts/executors/errors';
import { ThreadPoolExecutor } from '../../ts/executors/thread-pool';
import { reference, ReferenceErrorCodes } from '../../ts/reference/reference';

const bind = {
  long: { fn: 'int32_t long_running_operation(float *data, size_t len)', errcheck: ReferenceErrorCodes },
  tsp: { fn: 'int32_t thread_safe_process(const double *data, size_t len)', errcheck: ReferenceErrorCodes },
} as const;
const library = { reference: true } as const;
// thread_safe_process counts its calls in a process-wide singleton: the workers share it with this thread.
const ref = reference();
const one = new Float64Array([1]);
/** Shared memory: the blocking call costs no copies, so its length sets its duration (~25 ns per element). */
const blocker = new Float32Array(new SharedArrayBuffer(4 * 8_000_000));

afterAll(() => ref.close());

const calls = (): number => ref.processorStats().calls;
const settledWithin = (p: Promise<unknown>, ms: number): Promise<boolean> =>
  Promise.race([
    p.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((r) => setTimeout(() => r(false), ms)),
  ]);

describe('a queued task is cancelled by its signal and never runs', () => {
  const pool = new ThreadPoolExecutor({ library, bind, workers: 1 });
  afterAll(() => pool.close());

  it('abort() while queued rejects with signal.reason (an AbortError by default)', async () => {
    await pool.call('tsp', [one, 1]);
    const before = calls();
    const busy = pool.call('long', [blocker, blocker.length]);
    const controller = new AbortController();
    const queued = pool.call('tsp', [one, 1], { signal: controller.signal });
    controller.abort();
    await expect(queued).rejects.toBe(controller.signal.reason);
    await expect(queued).rejects.toMatchObject({ name: 'AbortError' });
    await busy;
    await pool.call('tsp', [one, 1]);
    expect(calls()).toBe(before + 1); // only the last call ran
  });

  it('a custom abort reason is the rejection; an already-aborted signal rejects at once', async () => {
    const before = calls();
    const mine = new Error('user gave up');
    const controller = new AbortController();
    const busy = pool.call('long', [blocker, blocker.length]);
    const queued = pool.call('tsp', [one, 1], { signal: controller.signal });
    controller.abort(mine);
    await expect(queued).rejects.toBe(mine);
    await expect(pool.call('tsp', [one, 1], { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    await busy;
    expect(calls()).toBe(before);
  });

  it('timeoutMs on a queued task rejects with TimeoutError (started: false) and it never runs', async () => {
    const before = calls();
    const busy = pool.call('long', [blocker, blocker.length]);
    const queued = pool.call('tsp', [one, 1], { timeoutMs: 20 });
    await expect(queued).rejects.toBeInstanceOf(TimeoutError);
    await expect(queued).rejects.toMatchObject({ code: 'ERR_FFIKIT_TIMEOUT', fn: 'tsp', timeoutMs: 20, started: false });
    await expect(queued).rejects.toThrow(
      'tsp(): timed out after 20 ms; it never started (it was still waiting for a worker) and was cancelled.',
    );
    await busy;
    expect(calls()).toBe(before);
  });

  it('map() with a signal: aborting rejects it and the chunks not started never run', async () => {
    const before = calls();
    const busy = pool.call('long', [blocker, blocker.length]);
    const controller = new AbortController();
    const mapped = pool.map(
      'tsp',
      Array.from({ length: 20 }, () => [one, 1] as [Float64Array, number]),
      { signal: controller.signal, chunkSize: 1 },
    );
    controller.abort();
    await expect(mapped).rejects.toMatchObject({ name: 'AbortError' });
    await busy;
    expect(calls()).toBe(before);
  });
});

describe('a running call cannot be pre-empted in a thread', () => {
  const pool = new ThreadPoolExecutor({ library, bind, workers: 1 });
  afterAll(() => pool.close());

  it('timeoutMs rejects at once (started: true), but the worker stays busy until the call returns', async () => {
    await pool.call('tsp', [one, 1]);
    const start = performance.now();
    const running = pool.call('long', [blocker, blocker.length], { timeoutMs: 30 });
    await expect(running).rejects.toMatchObject({ code: 'ERR_FFIKIT_TIMEOUT', started: true });
    await expect(running).rejects.toThrow('a thread cannot be interrupted, so its worker stays busy until the call returns');
    const rejectedAt = performance.now() - start;
    expect(pool.running).toBe(1); // still executing the abandoned call
    await pool.call('tsp', [one, 1]); // had to wait for it
    const nextAt = performance.now() - start;
    expect(nextAt).toBeGreaterThan(rejectedAt);
    expect(pool.running).toBe(0);
  });

  it('a timed-out call never writes into the caller’s (copied) array afterwards', async () => {
    const data = new Float32Array(4_000_000).fill(7);
    const running = pool.call('long', [data, data.length], { timeoutMs: 10 });
    await expect(running).rejects.toBeInstanceOf(TimeoutError);
    await pool.call('tsp', [one, 1]); // the abandoned call has returned by now
    expect(data[0]).toBe(7);
    expect(data[data.length - 1]).toBe(7);
  });
});

describe('backpressure: a bounded queue', () => {
  it("onFull: 'wait' — submit() waits while maxQueue tasks are queued, and resumes when one starts", async () => {
    const pool = new ThreadPoolExecutor({ library, bind, workers: 1, maxQueue: 1 });
    await pool.call('tsp', [one, 1]);
    const first = await pool.submit('long', [blocker, blocker.length]); // running
    const second = await pool.submit('tsp', [one, 1]); // queued: the queue is now full
    expect(pool.queueSize).toBe(1);
    const third = pool.submit('tsp', [one, 1]);
    expect(await settledWithin(third, 50)).toBe(false); // still waiting for room
    expect(pool.queueSize).toBe(2);
    await first.result;
    const admitted = await third;
    await Promise.all([second.result, admitted.result]);
    await pool.close();
  });

  it('an abort while waiting for room rejects submit() itself', async () => {
    const pool = new ThreadPoolExecutor({ library, bind, workers: 1, maxQueue: 0 });
    await pool.call('tsp', [one, 1]);
    const busy = await pool.submit('long', [blocker, blocker.length]);
    const controller = new AbortController();
    const waiting = pool.submit('tsp', [one, 1], { signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    await busy.result;
    await pool.close();
  });

  it("onFull: 'reject' — a full queue rejects with QueueFullError (ERR_FFIKIT_QUEUE_FULL)", async () => {
    const pool = new ThreadPoolExecutor({ library, bind, workers: 1, maxQueue: 1, onFull: 'reject' });
    await pool.call('tsp', [one, 1]);
    const busy = await pool.submit('long', [blocker, blocker.length]);
    const queued = await pool.submit('tsp', [one, 1]);
    const refused = pool.submit('tsp', [one, 1]);
    await expect(refused).rejects.toBeInstanceOf(QueueFullError);
    await expect(refused).rejects.toMatchObject({ code: 'ERR_FFIKIT_QUEUE_FULL', maxQueue: 1 });
    await expect(refused).rejects.toThrow('ThreadPoolExecutor.submit(): the queue is full (1 task waiting for a worker).');
    await expect(pool.call('tsp', [one, 1])).rejects.toBeInstanceOf(QueueFullError);
    // map() feeds the queue as it drains: it never fails with QueueFullError.
    const mapped = pool.map(
      'tsp',
      Array.from({ length: 5 }, () => [one, 1] as [Float64Array, number]),
      { chunkSize: 1 },
    );
    await Promise.all([busy.result, queued.result]);
    await expect(mapped).resolves.toHaveLength(5);
    await pool.close();
  });

  it('bad per-task options reject precisely', async () => {
    const pool = new ThreadPoolExecutor({ library, bind, workers: 1 });
    await expect(pool.call('tsp', [one, 1], { signal: {} as AbortSignal })).rejects.toThrow(ArgumentError);
    await expect(pool.map('tsp', [], { chunkSize: 0 })).rejects.toThrow(
      "argument 'options.chunkSize' expects a positive integer, got number 0.",
    );
    await pool.close();
  });
});
