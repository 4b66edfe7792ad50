// Arrays of structs through `T *`: copied arrays of objects, zero-copy StructArrays, length contracts, libc poll().
import * as ffikit from '../../ts/index';
import { fixturePaths } from '../fixtures/build';
import { runChild } from '../helpers/child';

ffikit.struct('Item', { id: 'int32_t', weight: 'double' });
ffikit.struct('Vec2', { x: 'double', y: 'double' });
ffikit.struct('Body', { pos: 'Vec2', tag: 'int32_t' });

type Item = { id: number; weight: number };

const lib = ffikit.load(fixturePaths().structArrays);
const m = lib.bind({
  sum: 'double sum_items(const Item *items, size_t n)',
  sumAuto: { fn: 'double sum_items(const Item *items, size_t n)', arrays: { items: { length: 'n' } } },
  sumMin: { fn: 'double sum_items(const Item *items, size_t n)', arrays: { items: { minLength: 'n' } } },
  scale: 'void scale_items(_Inout_ Item *items, size_t n, double k)',
  scaleAuto: { fn: 'void scale_items(_Inout_ Item *items, size_t n, double k)', arrays: { items: { length: 'n' } } },
  fill: { fn: 'void fill_items(_Out_ Item *items, size_t n)', arrays: { items: { length: 'n' } } },
  sumTagged: { fn: 'double sum_tagged(const Body *bodies, int32_t n, int32_t tag)', arrays: { bodies: { length: 'n' } } },
  address: 'uintptr_t address_of(const Item *items)',
  needsItems: { fn: 'double sum_items(_Nonnull const Item *items, size_t n)', arrays: { items: { length: 'n' } } },
});

afterAll(() => lib.close());

function caught(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected an error');
}

const items = (): Item[] => [
  { id: 1, weight: 0.5 },
  { id: 2, weight: 1.5 },
  { id: 3, weight: 2.5 },
];

describe('arrays of objects (copied)', () => {
  it('a T * takes an array of objects, and still one object', () => {
    expect(m.sum(items(), 3)).toBe(1 + 0.5 + 2 + 1.5 + 3 + 2.5);
    expect(m.sum({ id: 4, weight: 0.25 }, 1)).toBe(4.25);
    expect(m.sum(null, 0)).toBe(0);
  });

  it('_Inout_ arrays are written back into the objects', () => {
    const xs = items();
    m.scale(xs, 3, 2);
    expect(xs).toEqual([
      { id: 2, weight: 1 },
      { id: 3, weight: 3 },
      { id: 4, weight: 5 },
    ]);
  });

  it('_Out_ arrays take empty objects that C fills', () => {
    const out = [{}, {}, {}, {}];
    m.fill(out);
    expect(out).toEqual([
      { id: 0, weight: 0 },
      { id: 1, weight: 0.5 },
      { id: 2, weight: 1 },
      { id: 3, weight: 1.5 },
    ]);
    const e = caught(() => m.fill([{}, 5]));
    expect(e).toBeInstanceOf(ffikit.ArgumentError);
    expect(e.message).toBe("fill(): argument 'items[1]' expects an object (struct Item) for C to fill, got number 5.");
  });

  it('nested struct members are checked per element', () => {
    const bodies = [
      { pos: { x: 1, y: 2 }, tag: 7 },
      { pos: { x: 10, y: 20 }, tag: 8 },
      { pos: { x: 100, y: 200 }, tag: 7 },
    ];
    expect(m.sumTagged(bodies, undefined, 7)).toBe(303);
    const e = caught(() => m.sumTagged([bodies[0], { pos: { x: 1 }, tag: 7 }], undefined, 7));
    expect(e.message).toBe(
      "sumTagged(): argument 'bodies[1].pos' expects an object with every member of struct Vec2 (x, y), got object. Member 'y' is missing.",
    );
  });

  it('an element with a missing member is an ArgumentError naming the index and the member', () => {
    const e = caught(() => m.sum([{ id: 1, weight: 1 }, { id: 2, weight: 2 }, { id: 3 }], 3));
    expect(e).toBeInstanceOf(ffikit.ArgumentError);
    expect(e.code).toBe('ERR_FFIKIT_ARG');
    expect(e.message).toBe(
      "sum(): argument 'items[2]' expects an object with every member of struct Item (id, weight), got object. Member 'weight' is missing.",
    );
  });

  it('elements that are not objects are refused with their index', () => {
    for (const bad of [null, 3, 'x', [1, 2], new Float64Array(2)]) {
      const e = caught(() => m.sum([{ id: 1, weight: 1 }, bad], 2));
      expect(e).toBeInstanceOf(ffikit.ArgumentError);
      expect(e.message).toMatch(/^sum\(\): argument 'items\[1\]' expects an object with every member of struct Item, got /);
    }
  });

  it('values that are no struct container are refused', () => {
    for (const bad of [3, 'x', new Float64Array(4), true]) {
      const e = caught(() => m.sum(bad, 1));
      expect(e).toBeInstanceOf(ffikit.ArgumentError);
      expect(e.message).toMatch(/^sum\(\): argument 'items' expects an object or array of objects with the members of struct Item/);
    }
  });
});

