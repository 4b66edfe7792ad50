// ThreadPoolExecutor: options, results (call, map, imap, imapUnordered), errors crossing threads, close and terminate.
import { ArgumentError, ClosedError, DeclarationError, LibraryLoadError, NativeError } from '../../ts/core/errors';
import { errorCodes } from '../../ts/declare/errcheck';
import { ThreadPoolExecutor } from '../../ts/executors/thread-pool';
import { fixturePaths } from '../fixtures/build';
import { rejection } from '../helpers/rejection';

const Codes = errorCodes({ OK: 0, E_BAD: [-7, 'bad thing'], E_WORSE: -9 });
const bind = {
  add: 'int add(int a, int b)',
  spin_ms: 'int spin_ms(int ms)',
  fail_with: { fn: 'int fail_with(int status)', errcheck: Codes },
  fail_nonzero: { fn: 'int fail_with(int status)', errcheck: 'nonzero-status' },
} as const;
const library = fixturePaths().crash;

let pool: ThreadPoolExecutor<typeof bind>;
beforeAll(() => {
  pool = new ThreadPoolExecutor({ library, bind, workers: 2 });
});
afterAll(() => pool.close());

describe('constructor validation (precise messages, thrown synchronously)', () => {
  const make = (options: unknown) => () => new ThreadPoolExecutor(options as never);

  it('refuses bad option values, naming the option and what was received', () => {
    expect(make({ library, bind, workers: 0 })).toThrow(ArgumentError);
    expect(make({ library, bind, workers: 0 })).toThrow(
      "new ThreadPoolExecutor(): argument 'options.workers' expects an integer in [1, 1024], got number 0.",
    );
    expect(make({ library, bind, workers: 1.5 })).toThrow("argument 'options.workers'");
    expect(make({ library, bind, maxQueue: -1 })).toThrow(
      "argument 'options.maxQueue' expects an integer in [0, 9007199254740991] or Infinity, got number -1.",
    );
    expect(make({ library, bind, policy: 'fifo' })).toThrow(
      "argument 'options.policy' expects 'parallel' or 'serial', got string (4 chars).",
    );
    expect(make({ library, bind, onFull: 'drop' })).toThrow("argument 'options.onFull' expects 'wait' or 'reject'");
    expect(make({ library, bind, worker: 2 })).toThrow(
      "argument 'options.worker' expects no such option (valid: library, bind, workers, maxQueue, policy, onFull, priority)",
    );
    expect(make({ library, bind, priority: 'high' })).toThrow(
      "argument 'options.priority' expects 'normal', 'low' or a nice value (an integer in [0, 19]), got string (4 chars).",
    );
    expect(make({ library, bind, priority: -5 })).toThrow("argument 'options.priority' expects 'normal', 'low' or a nice value");
    expect(make({ library, bind, priority: 20 })).toThrow("argument 'options.priority' expects 'normal', 'low' or a nice value");
    expect(make(null)).toThrow("new ThreadPoolExecutor(): argument 'options' expects an object");
    expect(make({ library, bind: {} })).toThrow("argument 'options.bind' expects a non-empty object");
    expect(make({ library: 42, bind })).toThrow("argument 'options.library' expects a library path");
    expect(make({ library: { reference: true, sha: 'x' }, bind })).toThrow("Unknown key 'sha'.");
  });

  it('resolves the library like ffikit.load: a missing file is a LibraryLoadError now, not in a worker later', () => {
    expect(make({ library: './no/such/libnothing.so', bind })).toThrow(LibraryLoadError);
  });

  it('accepts errcheck functions (they run on this thread) and refuses a non-callable errcheck object', async () => {
    const checked = new ThreadPoolExecutor({
      library,
      bind: { add: { fn: 'int add(int a, int b)', errcheck: (r: unknown) => [r] } },
      workers: 1,
    });
    await expect(checked.call('add', [2, 3])).resolves.toEqual([5]);
    await checked.close();
    expect(make({ library, bind: { add: { fn: 'int add(int a, int b)', errcheck: {} } } })).toThrow(
      "new ThreadPoolExecutor(): bind 'add': errcheck expects an errorCodes() table, 'nonzero-status', 'negative-errno', 'null-is-failure' or a function, got object",
    );
  });

  it('refuses bad prototypes, unknown errcheck values and undeclared types before starting anything', () => {
    expect(make({ library, bind: { add: 'int add(int a, int b' } })).toThrow(DeclarationError);
    expect(make({ library, bind: { add: { fn: 'int add(int a, int b)', errcheck: 'sometimes' } } })).toThrow(
      "errcheck expects an errorCodes() table, 'nonzero-status'",
    );
    expect(make({ library, bind: { f: 'int f(Undeclared p)' } })).toThrow(
      "new ThreadPoolExecutor(): bind 'f': unknown type 'Undeclared'. Declare it first with ffikit.struct()",
    );
    expect(make({ library, bind: { f: { fn: 'double f(int a)', errcheck: Codes } } })).toThrow('needs an integer return type');
    expect(make({ library, bind: { f: { fn: 'int f(int a)', typo: 1 } } })).toThrow(
      "unknown option 'typo'; expected 'fn', 'errcheck', 'arrays', 'disposes'.",
    );
  });
});

