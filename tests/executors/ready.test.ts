// pool.ready, both pool kinds: resolves once every worker has bound; a library or symbol they cannot bind rejects it and every call.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { ClosedError, DeclarationError, LibraryLoadError } from '../../ts/core/errors';
import { NativeCrashError } from '../../ts/executors/errors';
import type { Executor } from '../../ts/executors/executor';
import { ProcessPoolExecutor } from '../../ts/executors/process-pool';
import { ThreadPoolExecutor } from '../../ts/executors/thread-pool';
import { load } from '../../ts/library/library';
import { fixturePaths } from '../fixtures/build';
import { childPool } from '../helpers/child-pool';
import { rejection } from '../helpers/rejection';
import { alive, childrenOf } from './processes';

const library = fixturePaths().crash;
const good = { add: 'int add(int a, int b)', spin_ms: 'int spin_ms(int ms)' } as const;
const missing = { add: 'int add(int a, int b)', gone: 'int no_such_symbol(int x)' } as const;
type Options = { library: string; bind: Record<string, string>; workers?: number };
type Pool = Executor & { readonly pids?: number[] };

let scratch: string;
beforeAll(() => {
  // Real path: the pools resolve the library path, and the errors name what they resolved.
  scratch = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ffikit-ready-')));
});
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** The message the same bind gives on this thread: the pool's error must carry exactly it. */
function bindMessageHere(): string {
  using lib = load(library);
  try {
    lib.bind(missing);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected bind() to throw');
}

describe.each([
  ['ThreadPoolExecutor', 'worker thread', (o: Options): Pool => new ThreadPoolExecutor(o as never)],
  ['ProcessPoolExecutor', 'worker process', (o: Options): Pool => new ProcessPoolExecutor(o as never)],
] as const)('%s.ready', (label, where, make) => {
  const processes = label === 'ProcessPoolExecutor';
  let before: Set<number>;
  beforeEach(() => {
    before = new Set(childrenOf(process.pid));
  });
  /** Every worker process a test started has exited (none for thread pools). */
  const noLeftovers = (): void => expect(childrenOf(process.pid).filter((pid) => !before.has(pid))).toEqual([]);

  it('a valid pool: ready resolves once every worker has bound (the same promise every time)', async () => {
    const pool = make({ library, bind: good, workers: 2 });
    expect(pool.ready).toBe(pool.ready);
    await expect(pool.ready).resolves.toBeUndefined();
    if (processes) expect(pool.pids?.filter(alive)).toHaveLength(2);
    await expect(pool.call('add', [2, 3])).resolves.toBe(5);
    await pool.close();
    noLeftovers();
  });

  it('a missing symbol: ready rejects with the DeclarationError the worker hit, rebuilt here with its cause', async () => {
    const pool = make({ library, bind: missing, workers: 2 });
    const err = await rejection(pool.ready);
    expect(err).toBeInstanceOf(DeclarationError);
    expect(err).toMatchObject({ code: 'ERR_FFIKIT_DECLARATION', name: 'DeclarationError' });
    expect(err.message).toBe(bindMessageHere());
    expect(err.message).toContain(`the library ${library} does not export 'no_such_symbol'`);
    expect(err.cause).toBeInstanceOf(Error);
    expect((err.cause as Error).message).toContain('no_such_symbol');
    expect(err.stack).toContain(`-- in the ${where} --`);
    await pool.close();
    noLeftovers();
  });

  it('every call rejects with that very error: calls queued before the failure was known, and calls made after', async () => {
    const pool = make({ library, bind: missing, workers: 2 });
    const early = [
      pool.call('add', [1, 2]),
      pool.submit('add', [1, 2]).then((s) => s.result),
      pool.map('add', [
        [1, 2],
        [3, 4],
      ]),
      pool.imapUnordered('add', [[1, 2]]).next(),
      pool.call('gone', [1]),
    ];
    const err = await rejection(pool.ready);
    for (const r of await Promise.allSettled(early)) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toBe(err);
    }
    expect(await rejection(pool.call('add', [1, 2]))).toBe(err);
    expect(await rejection(pool.submit('add', [1, 2]))).toBe(err);
    expect(await rejection(pool.map('add', [[1, 2]]))).toBe(err);
    expect(await rejection(pool.imap('add', [[1, 2]]).next())).toBe(err);
    expect(pool.running).toBe(0);
    expect(pool.queueSize).toBe(0);
    await expect(pool.close()).resolves.toBeUndefined();
    // Closed and broken: the startup error still explains why (it is the first reason).
    expect(await rejection(pool.call('add', [1, 2]))).toBe(err);
    await expect(pool.terminate()).resolves.toBeUndefined();
    noLeftovers();
  });

  it('created and closed at once: close() resolves after the workers exited, and ready still reports the missing symbol', async () => {
    const pool = make({ library, bind: missing, workers: 2 });
    const pids = pool.pids ?? [];
    await expect(pool.close()).resolves.toBeUndefined();
    const err = await rejection(pool.ready);
    expect(err).toBeInstanceOf(DeclarationError);
    expect(err.message).toContain("does not export 'no_such_symbol'");
    expect(pids.filter(alive)).toEqual([]);
    noLeftovers();
  });

  it('a library removed before the workers load it: ready rejects with LibraryLoadError (not-found, path, cause)', async () => {
    const copy = path.join(scratch, `libremoved-${processes ? 'p' : 't'}.so`);
    fs.copyFileSync(library, copy);
    // The constructor resolves the path (a missing file throws there); the workers load it later.
    const pool = make({ library: copy, bind: good, workers: 2 });
    fs.unlinkSync(copy);
    const err = await rejection(pool.ready);
    expect(err).toBeInstanceOf(LibraryLoadError);
    expect(err).toMatchObject({ code: 'ERR_FFIKIT_LIBRARY_LOAD', reason: 'not-found', path: copy });
    expect(err.message).toContain(`Cannot load ${copy}: no such file.`);
    expect(err.cause).toMatchObject({ code: 'ENOENT' });
    expect(await rejection(pool.call('add', [1, 2]))).toBe(err);
    await pool.close();
    noLeftovers();
  });

  it('a file that is not a library: ready rejects with LibraryLoadError (bad-format)', async () => {
    const text = path.join(scratch, `libtext-${processes ? 'p' : 't'}.so`);
    fs.writeFileSync(text, 'not a shared library\n'.repeat(8));
    const pool = make({ library: text, bind: good, workers: 1 });
    const err = await rejection(pool.ready);
    expect(err).toBeInstanceOf(LibraryLoadError);
    expect(err).toMatchObject({ reason: 'bad-format', path: text });
    expect(await rejection(pool.call('add', [1, 2]))).toBe(err);
    await pool.terminate();
    noLeftovers();
  });

  it('terminate() before the workers answered rejects ready with ClosedError', async () => {
    const pool = make({ library, bind: good, workers: 2 });
    await expect(pool.terminate()).resolves.toBeUndefined();
    const err = await rejection(pool.ready);
    expect(err).toBeInstanceOf(ClosedError);
    expect(err.message).toBe(
      `${label}.ready: the ${label} was terminated before every worker had loaded ${library} and bound its functions, so whether they could is unknown. Await ready before terminate() to find out.`,
    );
    noLeftovers();
  });
});

