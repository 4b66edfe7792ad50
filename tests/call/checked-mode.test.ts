// Checked mode for calls: guarded copies of buffer arguments, handles that refuse bare addresses,
// callbacks C calls after dispose. Each corruption case runs in a child process, which must then go on
// with 10^4 malloc/free cycles and exit cleanly: the guard zones absorbed the stray writes.
import * as ffikit from '../../ts/index';
import { runChild } from '../helpers/child';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const fx = require('../fixtures/build').fixturePaths() as Record<'checked' | 'edge', string>;

const DECL = {
  write: 'void write_span(uint8_t *p, long offset, size_t n, int value)',
  fill: 'void fill_doubles(double *out, size_t n)',
  sum: 'long sum_bytes(const uint8_t *p, size_t n)',
  sumAny: 'long sum_bytes(const void *p, size_t n)',
  distance: 'long distance_between(const uint8_t *a, const uint8_t *b)',
};

interface Caught {
  name: string;
  code: string;
  kind: string;
  fn: string;
  param: string;
  size: number;
  distance: number;
  message: string;
}

/**
 * Runs `body` (JS with `lib`, `f` = the bound DECL and `caught(fn)` = what fn threw) in a child with a
 * checked library, then 10^4 libc malloc/free cycles and 10^4 ManagedArray create/dispose cycles; returns
 * what `body` returned (as JSON) once the child exited 0.
 */
