// Arenas: bump-allocated ManagedArrays, alignment, growth, one release for all, options, and use everywhere a ManagedArray goes.
import * as ffikit from '../../ts/index';
import { ArgumentError, DisposedError } from '../../ts/index';
import { gauges } from '../../ts/core/channels';
import { ThreadPoolExecutor } from '../../ts/executors/thread-pool';
import { ARENA_ALIGNMENT } from '../../ts/memory/arena';
import { runChild } from '../helpers/child';
import { m, thrown, useReferenceMemory } from '../helpers/reference-memory';

useReferenceMemory();

const live = (): { live: number; bytes: number } => (gauges.arrays as () => { live: number; bytes: number })();

describe('arena.array', () => {
  it('hands out zero-filled ManagedArrays, each aligned to 16 bytes, packed into one block', () => {
    using arena = ffikit.arena();
    const sizes: Array<[ffikit.DType, number]> = [
      ['uint8', 3],
      ['float64', 5],
      ['int16', 1],
      ['int64', 2],
      ['float32', 7],
    ];
    const arrays = sizes.map(([dtype, n]) => arena.array(dtype, n));
    for (const [i, a] of arrays.entries()) {
      expect(a).toBeInstanceOf(ffikit.ManagedArray);
      expect(ffikit.isManagedArray(a)).toBe(true);
      expect(a.dtype).toBe(sizes[i]?.[0]);
      expect(a.length).toBe(sizes[i]?.[1]);
      expect(a.pointer % BigInt(ARENA_ALIGNMENT)).toBe(0n);
      expect(Array.from(a.toTypedArray() as ArrayLike<number | bigint>).every((x) => x === 0 || x === 0n)).toBe(true);
    }
    // Distinct, non-overlapping, in one block.
    const spans = arrays.map((a) => [a.pointer, a.pointer + BigInt(a.byteLength)] as const).sort((x, y) => (x[0] < y[0] ? -1 : 1));
    for (let i = 1; i < spans.length; i++) expect(spans[i]![0] >= spans[i - 1]![1]).toBe(true);
    expect(arena.blockCount).toBe(1);
    expect(arena.byteLength).toBe(3 + 40 + 2 + 16 + 28);
  });

  it('grows by blocks, and gives a request larger than half a block its own block', () => {
    using arena = ffikit.arena({ blockSize: 1024 });
    for (let i = 0; i < 10; i++) arena.array('float64', 16); // 128 bytes each: 8 per block
    expect(arena.blockCount).toBe(2);
    const big = arena.array('uint8', 4096);
    expect(arena.blockCount).toBe(3);
    big.write(4095, 7);
    expect(big.read(4095)).toBe(7);
    arena.array('float64', 16); // still fits the current small block
    expect(arena.blockCount).toBe(3);
  });

  it('arrays work as call arguments (sync and async), with withView, toTypedArray and write/read', async () => {
    using arena = ffikit.arena();
    const a = arena.array('float64', 4);
    a.withView((v) => v.set([1, 2, 3, 4]));
    m.process_1d(a, 4);
    expect([...a.toTypedArray()]).toEqual([2, 4, 6, 8]);
    await m.process_1d.async(a, 4);
    expect(a.read(3)).toBe(16);
    const empty = arena.array('int32', 0);
    expect(empty.pointer).toBe(0n);
    expect(empty.toTypedArray()).toEqual(new Int32Array(0));
  });

  it('refuses a bad dtype or length with ArgumentError', () => {
    using arena = ffikit.arena();
    expect(() => arena.array('float16' as never, 1)).toThrow(ArgumentError);
    for (const n of [-1, 1.5, Number.NaN, '3', 2 ** 40]) {
      expect(() => arena.array('float64', n as never)).toThrow(ArgumentError);
    }
  });
});

