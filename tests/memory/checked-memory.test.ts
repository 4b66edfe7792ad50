// Checked mode's memory checks: red zones (overrun/underrun written by C), the quarantine (write after free),
// withView over a detached copy, and unchecked mode left as it was.
import * as ffikit from '../../ts/index';
import { gauges } from '../../ts/core/channels';
import { enableCheckedMemory } from '../../ts/core/checked';
import { QUARANTINE_BLOCKS, RED_ZONE } from '../../ts/memory/checked-memory';
import { childPool } from '../helpers/child-pool';

const run = childPool(2);
const checked = { env: { FFIKIT_CHECKED: '1' }, timeoutMs: 60000 };

/** Child prelude: libc's memset/malloc/free as the native writer, and a catcher that reports errors as JSON. */
const prelude = `
const ffikit = require('./ts/index');
const { checkRedZones } = require('./ts/memory/managed-array');
const c = ffikit.load('libc.so.6').bind({
  memset: 'void *memset(void *s, int c, size_t n)',
  malloc: 'void *malloc(size_t n)',
  free: 'void free(void *p)',
});
function caught(fn) {
  try { fn(); return null; } catch (e) {
    return { name: e.constructor.name, code: e.code, kind: e.kind, fn: e.fn, param: e.param, size: e.size, distance: e.distance, message: e.message };
  }
}
function cycles() {
  for (let i = 0; i < 1e4; i++) ffikit.ManagedArray.create('float64', 1 + (i % 64)).dispose();
  for (let i = 0; i < 1e4; i++) c.free(c.malloc(1 + (i % 4096)));
  return true;
}
`;

function lastJson(stdout: string): Record<string, unknown> {
  return JSON.parse(stdout.trim().split('\n').pop() ?? 'null') as Record<string, unknown>;
}

