// ProcessPoolExecutor: crash containment (only children ever crash), respawn, timeout kill, no leftover processes, copying arguments.
import { ArgumentError, ClosedError, NativeError } from '../../ts/core/errors';
import { errorCodes } from '../../ts/declare/errcheck';
import { NativeCrashError, TimeoutError } from '../../ts/executors/errors';
import { ProcessPoolExecutor } from '../../ts/executors/process-pool';
import { ManagedArray } from '../../ts/memory/managed-array';
import { ReferenceErrorCodes } from '../../ts/reference/reference';
import { fixturePaths } from '../fixtures/build';
import { childPool } from '../helpers/child-pool';
import { rejection } from '../helpers/rejection';
import { alive, childrenOf } from './processes';

const Codes = errorCodes({ OK: 0, E_BAD: [-7, 'bad thing'] });
const bind = {
  crash: 'void crash_now(void)',
  add: 'int add(int a, int b)',
  spin_ms: 'int spin_ms(int ms)',
  fail_with: { fn: 'int fail_with(int status)', errcheck: Codes },
} as const;
const library = fixturePaths().crash;

describe('crash containment', () => {
  const pool = new ProcessPoolExecutor({ library, bind, workers: 2 });
  afterAll(() => pool.close());

  it('a segfault rejects that task with NativeCrashError (signal, exitCode, fn, pid); this process survives', async () => {
    await pool.call('add', [0, 0]);
    const pids = pool.pids;
    const err = await rejection(pool.call('crash', []));
    expect(err).toBeInstanceOf(NativeCrashError);
    expect(err).toMatchObject({ code: 'ERR_FFIKIT_NATIVE_CRASH', signal: 'SIGSEGV', exitCode: null, fn: 'crash' });
    const crash = err as NativeCrashError;
    expect(pids).toContain(crash.pid);
    expect(crash.message).toBe(
      `crash(): the native call crashed its worker process (pid ${crash.pid} was killed by SIGSEGV). The task is lost; the worker was restarted and the other tasks continue.`,
    );
    expect(alive(crash.pid)).toBe(false);
  });

  it('the worker is replaced and queued tasks continue, in order of their own results', async () => {
    const tasks = [
      pool.call('add', [1, 1]),
      pool.call('crash', []),
      pool.call('add', [2, 2]),
      pool.call('crash', []),
      pool.call('add', [3, 3]),
    ];
    const results = await Promise.allSettled(tasks);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled']);
    expect(results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<number>).value)).toEqual([2, 4, 6]);
    expect(pool.pids).toHaveLength(2);
    await expect(
      pool.map('add', [
        [1, 2],
        [3, 4],
      ]),
    ).resolves.toEqual([3, 7]);
  });

  it('errors other than crashes cross as the same classes', async () => {
    await expect(pool.call('fail_with', [-7])).rejects.toBeInstanceOf(NativeError);
    await expect(pool.call('fail_with', [-7])).rejects.toMatchObject({ status: -7, statusName: 'E_BAD', fn: 'fail_with' });
    await expect(pool.call('add', [1, 2.5])).rejects.toBeInstanceOf(ArgumentError);
  });
});

describe('no leftover processes', () => {
  it('100 crash → respawn cycles, then close(): every worker process ever started is gone (no zombies)', async () => {
    const before = new Set(childrenOf(process.pid));
    const pool = new ProcessPoolExecutor({ library, bind, workers: 2 });
    await pool.call('add', [0, 0]);
    const seen = new Set<number>(pool.pids);
    const results = await Promise.allSettled(Array.from({ length: 100 }, () => pool.call('crash', [])));
    for (const r of results) {
      expect(r.status).toBe('rejected');
      const err = (r as PromiseRejectedResult).reason as NativeCrashError;
      expect(err).toBeInstanceOf(NativeCrashError);
      expect(err.signal).toBe('SIGSEGV');
      seen.add(err.pid);
    }
    expect(seen.size).toBeGreaterThanOrEqual(100);
    await expect(pool.call('add', [20, 22])).resolves.toBe(42);
    for (const pid of pool.pids) seen.add(pid);
    await pool.close();
    expect([...seen].filter(alive)).toEqual([]);
    expect(childrenOf(process.pid).filter((pid) => !before.has(pid))).toEqual([]);
  }, 120_000);

  it('terminate() kills busy workers and resolves after they exited', async () => {
    const pool = new ProcessPoolExecutor({ library, bind, workers: 2 });
    await pool.call('add', [0, 0]);
    const pids = pool.pids;
    const outcomes = Promise.allSettled([pool.call('spin_ms', [60_000]), pool.call('spin_ms', [60_000]), pool.call('add', [1, 1])]);
    await new Promise((r) => setTimeout(r, 100));
    await pool.terminate();
    expect(pids.filter(alive)).toEqual([]);
    for (const r of await outcomes) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(ClosedError);
    }
    await expect(pool.call('add', [1, 1])).rejects.toThrow('the ProcessPoolExecutor was closed');
  });

  it('a script that exits while its workers are still loading: they exit quietly (no EPIPE error printed)', async () => {
    const code = `const ffikit = require('./ts/index');
const pool = new ffikit.ProcessPoolExecutor({ library: ${JSON.stringify(library)}, bind: { add: 'int add(int a, int b)' }, workers: 2 });
console.log(JSON.stringify(pool.pids));
setTimeout(() => process.exit(0), 20);`;
    const r = await childPool(1)(code);
    // The workers inherit the script's stderr: 'close' came once they had exited too.
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const pids = JSON.parse(r.stdout) as number[];
    expect(pids).toHaveLength(2);
    // Orphans are reaped by init, maybe a moment after they closed their stderr.
    for (let i = 0; i < 50 && pids.some(alive); i++) await new Promise((res) => setTimeout(res, 100));
    expect(pids.filter(alive)).toEqual([]);
  });
});