describe('disposal', () => {
  it('disposing the arena disposes every array: each use throws DisposedError, as for a disposed ManagedArray', () => {
    const arena = ffikit.arena();
    const a = arena.array('float64', 2);
    const before = live();
    arena.dispose();
    expect(arena.disposed).toBe(true);
    expect(a.disposed).toBe(true);
    expect(live()).toEqual({ live: before.live - 1, bytes: before.bytes - 16 });
    for (const use of [() => a.pointer, () => a.read(0), () => a.write(0, 1), () => a.toTypedArray(), () => a.withView(() => 0)]) {
      thrown(use, DisposedError, 'ERR_FFIKIT_DISPOSED');
    }
    thrown(() => m.process_1d(a, 2), DisposedError, 'ERR_FFIKIT_DISPOSED');
    const err = thrown(() => arena.array('float64', 1), DisposedError, 'ERR_FFIKIT_DISPOSED');
    expect(err.message).toBe(
      'Arena.array: expected a live arena, got a disposed one; its memory is gone. Create another with ffikit.arena().',
    );
    expect(a.byteLength).toBe(16); // metadata stays readable
  });

  it('dispose() is idempotent, [Symbol.dispose] too', () => {
    const arena = ffikit.arena();
    arena.array('uint8', 10);
    arena.dispose();
    arena.dispose();
    arena[Symbol.dispose]();
    expect(arena.disposed).toBe(true);
  });

  it("an array's own dispose() only marks that array: the others and the arena go on", () => {
    using arena = ffikit.arena();
    const a = arena.array('int32', 2);
    const b = arena.array('int32', 2);
    b.write(1, 5);
    a.dispose();
    a.dispose();
    expect(a.disposed).toBe(true);
    thrown(() => a.read(0), DisposedError, 'ERR_FFIKIT_DISPOSED');
    expect(b.read(1)).toBe(5);
    expect(arena.array('int32', 1).disposed).toBe(false);
  });

  it('a running async call keeps the blocks until it settles', async () => {
    const arena = ffikit.arena();
    const a = arena.array('float64', 3);
    a.withView((v) => v.set([1, 2, 3]));
    const before = live();
    const call = m.process_1d.async(a, 3);
    arena.dispose();
    expect(a.disposed).toBe(true);
    expect(live()).toEqual(before); // not freed yet
    await call;
    expect(live().live).toBe(before.live - 1);
  });

  it('a view open while the arena is disposed keeps its memory until the view ends', async () => {
    const arena = ffikit.arena();
    const a = arena.array('uint8', 4);
    const result = await a.withView(async (view) => {
      arena.dispose();
      await new Promise((r) => setTimeout(r, 2));
      view[0] = 9;
      return view[0];
    });
    expect(result).toBe(9);
    expect(a.disposed).toBe(true);
  });
});

describe('options', () => {
  it.each([
    [{ blockSize: 100 }, "arena(): argument 'blockSize' expects an integer number of bytes in [1024, 1073741824], got number 100"],
    [{ blockSize: 2 ** 31 }, "argument 'blockSize' expects an integer number of bytes"],
    [{ blockSize: 4096.5 }, "argument 'blockSize' expects an integer number of bytes"],
    [{ blockSize: '4096' }, "argument 'blockSize' expects an integer number of bytes"],
    [null, "arena(): argument 'options' expects an object like { blockSize: 65536 }"],
  ])('%j is an ArgumentError', (options, message) => {
    const err = thrown(() => ffikit.arena(options as never), ArgumentError, 'ERR_FFIKIT_ARG');
    expect(err.message).toContain(message);
  });
});

describe('thread pools', () => {
  it('an arena array crosses to a thread worker zero-copy, pinned like any ManagedArray', async () => {
    const pool = new ThreadPoolExecutor({
      library: { reference: true },
      workers: 1,
      bind: { process_1d: { fn: 'int32_t process_1d(double *data, size_t len)', arrays: { data: { length: 'len' } } } },
    });
    try {
      using arena = ffikit.arena();
      const a = arena.array('float64', 3);
      a.withView((v) => v.set([1, 2, 3]));
      await pool.call('process_1d', [a]);
      expect([...a.toTypedArray()]).toEqual([2, 4, 6]);
    } finally {
      await pool.close();
    }
  });
});

describe('GC backstop (child process)', () => {
  it('a forgotten arena is freed by the garbage collector, with one warning', () => {
    const result = runChild(
      `
      const ffikit = require('./ts/index');
      const { gauges } = require('./ts/core/channels');
      const warnings = [];
      process.on('warning', (w) => { if (w.code === 'FFIKIT_UNDISPOSED') warnings.push(w.message); });
      (function forget() { for (let i = 0; i < 5; i++) { const a = ffikit.arena(); a.array('float64', 100); } })();
      const before = gauges.arrays().live;
      (async () => {
        for (let i = 0; i < 30 && gauges.arrays().live > 0; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 10)); }
        console.log(JSON.stringify({ before, after: gauges.arrays(), warnings }));
      })();`,
      { nodeArgs: ['--expose-gc'] },
    );
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}') as { before: number; after: unknown; warnings: string[] };
    expect(report.before).toBe(5);
    expect(report.after).toEqual({ live: 0, bytes: 0 });
    expect(report.warnings).toEqual([
      'An arena was never disposed; the garbage collector freed its memory. Call dispose() or declare it with `using`.',
    ]);
  });
});