describe('red zones (child processes, FFIKIT_CHECKED=1)', () => {
  it('an overrun written by C is a MemoryCorruptionError naming fn, param, size and distance; the process goes on', async () => {
    const result = await run(
      `${prelude}
      const arr = ffikit.ManagedArray.create('float64', 16);
      // 5 bytes past the end: the call checks its ManagedArray arguments' zones when it is over.
      const first = caught(() => c.memset(arr, 0x41, 16 * 8 + 5));
      const again = caught(() => checkRedZones(arr, 'memset', 's'));   // the zone was restored: reported once
      const inside = arr.read(15);
      arr.dispose();
      console.log(JSON.stringify({ first, again, inside, byteLength: arr.byteLength, cycles: cycles() }));`,
      checked,
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const report = lastJson(result.stdout) as {
      first: Record<string, unknown>;
      again: unknown;
      inside: number;
      byteLength: number;
      cycles: boolean;
    };
    expect(report.first).toMatchObject({
      name: 'MemoryCorruptionError',
      code: 'ERR_FFIKIT_OVERRUN',
      kind: 'overrun',
      fn: 'memset',
      param: 's',
      size: 128,
      distance: 5,
    });
    expect(report.first['message']).toBe(
      "memset(): C wrote 5 bytes past the end of argument 's' (128 bytes) (checked mode). Pass a larger buffer, or fix the length the declaration gives C.",
    );
    expect(report.again).toBeNull();
    expect(report.inside).not.toBe(0); // the in-bounds part was written
    expect(report.byteLength).toBe(128); // zones are not part of the array
    expect(report.cycles).toBe(true);
  });

  it('an underrun written by C is reported with its distance before the start', async () => {
    const result = await run(
      `${prelude}
      const arr = ffikit.ManagedArray.create('int32', 10);
      c.memset(arr.pointer - 3n, 0x41, 3);        // 3 bytes before the first element
      const first = caught(() => checkRedZones(arr, 'memset', 's'));
      arr.dispose();
      console.log(JSON.stringify({ first, cycles: cycles() }));`,
      checked,
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(lastJson(result.stdout)).toEqual({
      first: expect.objectContaining({ kind: 'underrun', fn: 'memset', param: 's', size: 40, distance: 3 }) as unknown,
      cycles: true,
    });
  });

  it('dispose() checks the zones too, and still frees', async () => {
    const result = await run(
      `${prelude}
      const { gauges } = require('./ts/core/channels');
      const arr = ffikit.ManagedArray.create('uint8', 7);
      c.memset(arr.pointer, 0x41, 7 + ${RED_ZONE}); // the whole zone, through a bare address (no call-time check)
      const before = gauges.arrays();
      const error = caught(() => arr.dispose());
      const after = gauges.arrays();
      console.log(JSON.stringify({ error, disposed: arr.disposed, before, after, twice: caught(() => arr.dispose()), cycles: cycles() }));`,
      checked,
    );
    expect(result.status).toBe(0);
    const report = lastJson(result.stdout) as Record<string, Record<string, unknown>>;
    expect(report['error']).toMatchObject({ kind: 'overrun', fn: 'dispose', param: 'ManagedArray(uint8, 7)', size: 7, distance: RED_ZONE });
    expect(report['error']?.['message']).toMatch(/at least 64 bytes \(the whole guard zone; memory beyond it may be damaged too\)/);
    expect(report).toMatchObject({
      disposed: true,
      before: { live: 1, bytes: 7 },
      after: { live: 0, bytes: 0 },
      twice: null,
      cycles: true,
    });
  });

  it('checkRedZones is a no-op for anything but a checked default-allocator array', async () => {
    const result = await run(
      `${prelude}
      const ref = ffikit.reference();
      const lib = ffikit.load(ref.path);
      const m = lib.bind({ create_array: 'double *create_array(size_t len)', free_array: 'void free_array(double *arr)' });
      const fromLib = ffikit.ManagedArray.create('float64', 4, { alloc: m.create_array, free: m.free_array });
      const arena = ffikit.arena();
      const inArena = arena.array('float64', 4);
      const results = [fromLib, inArena, new Float64Array(4), 12n, null, undefined, {}].map((x) => caught(() => checkRedZones(x, 'f', 'p')));
      fromLib.dispose(); arena.dispose();
      console.log(JSON.stringify(results));`,
      checked,
    );
    expect(result.status).toBe(0);
    expect(lastJson(result.stdout)).toEqual([null, null, null, null, null, null, null]);
  });
});

describe('quarantine (child processes, FFIKIT_CHECKED=1)', () => {
  it('checkQuarantine() finds a write after free, naming the array, its creation site and the offset', async () => {
    const result = await run(
      `${prelude}
      function makeIt() { return ffikit.ManagedArray.create('float64', 8); }
      const arr = makeIt();
      const ptr = arr.pointer;
      arr.dispose();
      const clean = caught(() => ffikit.checkQuarantine());
      c.memset(ptr + 24n, 0x42, 4);                 // C kept the pointer
      const found = caught(() => ffikit.checkQuarantine());
      const again = caught(() => ffikit.checkQuarantine());
      console.log(JSON.stringify({ clean, found, again, cycles: cycles() }));`,
      checked,
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const report = lastJson(result.stdout) as Record<string, Record<string, unknown> | null>;
    expect(report['clean']).toBeNull();
    expect(report['found']).toMatchObject({
      code: 'ERR_FFIKIT_OVERRUN',
      kind: 'after-free',
      fn: 'quarantine',
      param: 'ManagedArray(float64, 8)',
      distance: 24,
    });
    expect(report['found']?.['message']).toMatch(
      /^ManagedArray\(float64, 8\) created at makeIt \(\[eval\]:\d+:\d+\) was written to after dispose\(\) \(first changed byte at offset 24\)/,
    );
    expect(report['again']).toBeNull();
  });

  it('a block leaving the quarantine is checked: the dispose() that evicts it throws, after freeing', async () => {
    const result = await run(
      `${prelude}
      const { gauges } = require('./ts/core/channels');
      const first = ffikit.ManagedArray.create('int16', 4);
      const ptr = first.pointer;
      first.dispose();
      c.memset(ptr, 0x01, 2);
      const errors = [];
      for (let i = 0; i < ${QUARANTINE_BLOCKS} + 5; i++) {
        const e = caught(() => ffikit.ManagedArray.create('uint8', 16).dispose());
        if (e) errors.push({ i, ...e });
      }
      console.log(JSON.stringify({ errors, gauges: gauges.arrays(), cycles: cycles() }));`,
      checked,
    );
    expect(result.status).toBe(0);
    const report = lastJson(result.stdout) as { errors: Array<Record<string, unknown>>; gauges: unknown; cycles: boolean };
    expect(report.errors).toHaveLength(1);
    expect(report.errors[0]).toMatchObject({ i: QUARANTINE_BLOCKS - 1, kind: 'after-free', param: 'ManagedArray(int16, 4)', distance: 0 });
    expect(report.gauges).toEqual({ live: 0, bytes: 0 });
    expect(report.cycles).toBe(true);
  });
});

describe('withView in checked mode (a copy, detached afterwards)', () => {
  beforeAll(() => enableCheckedMemory());

  it('data written inside the callback arrives; a view kept past it holds nothing and its methods throw', () => {
    const arr = ffikit.ManagedArray.create('float64', 4);
    let kept: Float64Array | undefined;
    arr.withView((view) => {
      view.set([1, 2, 3, 4]);
      kept = view;
    });
    expect(arr.toTypedArray()).toEqual(new Float64Array([1, 2, 3, 4]));
    const view = kept as Float64Array;
    expect(view.length).toBe(0);
    expect(view[0]).toBeUndefined();
    expect(() => view.fill(9)).toThrow(/detached/);
    expect(() => view.at(0)).toThrow(/detached/);
    expect(arr.read(0)).toBe(1); // nothing reached native memory through the kept view
    arr.dispose();
  });

  it('writes back when the callback throws', () => {
    const arr = ffikit.ManagedArray.create('int32', 2);
    expect(() =>
      arr.withView((view) => {
        view[1] = 7;
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(arr.read(1)).toBe(7);
    arr.dispose();
  });

  it('an async callback: written back and detached when its promise settles', async () => {
    const arr = ffikit.ManagedArray.create('uint8', 3);
    let kept: Uint8Array | undefined;
    const result = await arr.withView(async (view) => {
      kept = view;
      await new Promise((r) => setTimeout(r, 5));
      view[2] = 200;
      return 'done';
    });
    expect(result).toBe('done');
    expect(arr.read(2)).toBe(200);
    expect(() => (kept as Uint8Array).fill(1)).toThrow(/detached/);
    arr.dispose();
  });

  it('dispose() inside an async callback frees only once the promise settled', async () => {
    const arr = ffikit.ManagedArray.create('uint8', 5);
    const live = (): number => (gauges.arrays as () => { live: number })().live;
    const before = live();
    const pending = arr.withView(async (view) => {
      arr.dispose();
      await new Promise((r) => setTimeout(r, 5));
      view[0] = 1; // still the copy: nothing freed is touched
      return live();
    });
    expect(arr.disposed).toBe(true);
    expect(await pending).toBe(before);
    expect(live()).toBe(before - 1);
  });

  it('arena arrays get copies too', () => {
    using arena = ffikit.arena();
    const a = arena.array('float32', 2);
    let kept: Float32Array | undefined;
    a.withView((v) => {
      v[0] = 1.5;
      kept = v;
    });
    expect(a.read(0)).toBe(1.5);
    expect((kept as Float32Array).length).toBe(0);
  });

  it('ManagedArray.from still copies the source in', () => {
    const arr = ffikit.ManagedArray.from(new Int16Array([5, -6]));
    expect(arr.toTypedArray()).toEqual(new Int16Array([5, -6]));
    arr.dispose();
  });
});

describe('unchecked mode is unchanged (child process)', () => {
  it('no zones, zero-copy views, checkRedZones does nothing', async () => {
    const result = await run(
      `${prelude}
      const arr = ffikit.ManagedArray.create('float64', 16);
      c.memset(arr, 0x00, 16 * 8);
      let live;
      arr.withView((view) => { view[0] = 3; live = arr.read(0); });
      const noCheck = caught(() => checkRedZones(arr, 'memset', 's'));
      const pointerAligned = arr.pointer % 16n === 0n;
      console.log(JSON.stringify({ byteLength: arr.byteLength, live, noCheck, pointerAligned, disposed: caught(() => arr.dispose()) }));`,
      { env: { FFIKIT_CHECKED: '' } },
    );
    expect(result.status).toBe(0);
    expect(lastJson(result.stdout)).toEqual({ byteLength: 128, live: 3, noCheck: null, pointerAligned: true, disposed: null });
  });
});
