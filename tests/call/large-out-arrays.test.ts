// _Out_/_Inout_ plain JS arrays larger than the FFI layer's per-call copy space (koffi 3.3: 1 MiB for
// sync calls, 128 KiB for .async). koffi itself writes past that space (a SIGSEGV, or silently wrong
// data); ffikit stages such arrays in memory of its own and copies them back. Each case runs in a child
// process, so a regression is a failed test instead of a crashed jest worker.
import * as ffikit from '../../ts/index';
import { runChild } from '../helpers/child';
import { fixturePaths } from '../fixtures/build';
import { kCopiedOutBudget } from '../../ts/call/scope';

const structArrays = fixturePaths().structArrays;

/** Runs `body` (an async function body with `ffikit`, `libc` and `items` in scope) in a child; returns what it printed as JSON. */
function inChild(body: string): unknown {
  const code = `
    const ffikit = require('./ts/index');
    const libc = ffikit.load('libc.so.6');
    ffikit.struct('Item', { id: 'int32_t', weight: 'double' });
    const items = ffikit.load(${JSON.stringify(structArrays)}).bind({
      scale: { fn: 'void scale_items(_Inout_ Item *items, size_t n, double k)', arrays: { items: { length: 'n' } } },
      fill: { fn: 'void fill_items(_Out_ Item *items, size_t n)', arrays: { items: { length: 'n' } } },
    });
    (async () => { ${body} })().then(
      (r) => console.log(JSON.stringify(r, (k, v) => (typeof v === 'bigint' ? v.toString() + 'n' : v))),
      (e) => { console.error(e); process.exit(3); },
    );`;
  const r = runChild(code, { timeoutMs: 60000 });
  if (r.status !== 0) throw new Error(`child ended with ${r.status ?? r.signal}: ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string);
}

describe('_Out_/_Inout_ JS arrays beyond the per-call copy space are staged, not crashed on', () => {
  it('the budget is well inside what koffi copies safely (128 KiB for .async)', () => {
    expect(kCopiedOutBudget).toBeLessThanOrEqual(64 * 1024);
  });

  it('_Inout_ int32_t *: 300,000 numbers, sync and .async (koffi alone: SIGSEGV)', () => {
    const r = inChild(`
      const { memset } = libc.bind({ memset: 'void *memset(_Inout_ int32_t *s, int c, size_t n)' });
      const a = new Array(300000).fill(7);
      memset(a, 0, a.length * 4);
      const b = new Array(100000).fill(7);
      await memset.async(b, 0, b.length * 4);
      const c = new Array(300000).fill(7);
      memset(c, 0, 8); // C writes the first two elements only; the others come back unchanged
      return { a: a.every((v) => v === 0), b: b.every((v) => v === 0), c: [c[0], c[1], c[2], c[299999]], isArray: Array.isArray(a) };
    `);
    expect(r).toEqual({ a: true, b: true, c: [0, 0, 7, 7], isArray: true });
  });

  it('_Out_ int64_t / uint64_t *: numbers where exact, bigints beyond 2**53, as the small-array path gives them', () => {
    const r = inChild(`
      const { s64, u64 } = libc.bind({
        s64: 'void *memset(_Out_ int64_t *s, int c, size_t n)',
        u64: 'void *memset(_Out_ uint64_t *s, int c, size_t n)',
      });
      const big = new Array(100000).fill(0);
      s64(big, 0xff, big.length * 8);
      const wide = new Array(100000).fill(0);
      u64(wide, 0x01, wide.length * 8);
      const small = [0, 0];
      u64(small, 0x01, 16);
      return { big: [big[0], big[99999]], wide: [wide[0], wide[99999]], small };
    `);
    expect(r).toEqual({
      big: [-1, -1],
      wide: ['72340172838076673n', '72340172838076673n'],
      small: ['72340172838076673n', '72340172838076673n'],
    });
  });

  it('_Inout_ Item *: 100,000 objects, sync and .async; the elements are replaced, as the small-array path does', () => {
    const r = inChild(`
      const objects = Array.from({ length: 100000 }, (_, i) => ({ id: i, weight: 0.5 }));
      const first = objects[0];
      items.scale(objects, undefined, 2);
      await items.scale.async(objects, undefined, 2);
      const ok = objects.every((o, i) => o.id === i + 2 && o.weight === 2);
      const few = [{ id: 1, weight: 1, extra: 'x' }];
      const fewFirst = few[0];
      items.scale(few, undefined, 3);
      return { ok, replaced: objects[0] !== first, fewReplaced: few[0] !== fewFirst, few };
    `);
    expect(r).toEqual({ ok: true, replaced: true, fewReplaced: true, few: [{ id: 2, weight: 3 }] });
  });

  it('_Out_ Item *: 100,000 empty objects for C to fill', () => {
    const r = inChild(`
      const objects = Array.from({ length: 100000 }, () => ({}));
      items.fill(objects);
      return objects.every((o, i) => o.id === i && o.weight === i / 2);
    `);
    expect(r).toBe(true);
  });

  it('one _Inout_/_Out_ struct with a 2 MB array member, sync and .async: updated in place', () => {
    const r = inChild(`
      const n = 2000000;
      ffikit.struct('Big', { len: 'int', data: ffikit.array('uint8_t', n) });
      const { memset, fill } = libc.bind({
        memset: 'void *memset(_Inout_ Big *s, int c, size_t n)',
        fill: 'void *memset(_Out_ Big *s, int c, size_t n)',
      });
      const obj = { len: 1, data: new Uint8Array(n), extra: 'kept' };
      memset(obj, 1, 4 + n - 1);
      const sync = [obj.len, obj.data[0], obj.data[n - 2], obj.data[n - 1], obj.extra];
      const later = { len: 1, data: new Uint8Array(n) };
      await memset.async(later, 3, 4);
      const out = {};
      fill(out, 2, 4 + n);
      return { sync, async: [later.len, later.data[0]], out: [out.len, out.data[n - 1]] };
    `);
    expect(r).toEqual({ sync: [0x01010101, 1, 1, 0, 'kept'], async: [0x03030303, 0], out: [0x02020202, 2] });
  });

  it('the budget counts every array of one call: two 40 KB _Inout_ arrays', () => {
    const r = inChild(`
      const { memmove } = libc.bind({ memmove: 'void *memmove(_Inout_ int32_t *dst, _Inout_ int32_t *src, size_t n)' });
      const dst = new Array(10000).fill(1);
      const src = Array.from({ length: 10000 }, (_, i) => i);
      memmove(dst, src, 40000);
      return dst.every((v, i) => v === i) && src.every((v, i) => v === i);
    `);
    expect(r).toBe(true);
  });

  it('a thread pool call with a 300,000-number _Inout_ array copies the result back to the caller', () => {
    const r = inChild(`
      const pool = new ffikit.ThreadPoolExecutor({
        library: 'libc.so.6',
        bind: { memset: 'void *memset(_Inout_ int32_t *s, int c, size_t n)' },
        workers: 1,
      });
      const a = new Array(300000).fill(7);
      await pool.call('memset', [a, 0, a.length * 4]);
      await pool.close();
      return a.every((v) => v === 0);
    `);
    expect(r).toBe(true);
  });
});

describe('refused before C runs (in this process: nothing reaches the FFI layer)', () => {
  const libc = ffikit.load('libc.so.6');
  afterAll(() => libc.close());

  it('a staged _Inout_ array element that is not a number names its index', () => {
    const { memset } = libc.bind({ memset: 'void *memset(_Inout_ int32_t *s, int c, size_t n)' });
    const a: unknown[] = new Array(300000).fill(7);
    a[12345] = 'x';
    expect(() => memset(a as unknown as [number], 0, 4)).toThrow(ffikit.ArgumentError);
    expect(() => memset(a as unknown as [number], 0, 4)).toThrow("argument 's[12345]' expects a number, got string");
  });

  it('an _Out_ array of addresses beyond the budget is an ArgumentError, not a crash', () => {
    const { pipe2 } = libc.bind({ pipe2: 'int pipe2(_Out_ void **fds, int flags)' });
    expect(() => pipe2(new Array(20000).fill(null), 0)).toThrow(/addresses do not fit the 64 KiB a call may copy back/);
  });

  it('a plain array for void * is refused with what to pass instead', () => {
    const { memset } = libc.bind({ memset: 'void *memset(_Inout_ void *s, int c, size_t n)' });
    expect(() => memset([1, 2, 3] as never, 0, 4)).toThrow('Pass a typed array (e.g. Int32Array.from(x)) or a Buffer.');
  });
});