describe('results', () => {
  it('call() resolves with the return value', async () => {
    await expect(pool.call('add', [2, 3])).resolves.toBe(5);
  });

  it('submit() resolves once queued, with the result as a separate promise', async () => {
    const submitted = await pool.submit('add', [40, 2]);
    await expect(submitted.result).resolves.toBe(42);
  });

  it('map() returns results in input order, for small and chunked inputs alike', async () => {
    const small = Array.from({ length: 10 }, (_, i) => [i, 100] as [number, number]);
    await expect(pool.map('add', small)).resolves.toEqual(small.map(([a, b]) => a + b));
    const big = Array.from({ length: 5000 }, (_, i) => [i, -i * 2] as [number, number]);
    await expect(pool.map('add', big)).resolves.toEqual(big.map(([a, b]) => a + b));
    await expect(pool.map('add', big, { chunkSize: 7 })).resolves.toEqual(big.map(([a, b]) => a + b));
    await expect(pool.map('add', [])).resolves.toEqual([]);
  });

  it('map() accepts any iterable, and keeps integers exact through the columnar (Float64Array) path', async () => {
    function* gen() {
      for (let i = 0; i < 40; i++) yield [2 ** 30, i] as [number, number];
    }
    const r = await pool.map('add', gen());
    expect(r[1]).toBe(2 ** 30 + 1);
    expect(r).toHaveLength(40);
  });

  it('imap() yields in input order even when later items finish first', async () => {
    const order: number[] = [];
    for await (const ms of pool.imap('spin_ms', [[120], [5], [5], [5]])) order.push(ms);
    expect(order).toEqual([120, 5, 5, 5]);
  });

  it('imapUnordered() yields in completion order', async () => {
    const order: number[] = [];
    for await (const ms of pool.imapUnordered('spin_ms', [[250], [1], [2], [3]])) order.push(ms);
    expect(order.sort((a, b) => a - b)).toEqual([1, 2, 3, 250]);
    expect(order[order.length - 1]).toBe(250);
  });

  it('breaking out of imap() stops feeding the remaining items', async () => {
    const list = Array.from({ length: 200 }, (_, i) => [i, 0] as [number, number]);
    const seen: number[] = [];
    for await (const v of pool.imap('add', list)) {
      seen.push(v);
      if (seen.length === 3) break;
    }
    expect(seen).toEqual([0, 1, 2]);
    await expect(pool.call('add', [1, 1])).resolves.toBe(2);
  });
});