describe('timeouts and aborts kill the running worker', () => {
  const pool = new ProcessPoolExecutor({ library, bind, workers: 1 });
  afterAll(() => pool.close());

  it('timeoutMs on a stuck call SIGKILLs its worker, rejects with TimeoutError, and a new worker takes over', async () => {
    await pool.call('add', [0, 0]);
    const [pid] = pool.pids as [number];
    const start = performance.now();
    const err = await rejection(pool.call('spin_ms', [60_000], { timeoutMs: 300 }));
    expect(performance.now() - start).toBeLessThan(10_000);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err).toMatchObject({ code: 'ERR_FFIKIT_TIMEOUT', fn: 'spin_ms', timeoutMs: 300, started: true });
    expect(err.message).toContain('its worker process was killed and is being replaced');
    await expect(pool.call('add', [2, 3])).resolves.toBe(5);
    expect(alive(pid)).toBe(false);
    expect(pool.pids).not.toContain(pid);
  });

  it('aborting a running call kills its worker too', async () => {
    await pool.call('add', [0, 0]);
    const [pid] = pool.pids as [number];
    const controller = new AbortController();
    const running = pool.call('spin_ms', [60_000], { signal: controller.signal });
    await new Promise((r) => setTimeout(r, 100));
    controller.abort();
    await expect(running).rejects.toMatchObject({ name: 'AbortError' });
    await expect(pool.call('add', [1, 1])).resolves.toBe(2);
    expect(alive(pid)).toBe(false);
  });
});

describe('arguments are copied: processes share no memory', () => {
  const pool = new ProcessPoolExecutor({
    library: { reference: true },
    workers: 1,
    bind: {
      process_1d: {
        fn: 'int32_t process_1d(double *data, size_t len)',
        errcheck: ReferenceErrorCodes,
        arrays: { data: { length: 'len' } },
      },
      simd_sum: { fn: 'int32_t simd_sum(const float *data, size_t len, _Out_ double *result)', errcheck: ReferenceErrorCodes },
    },
  });
  afterAll(() => pool.close());

  it('typed arrays, SharedArrayBuffer-backed ones included, are copied in and back; out-params are written back', async () => {
    const plain = new Float64Array([1, 2, 3]);
    await pool.call('process_1d', [plain]);
    expect([...plain]).toEqual([2, 4, 6]);
    const shared = new Float64Array(new SharedArrayBuffer(8 * 4)).fill(1.5);
    await pool.call('process_1d', [shared.subarray(1, 3)]);
    expect([...shared]).toEqual([1.5, 3, 3, 1.5]);
    const sum: [number] = [0];
    await pool.call('simd_sum', [new Float32Array([1, 2, 3]), 3, sum]);
    expect(sum[0]).toBe(6);
  });

  it('ManagedArrays are refused: their address means nothing in another process', async () => {
    using arr = ManagedArray.create('float64', 4);
    const err = await rejection(pool.call('process_1d', [arr]));
    expect(err).toBeInstanceOf(ArgumentError);
    expect(err.message).toBe(
      "process_1d(): argument 'data' expects a typed array (copied to the worker process and back), got ManagedArray(float64, 4). A ManagedArray lives in this process: its address means nothing in a worker process. Pass x.toTypedArray(), or use a ThreadPoolExecutor.",
    );
  });
});