describe('ProcessPoolExecutor.ready: a worker that dies while loading', () => {
  it('rejects ready with NativeCrashError (signal, pid), even when close() was already called', async () => {
    const before = new Set(childrenOf(process.pid));
    const pool = new ProcessPoolExecutor({ library, bind: good, workers: 2 });
    const [victim] = pool.pids;
    // Killed from outside before it could answer: for the pool, loading the library killed it.
    process.kill(victim as number, 'SIGKILL');
    const closed = pool.close();
    const err = await rejection(pool.ready);
    expect(err).toBeInstanceOf(NativeCrashError);
    expect(err).toMatchObject({ code: 'ERR_FFIKIT_NATIVE_CRASH', signal: 'SIGKILL', pid: victim });
    expect(err.message).toContain(`A worker (pid ${victim}) was killed by SIGKILL while loading ${library}, before running any task.`);
    expect(await rejection(pool.call('add', [1, 2]))).toBe(err);
    await expect(closed).resolves.toBeUndefined();
    expect(childrenOf(process.pid).filter((pid) => !before.has(pid))).toEqual([]);
  });
});

describe('ready in a script of its own (child processes)', () => {
  const run = childPool(2);
  const script = (body: string): string =>
    `const ffikit = require('./ts/index'); const library = ${JSON.stringify(library)};\n(async () => {\n${body}\n})();`;

  it.each(['ThreadPoolExecutor', 'ProcessPoolExecutor'])(
    '%s: a failed ready nobody looks at is no unhandled rejection; awaiting ready alone keeps the process alive',
    async (kind) => {
      const [ignored, awaited] = await Promise.all([
        run(
          script(`const pool = new ffikit.${kind}({ library, bind: ${JSON.stringify(missing)} });
await pool.close();
console.log('closed');`),
        ),
        run(
          script(`const good = new ffikit.${kind}({ library, bind: ${JSON.stringify(good)} });
good.ready.then(() => console.log('ready'));
const bad = new ffikit.${kind}({ library, bind: ${JSON.stringify(missing)} });
bad.ready.catch((e) => console.log(e.code));`),
        ),
      ]);
      expect(ignored.stderr).toBe('');
      expect(ignored).toMatchObject({ status: 0, stdout: 'closed\n' });
      expect(awaited.stderr).toBe('');
      expect(awaited.status).toBe(0);
      expect(awaited.stdout.split('\n').sort()).toEqual(['', 'ERR_FFIKIT_DECLARATION', 'ready']);
    },
  );
});