describe('length contracts on struct pointers', () => {
  it('length is auto-filled from the array, checked when given', () => {
    expect(m.sumAuto(items())).toBe(10.5);
    expect(m.sumAuto(items(), 2)).toBe(5);
    const e = caught(() => m.sumAuto(items(), 4));
    expect(e).toBeInstanceOf(ffikit.ArgumentError);
    expect(e.message).toBe(
      "sumAuto(): argument 'n' expects an integer in [0, 3] ('items' has 3 elements), got number 4. C would go past the end of 'items'; omit it to pass the array's own size.",
    );
    expect(m.sumAuto({ id: 1, weight: 1 })).toBe(2);
    expect(m.sumAuto(null)).toBe(0);
  });

  it('works with _Inout_ arrays and StructArrays', () => {
    const xs = items();
    m.scaleAuto(xs, undefined, 10);
    expect(xs.map((x) => x.weight)).toEqual([5, 15, 25]);
    using arr = ffikit.StructArray.from<Item>('Item', items());
    m.scaleAuto(arr, undefined, 2);
    expect(arr.toArray()).toEqual([
      { id: 2, weight: 1 },
      { id: 3, weight: 3 },
      { id: 4, weight: 5 },
    ]);
  });

  it('minLength applies to struct arrays', () => {
    expect(m.sumMin(items(), 3)).toBe(10.5);
    const e = caught(() => m.sumMin(items(), 5));
    expect(e).toBeInstanceOf(ffikit.ArgumentError);
    expect(e.message).toBe(
      "sumMin(): argument 'items' expects at least 5 elements ('n' is 5), got 3. C would write or read past its end; pass a larger array.",
    );
  });

  it('a bare address cannot be checked against a length', () => {
    const e = caught(() => m.sumAuto(1234n));
    expect(e.message).toBe(
      "sumAuto(): argument 'items' expects an array of objects with the members of struct Item, a StructArray(Item) or one object, got bigint 1234n. A bare address has no length to check; wrap the memory in a StructArray.",
    );
  });

  it('_Nonnull struct arrays refuse null', () => {
    expect(caught(() => m.needsItems(null)).message).toBe("needsItems(): argument 'items' must not be null (declared _Nonnull).");
  });

  it('only length and minLength apply to struct pointers', () => {
    expect(() => lib.bind({ f: { fn: 'double sum_items(const Item *items, size_t n)', arrays: { items: { dtype: 'float64' } } } })).toThrow(
      "'arrays.items' is a struct Item pointer: only length and minLength apply (not dtype).",
    );
    expect(() => lib.bind({ f: { fn: 'double sum_items(const Item *items, size_t n)', arrays: { items: { length: 'k' } } } })).toThrow(
      /names 'k', which is not an integer parameter/,
    );
  });
});