describe('errors cross the thread boundary as the same classes', () => {
  it('a failing status becomes the same NativeError (status, statusName, fn, message)', async () => {
    const err = await rejection(pool.call('fail_with', [-7]));
    expect(err).toBeInstanceOf(NativeError);
    expect(err).toMatchObject({ code: 'ERR_FFIKIT_NATIVE', status: -7, statusName: 'E_BAD', fn: 'fail_with' });
    expect(err.message).toBe('fail_with() failed: E_BAD (-7): bad thing');
    const unknown = await rejection(pool.call('fail_with', [-123]));
    expect(unknown).toMatchObject({ status: -123, statusName: 'UNKNOWN' });
    await expect(pool.call('fail_nonzero', [3])).rejects.toMatchObject({ status: 3, code: 'ERR_FFIKIT_NATIVE' });
    await expect(pool.call('fail_with', [0])).resolves.toBeUndefined();
  });

  it('wrong arguments reject with the same ArgumentError the bound function throws', async () => {
    const err = await rejection(pool.call('add', [1, 'two'] as never));
    expect(err).toBeInstanceOf(ArgumentError);
    expect(err.message).toBe("add(): argument 'b' expects an integer (int) in [-2147483648, 2147483647], got string (3 chars).");
    await expect(pool.call('add', [1] as never)).rejects.toThrow('add(): expected 2 arguments (a, b), got 1.');
  });

  it('callbacks and unknown names are refused on this thread, as rejections (never synchronous throws)', async () => {
    const fnArg = pool.call('add', [1, (() => 2) as never]);
    await expect(fnArg).rejects.toThrow(ArgumentError);
    await expect(fnArg).rejects.toThrow('Callbacks cannot cross to executor workers');
    await expect(pool.call('nope' as never, [] as never)).rejects.toThrow(
      "argument 'name' expects the name of a function declared in bind (add, spin_ms, fail_with, fail_nonzero)",
    );
    await expect(pool.call('add', 5 as never)).rejects.toThrow("argument 'args' expects an array of arguments for add()");
    await expect(pool.call('add', [1, 2], { timeoutMs: -5 })).rejects.toThrow("argument 'options.timeoutMs'");
  });

  it('map() rejects with the first error, imap() throws it at its position', async () => {
    await expect(pool.map('fail_with', [[0], [0], [-9], [0]])).rejects.toMatchObject({ statusName: 'E_WORSE' });
    const got: unknown[] = [];
    await expect(
      (async () => {
        for await (const v of pool.imap('fail_with', [[0], [-7], [0]])) got.push(v);
      })(),
    ).rejects.toMatchObject({ statusName: 'E_BAD' });
    expect(got).toEqual([undefined]);
    await expect(pool.map('add', [[1, 2], 'x'] as never)).rejects.toThrow(
      "argument 'listOfArgs[1]' expects an array of arguments for add()",
    );
  });
});

describe('close(), terminate(), asyncDispose', () => {
  it('close() drains queued and running tasks, resolves after every worker exited, then refuses new tasks', async () => {
    const p = new ThreadPoolExecutor({ library, bind, workers: 2 });
    const results = [1, 2, 3, 4, 5].map((i) => p.call('spin_ms', [20 * i]));
    const closed = p.close();
    expect(p.closed).toBe(true);
    await expect(p.call('add', [1, 1])).rejects.toThrow(ClosedError);
    await closed;
    await expect(Promise.all(results)).resolves.toEqual([20, 40, 60, 80, 100]);
    expect(p.running).toBe(0);
    await expect(p.call('add', [1, 1])).rejects.toMatchObject({ code: 'ERR_FFIKIT_CLOSED' });
    await expect(p.map('add', [[1, 1]])).rejects.toMatchObject({ code: 'ERR_FFIKIT_CLOSED' });
    await expect(p.close()).resolves.toBeUndefined(); // idempotent
  });

  it('a map() started before close() still completes', async () => {
    const p = new ThreadPoolExecutor({ library, bind, workers: 2, maxQueue: 2 });
    const list = Array.from({ length: 30 }, (_, i) => [i, 1] as [number, number]);
    const mapped = p.map('add', list, { chunkSize: 1 });
    await p.close();
    await expect(mapped).resolves.toEqual(list.map(([a]) => a + 1));
  });

  it('terminate() rejects pending tasks with ClosedError and stops the workers', async () => {
    const p = new ThreadPoolExecutor({ library, bind, workers: 1 });
    await p.call('add', [0, 0]);
    const running = p.call('spin_ms', [100]);
    const queued = p.call('add', [1, 1]);
    const stopped = p.terminate();
    await expect(running).rejects.toThrow('the ThreadPoolExecutor was terminated before the task completed');
    await expect(queued).rejects.toBeInstanceOf(ClosedError);
    await stopped;
    await expect(p.call('add', [1, 1])).rejects.toBeInstanceOf(ClosedError);
  });

  it('await using closes the pool', async () => {
    let p: ThreadPoolExecutor<typeof bind> | undefined;
    {
      await using q = new ThreadPoolExecutor({ library, bind, workers: 1 });
      p = q;
      await expect(q.call('add', [3, 4])).resolves.toBe(7);
    }
    expect(p.closed).toBe(true);
    await expect(p.call('add', [1, 1])).rejects.toBeInstanceOf(ClosedError);
  });
});