function inCheckedChild(body: string, options = '{ checked: true }', env: NodeJS.ProcessEnv = {}): unknown {
  const code = `
    const ffikit = require('./ts/index');
    const lib = ffikit.load(${JSON.stringify(fx.checked)}, ${options});
    const f = lib.bind(${JSON.stringify(DECL)});
    const caught = (fn) => {
      try { fn(); } catch (e) {
        return { name: e.name, code: e.code, kind: e.kind, fn: e.fn, param: e.param, size: e.size, distance: e.distance, message: e.message };
      }
      return null;
    };
    (async () => {
      const result = await (async () => { ${body} })();
      const libc = ffikit.load('libc.so.6').bind({ malloc: 'void *malloc(size_t n)', free: 'void free(void *p)' });
      for (let i = 0; i < 10000; i++) {
        const p = libc.malloc(16 + (i % 509) * 8);
        if (p === null) throw new Error('malloc failed');
        libc.free(p);
      }
      for (let i = 0; i < 10000; i++) ffikit.ManagedArray.create('float64', 1 + (i % 64)).dispose();
      console.log(JSON.stringify(result));
    })().catch((e) => { console.error(e); process.exit(3); });`;
  const r = runChild(code, { env, timeoutMs: 60000 });
  if (r.status !== 0) throw new Error(`child exited ${r.status ?? r.signal}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as unknown;
}

describe('checked mode: writes outside a buffer argument', () => {
  it('an overrun is a MemoryCorruptionError naming the function, parameter, size and distance', () => {
    const caught = inCheckedChild(`return caught(() => f.write(new Uint8Array(16), 0, 32, 7));`) as Caught;
    expect(caught).toMatchObject({
      name: 'MemoryCorruptionError',
      code: 'ERR_FFIKIT_OVERRUN',
      kind: 'overrun',
      fn: 'write',
      param: 'p',
      size: 16,
      distance: 16,
    });
    expect(caught.message).toBe(
      "write(): C wrote 16 bytes past the end of argument 'p' (16 bytes) (checked mode). Pass a larger buffer, or fix the length the declaration gives C.",
    );
  });

  it('an underrun names how far before the start C wrote', () => {
    const caught = inCheckedChild(`return caught(() => f.write(new Uint8Array(16), -3, 3, 7));`) as Caught;
    expect(caught).toMatchObject({ kind: 'underrun', param: 'p', size: 16, distance: 3 });
    expect(caught.message).toContain("C wrote 3 bytes before the start of argument 'p' (16 bytes)");
  });

  it('a one-byte overrun of a Float64Array (the digest-into-a-short-buffer bug) is caught', () => {
    const caught = inCheckedChild(`return caught(() => f.fill(new Float64Array(4), 5));`) as Caught;
    expect(caught).toMatchObject({ kind: 'overrun', fn: 'fill', param: 'out', size: 32, distance: 8 });
  });

  it('a write past the whole guard zone says so', () => {
    const caught = inCheckedChild(
      `return caught(() => f.write(new Uint8Array(16), 0, 16 + 300, 1));`,
      '{ checked: { guardBytes: 512 } }',
    ) as Caught;
    expect(caught).toMatchObject({ kind: 'overrun', distance: 300 });
    // 40 bytes past a 16-byte buffer with 32-byte zones: beyond the zone, yet inside the block's unused
    // capacity (blocks hold at least 64 bytes), so even ASan sees no write outside ffikit's allocation.
    const far = inCheckedChild(`return caught(() => f.write(new Uint8Array(16), 16, 40, 1));`, '{ checked: { guardBytes: 32 } }') as Caught;
    expect(far).toMatchObject({ kind: 'overrun', distance: 32 });
    expect(far.message).toContain('at least 32 bytes (the whole guard zone; memory beyond it may be damaged too)');
  });

  it('covers Buffers, ArrayBuffers (void *), .async calls and FFIKIT_CHECKED=1', () => {
    const out = inCheckedChild(
      `return [
        caught(() => f.write(Buffer.alloc(8), 8, 1, 1)),
        caught(() => f.sumAny(new ArrayBuffer(8), 8)),
        await f.write.async(new Uint8Array(8), 0, 9, 1).then(() => null, (e) => ({ name: e.name, kind: e.kind, distance: e.distance })),
      ];`,
      '{}',
      { FFIKIT_CHECKED: '1' },
    ) as [Caught, Caught | null, Caught];
    expect(out[0]).toMatchObject({ name: 'MemoryCorruptionError', kind: 'overrun', size: 8, distance: 1 });
    expect(out[1]).toBeNull(); // reading within bounds is fine
    expect(out[2]).toMatchObject({ name: 'MemoryCorruptionError', kind: 'overrun', distance: 1 });
  });

  it('checks the red zones of ManagedArray arguments when the call is over, sync and async', () => {
    const out = inCheckedChild(
      `const arr = ffikit.ManagedArray.create('uint8', 16);
      const sync = caught(() => f.write(arr, 16, 4, 1));
      const asyncError = await f.write.async(arr, -2, 2, 1).then(() => null, (e) => ({ name: e.name, kind: e.kind, fn: e.fn, param: e.param, distance: e.distance }));
      f.write(arr, 0, 16, 9); // within bounds: fine, and the zones were restored after each report
      arr.dispose();
      return { sync, asyncError };`,
      '{}',
      { FFIKIT_CHECKED: '1' },
    ) as { sync: Caught; asyncError: Caught };
    expect(out.sync).toMatchObject({ name: 'MemoryCorruptionError', kind: 'overrun', fn: 'write', param: 'p', size: 16, distance: 4 });
    expect(out.asyncError).toMatchObject({ name: 'MemoryCorruptionError', kind: 'underrun', fn: 'write', param: 'p', distance: 2 });
  });

  it('copies what C wrote back into the caller buffer, and C reads the caller data', () => {
    const out = inCheckedChild(`
      const b = new Uint8Array(32);
      f.write(b.subarray(8, 16), 0, 8, 5);
      const d = new Float64Array(3);
      f.fill(d, 3);
      return { b: Array.from(b), d: Array.from(d), sum: f.sum(Buffer.from([1, 2, 3, 250]), 4) };`) as {
      b: number[];
      d: number[];
      sum: number;
    };
    expect(out.b).toEqual([...Array(8).fill(0), ...Array(8).fill(5), ...Array(16).fill(0)]);
    expect(out.d).toEqual([0, 1, 2]);
    expect(out.sum).toBe(256);
  });

  it('passes each buffer as its own copy; unchecked mode passes the caller memory itself', () => {
    const unchecked = inCheckedChild(
      `const b = new Uint8Array(32); return f.distance(b.subarray(0, 8), b.subarray(8, 16));`,
      '{ checked: false }',
    );
    expect(unchecked).toBe(8);
    const checked = inCheckedChild(`const b = new Uint8Array(32); return f.distance(b.subarray(0, 8), b.subarray(8, 16));`);
    expect(checked).not.toBe(8);
  });
});

describe('checked mode: handles and callbacks', () => {
  it('refuses a bare address where a typed handle goes, and accepts an adopted one', () => {
    const out = inCheckedChild(`
      ffikit.opaque('Counter');
      const c = lib.bind({ get: 'Counter *counter_get(void)', next: 'int counter_next(Counter *c)' });
      const h = c.get();
      return { bare: caught(() => c.next(h.address)), adopted: c.next(ffikit.handle('Counter', h.address)), typed: c.next(h) };`) as {
      bare: Caught;
      adopted: number;
      typed: number;
    };
    expect(out.bare).toMatchObject({ name: 'ArgumentError', code: 'ERR_FFIKIT_ARG' });
    expect(out.bare.message).toContain(
      "next(): argument 'c' expects a Counter handle or null (checked mode refuses bare addresses), got bigint",
    );
    expect(out.bare.message).toContain("ffikit.handle('Counter', address)");
    expect(out.adopted).toBe(42);
    expect(out.typed).toBe(43);
  });

  it('a callback C calls after dispose() is a CallbackError with where it was registered', () => {
    const out = inCheckedChild(`
      const Hook = ffikit.callbackType('void hook_fn(int value)');
      const h = lib.bind({ set: 'void set_hook(hook_fn hook)', fire: 'int fire_hook(int value)' });
      const seen = [];
      function registerTheHook() { return lib.register(Hook, (v) => seen.push(v)); }
      const cb = registerTheHook();
      h.set(cb);
      h.fire(1);
      cb.dispose();
      return { seen, late: caught(() => h.fire(2)), again: h.fire(3) };`) as { seen: number[]; late: Caught; again: number };
    expect(out.seen).toEqual([1]);
    expect(out.late).toMatchObject({ name: 'CallbackError', code: 'ERR_FFIKIT_CALLBACK' });
    expect(out.late.message).toContain('fire(): RegisteredCallback(hook_fn) was called by C after dispose() (checked mode)');
    expect(out.late.message).toMatch(/registered at:\n\s+at registerTheHook/);
    expect(out.again).toBe(1); // reported once; C keeps getting the neutral value
  });
});

describe('checked mode: options', () => {
  it.each([[{ guardBytes: 0 }], [{ guardBytes: 24 }], [{ guardBytes: 2 ** 21 }], ['yes'], [null]])(
    'refuses checked: %p with an ArgumentError',
    (checked) => {
      let error: unknown;
      try {
        ffikit.load(fx.edge, { checked: checked as never });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ffikit.ArgumentError);
      expect((error as Error).message).toMatch(/load\(\): argument 'options\.checked(\.guardBytes)?' expects/);
    },
  );
});