describe('StructArray (zero-copy)', () => {
  it('passes its own memory: C reads and writes it in place', () => {
    using arr = ffikit.StructArray.create<Item>('Item', 3);
    expect(arr.length).toBe(3);
    expect(arr.byteLength).toBe(3 * ffikit.sizeof('Item'));
    expect(arr.get(1)).toEqual({ id: 0, weight: 0 });
    items().forEach((x, i) => arr.set(i, x));
    expect(BigInt(m.address(arr) as number | bigint)).toBe(arr.pointer);
    expect(m.sum(arr, 3)).toBe(10.5);
    m.scale(arr, 3, 2);
    expect(arr.get(2)).toEqual({ id: 4, weight: 5 });
    m.fill(arr);
    expect(arr.toArray()).toEqual([
      { id: 0, weight: 0 },
      { id: 1, weight: 0.5 },
      { id: 2, weight: 1 },
    ]);
  });

  it('takes a CType as well as a name, and nested structs', () => {
    const Body = ffikit.struct('Body', { pos: 'Vec2', tag: 'int32_t' });
    using bodies = ffikit.StructArray.from(Body, [
      { pos: { x: 1, y: 1 }, tag: 1 },
      { pos: { x: 2, y: 2 }, tag: 2 },
    ]);
    expect(bodies.type).toBe(Body);
    expect(m.sumTagged(bodies, undefined, 2)).toBe(4);
  });

  it('a StructArray of another struct type is refused', () => {
    using vecs = ffikit.StructArray.create('Vec2', 3);
    const e = caught(() => m.sum(vecs, 3));
    expect(e).toBeInstanceOf(ffikit.ArgumentError);
    expect(e.message).toMatch(/^sum\(\): argument 'items' expects .*StructArray\(Item\).* It is a StructArray of Vec2\.$/);
  });

  it('dispose is idempotent; any later use is a DisposedError', () => {
    const arr = ffikit.StructArray.create<Item>('Item', 2);
    arr.dispose();
    arr.dispose();
    expect(arr.disposed).toBe(true);
    const e = caught(() => m.sum(arr, 2));
    expect(e).toBeInstanceOf(ffikit.DisposedError);
    expect(e.message).toBe("sum(): argument 'items' is a disposed StructArray(Item, 2); its memory is gone.");
    expect(caught(() => arr.get(0)).message).toBe('StructArray(Item, 2).get: the struct array was disposed; its memory is gone.');
    expect(() => arr.pointer).toThrow(ffikit.DisposedError);
    expect(() => arr.set(0, { id: 1, weight: 1 })).toThrow(ffikit.DisposedError);
    expect(() => arr.toArray()).toThrow(ffikit.DisposedError);
  });

  it('an async call pins it: dispose during the call defers the free', async () => {
    const arr = ffikit.StructArray.from<Item>('Item', items());
    const pending = m.sum.async(arr, 3);
    arr.dispose();
    await expect(pending).resolves.toBe(10.5);
  });

  it('an empty StructArray passes as NULL with length 0', () => {
    using empty = ffikit.StructArray.create('Item', 0);
    expect(m.sumAuto(empty)).toBe(0);
    expect(empty.toArray()).toEqual([]);
  });

  it('bad types, lengths, indexes and elements are ArgumentErrors', () => {
    expect(caught(() => ffikit.StructArray.create('Nope', 1)).message).toBe(
      "StructArray.create(): argument 'type' expects a struct type declared with ffikit.struct() (or its name, e.g. 'pollfd'), got string (4 chars).",
    );
    expect(() => ffikit.StructArray.create('int', 1)).toThrow(ffikit.ArgumentError);
    expect(() => ffikit.StructArray.create('Item', -1)).toThrow(ffikit.ArgumentError);
    expect(() => ffikit.StructArray.create('Item', 1.5)).toThrow(ffikit.ArgumentError);
    using arr = ffikit.StructArray.create<Item>('Item', 2);
    expect(caught(() => arr.get(2)).message).toBe("StructArray.get(): argument 'index' expects an integer in [0, 1], got number 2.");
    expect(caught(() => arr.set(0, { id: 1 } as Item)).message).toBe(
      "StructArray.set(): argument 'value' expects an object with every member of struct Item (id, weight), got object. Member 'weight' is missing.",
    );
    expect(caught(() => ffikit.StructArray.from('Item', [{ id: 1, weight: 2 }, { weight: 2 }])).message).toMatch(
      /^StructArray.from\(\): argument 'objects\[1\]' expects .* Member 'id' is missing\.$/,
    );
    expect(ffikit.isStructArray(arr)).toBe(true);
    expect(ffikit.isStructArray({})).toBe(false);
  });
});

describe('libc poll() on a pipe (real file descriptors)', () => {
  const POLLIN = 0x001;
  ffikit.struct('pollfd', { fd: 'int', events: 'short', revents: 'short' });
  ffikit.alias('nfds_t', 'unsigned long');
  const libc = ffikit.load('libc.so.6');
  const c = libc.bind({
    pipe: 'int pipe(_Out_ int32_t *fds)',
    write: 'ssize_t write(int fd, const void *buf, size_t n)',
    close: 'int close(int fd)',
    poll: { fn: 'int poll(_Inout_ struct pollfd *fds, nfds_t nfds, int timeout)', arrays: { fds: { length: 'nfds' } } },
  });
  afterAll(() => libc.close());

  it('nfds is filled from the array; revents come back (copied and zero-copy)', () => {
    const a = new Int32Array(2);
    const b = new Int32Array(2);
    expect(c.pipe(a)).toBe(0);
    expect(c.pipe(b)).toBe(0);
    try {
      expect(c.write(a[1] as number, Buffer.from('x'), 1)).toBe(1);
      const fds = [
        { fd: a[0], events: POLLIN, revents: 0 },
        { fd: b[0], events: POLLIN, revents: 0 },
      ];
      expect(c.poll(fds, undefined, 0)).toBe(1);
      expect(fds.map((f) => f.revents & POLLIN)).toEqual([POLLIN, 0]);

      using native = ffikit.StructArray.from('pollfd', fds);
      expect(c.write(b[1] as number, Buffer.from('y'), 1)).toBe(1);
      expect(c.poll(native, undefined, 0)).toBe(2);
      expect(native.toArray().map((f) => (f.revents as number) & POLLIN)).toEqual([POLLIN, POLLIN]);

      const e = caught(() => c.poll([fds[0], fds[1], { fd: a[0], revents: 0 }], undefined, 0));
      expect(e).toBeInstanceOf(ffikit.ArgumentError);
      expect(e.message).toBe(
        "poll(): argument 'fds[2]' expects an object with every member of struct pollfd (fd, events, revents), got object. Member 'events' is missing.",
      );
    } finally {
      for (const fd of [...a, ...b]) c.close(fd);
    }
  });
});

describe('StructArray GC backstop (child process)', () => {
  it('a forgotten StructArray is freed by GC with one warning naming where it was created', () => {
    const result = runChild(
      `
      const ffikit = require('./ts/index');
      ffikit.struct('Item', { id: 'int32_t', weight: 'double' });
      const warnings = [];
      process.on('warning', (w) => { if (w.code === 'FFIKIT_UNDISPOSED') warnings.push(w.message); });
      function forgetSome() { for (let i = 0; i < 10; i++) ffikit.StructArray.create('Item', 4); }
      forgetSome();
      (async () => {
        for (let i = 0; i < 20 && warnings.length === 0; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 10)); }
        console.log(JSON.stringify(warnings));
      })();`,
      { nodeArgs: ['--expose-gc'], env: { FFIKIT_TRACE_SITES: '1' } },
    );
    expect(result.status).toBe(0);
    const warnings = JSON.parse(result.stdout.trim().split('\n').pop() ?? '[]') as string[];
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/ created at forgetSome \(\[eval\]:\d+:\d+\) was never disposed; the garbage collector freed it\./);
  });
});
