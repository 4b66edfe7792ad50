// Array contracts in bind(): dtype / ndim / shape / order / writable / length / shared, auto-filled sizes, .async.
import { ArgumentError, ManagedArray, NDArray } from '../../ts/index';
import { bindOne, P1, P2, ref, useReferenceMemory } from '../helpers/reference-memory';

useReferenceMemory();
const asyncOf = (f: (...args: unknown[]) => unknown) => (f as unknown as { async: (...a: unknown[]) => Promise<unknown> }).async;

const m = {
  p1: bindOne(P1, { data: { dtype: 'float64', length: 'len' } }),
  p2: bindOne(P2, { data: { dtype: 'float64', ndim: 2, shape: ['rows', 'cols'], order: 'C', writable: true } }),
  shared: bindOne(P1, { data: { length: 'len', shared: true } }),
};

describe('length: filled when omitted, checked when given', () => {
  it('fills the length parameter when omitted or undefined', () => {
    const a = new Float64Array([1, 2, 3]);
    m.p1(a);
    m.p1(a, undefined);
    expect(Array.from(a)).toEqual([4, 8, 12]);
  });

  it('accepts a smaller count (number or bigint): C touches only that prefix', () => {
    const a = new Float64Array([1, 2, 3]);
    m.p1(a, 2);
    m.p1(a, 1n);
    m.p1(a, 0);
    expect(Array.from(a)).toEqual([4, 4, 3]);
  });

  it.each<[string, unknown]>([
    ['one past the end', 4],
    ['far past the end (bigint)', 2n ** 64n],
    ['negative', -1],
    ['fractional', 1.5],
    ['NaN', NaN],
    ['a string', '2'],
    ['null', null],
  ])('refuses a count that is %s, naming the count and the array, before C runs', (_what, count) => {
    const backing = new Float64Array([1, 2, 3, 99]);
    const a = backing.subarray(0, 3); // the sentinel right behind `a` must survive
    const err = (() => {
      try {
        m.p1(a, count);
      } catch (e) {
        return e as ArgumentError;
      }
      throw new Error('expected an ArgumentError');
    })();
    expect(err).toBeInstanceOf(ArgumentError);
    expect(err.message).toMatch(/^f\(\): argument 'len' expects an integer in \[0, 3\] \('data' has 3 elements\), got /);
    expect(Array.from(backing)).toEqual([1, 2, 3, 99]);
  });

  it('explains the overrun and how to avoid it', () => {
    expect(() => m.p1(new Float64Array(2), 5)).toThrow(
      "f(): argument 'len' expects an integer in [0, 2] ('data' has 2 elements), got number 5. C would go past the end of 'data'; omit it to pass the array's own size.",
    );
  });

  it('works with ManagedArrays and NDArrays (their own size)', () => {
    const managed = ManagedArray.from(new Float64Array([1, 2]));
    m.p1(managed);
    expect(() => m.p1(managed, 3)).toThrow(/\('data' has 2 elements\)/);
    expect(Array.from(managed.toTypedArray())).toEqual([2, 4]);
    managed.dispose();
    const nd = NDArray.from([1, 2, 3], 'float64');
    m.p1(nd);
    expect(Array.from(nd.data)).toEqual([2, 4, 6]);
  });

  it('null passes NULL with a length of 0 (and refuses a larger one)', () => {
    expect(m.p1(null)).toBeUndefined();
    expect(() => m.p1(null, 3)).toThrow(/\('data' has 0 elements\), got number 3/);
  });
});

describe('several arrays sharing one length (simd_add a, b, result)', () => {
  const a = () => new Float32Array([1, 2, 3]);
  const b = () => new Float32Array([10, 20, 30]);

  it('the first array fills it, the others only need to be large enough', () => {
    const out = new Float32Array(3);
    ref.fn.simd_add(a(), b(), out);
    expect(Array.from(out)).toEqual([11, 22, 33]);
    const longer = new Float32Array(4);
    ref.fn.simd_add(a(), new Float32Array([1, 1, 1, 1]), longer);
    expect(Array.from(longer)).toEqual([2, 3, 4, 0]);
  });

  it.each([
    ['b', () => [a(), new Float32Array(2), new Float32Array(3)]],
    ['result', () => [a(), b(), new Float32Array(2)]],
  ])("a shorter '%s' is refused by name, and nothing is written", (name, args) => {
    const [x, y, out] = args();
    expect(() => ref.fn.simd_add(x as Float32Array, y as Float32Array, out as Float32Array)).toThrow(
      `simd_add(): argument 'len' expects an integer in [0, 2] ('${name}' has 2 elements), got number 3.`,
    );
    expect(Array.from(out as Float32Array).every((v) => v === 0)).toBe(true);
  });

  it('an explicit length is checked against every array', () => {
    const out = new Float32Array(3);
    ref.fn.simd_add(a(), b(), out, 2);
    expect(Array.from(out)).toEqual([11, 22, 0]);
    expect(() => ref.fn.simd_add(a(), b(), out, 4)).toThrow(/argument 'len' expects an integer in \[0, 3\] \('a' has 3 elements\)/);
  });
});

describe('2-D arrays', () => {
  const matrix = () =>
    NDArray.from(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      'float64',
    );

  it('an NDArray fills rows and cols', () => {
    const mat = matrix();
    m.p2(mat);
    expect(mat.toArray()).toEqual([
      [1, 3, 5],
      [1004, 1006, 1008],
    ]);
  });

  it('{ data, shape } is accepted', () => {
    const data = new Float64Array(6);
    ref.fn.process_2d({ data, shape: [2, 3] } as never);
    expect(Array.from(data)).toEqual([0, 1, 2, 1000, 1001, 1002]);
  });

  it('given shape parameters must match exactly (numbers or bigints)', () => {
    m.p2(NDArray.zeros([2, 3], 'float64'), 2, 3);
    m.p2(NDArray.zeros([2, 3], 'float64'), 2n, 3n);
    m.p2(NDArray.zeros([2, 3], 'float64'), 2); // cols filled
    expect(() => m.p2(matrix(), 3)).toThrow("f(): argument 'rows' expects exactly 2 (axis 0 of 'data'), got number 3.");
    expect(() => m.p2(matrix(), 2, 2)).toThrow("f(): argument 'cols' expects exactly 3 (axis 1 of 'data'), got number 2.");
  });

  it.each<[string, () => unknown, RegExp]>([
    [
      'a transpose() view',
      () => matrix().transpose(),
      /got NDArray\(float64, \[3, 2\], strided\)\. It is not C-contiguous .*; pass arr\.copy\(\)\./,
    ],
    ['a flat typed array', () => new Float64Array(6), /got Float64Array\(6\)\. It has 1 dimension\./],
    ['a ManagedArray', () => ManagedArray.create('float64', 0), /got ManagedArray\(float64, 0\)\. It has 1 dimension\./],
    ['a 3-D array', () => NDArray.zeros([1, 2, 3], 'float64'), /It has 3 dimensions\./],
    ['a float32 matrix', () => NDArray.zeros([2, 3], 'float32'), /It holds float32\./],
    ['{ data } of the wrong dtype', () => ({ data: new Float32Array(6), shape: [2, 3] }), /got object\. Its data is Float32Array\(6\)\./],
    ['{ data } without a shape', () => ({ data: new Float64Array(6) }), /got object\.$/],
    [
      'a read-only NDArray (writable: true)',
      () => new NDArray(new Float64Array(6), [2, 3], { readonly: true }),
      /It is read-only, and C writes into this argument\./,
    ],
  ])('refuses %s', (_what, make, message) => {
    const expected = "f(): argument 'data' expects an NDArray of float64 with 2 dimensions (or { data, shape }), got ";
    expect(() => m.p2(make())).toThrow(expected);
    expect(() => m.p2(make())).toThrow(message);
  });

  // BUG (ts/array-contract.ts, normalize): `{ data, shape }` is turned into an NDArray without catching the
  // constructor's error, so a shape that does not fit the data is reported as "NDArray(): argument 'shape'
  // expects ..." instead of naming the function and its parameter ('process_2d(): argument 'data' ...').
  it.each([
    ['a shape larger than the data', { data: new Float64Array(5), shape: [2, 3] }],
    ['a shape that is not an array', { data: new Float64Array(6), shape: 6 }],
  ])('{ data, shape } with %s is refused naming the function and parameter', (_what, value) => {
    expect(() => ref.fn.process_2d(value as never)).toThrow(/^process_2d\(\): argument 'data' expects/);
  });

  it('fixed sizes in shape are checked; null accepts any size', () => {
    const fixed = bindOne(P2, { data: { shape: [2, 'cols'] } });
    fixed(NDArray.zeros([2, 4], 'float64'), 2);
    expect(() => fixed(NDArray.zeros([3, 4], 'float64'), 3)).toThrow(
      /got NDArray\(float64, \[3, 4\]\)\. Axis 0 has 3 elements, expected 2\./,
    );
    const anyRows = bindOne(P2, { data: { shape: [null, 'cols'] } });
    const nd = NDArray.zeros([4, 2], 'float64');
    anyRows(nd, 4);
    expect(nd.get(3, 1)).toBe(3001);
    const fixed1d = bindOne(P1, { data: { shape: [3], length: 'len' } });
    expect(() => fixed1d(new Float64Array(4))).toThrow(/with shape \[3\], got Float64Array\(4\)\. Axis 0 has 4 elements, expected 3\./);
  });

  it('honours an NDArray offset (C sees the window start)', () => {
    const data = new Float64Array(8);
    m.p2(new NDArray(data, [2, 3], { offset: 2 }));
    expect(Array.from(data)).toEqual([0, 0, 0, 1, 2, 1000, 1001, 1002]);
  });
});

describe('buffers', () => {
  it('honours subarray offsets: C sees the subarray start', () => {
    const backing = new Float64Array([1, 2, 3, 4, 5]);
    m.p1(backing.subarray(2, 4));
    expect(Array.from(backing)).toEqual([1, 2, 6, 8, 5]);
  });

  it.each<[string, () => Float64Array, RegExp]>([
    [
      'a detached buffer',
      () => {
        const a = new Float64Array(4);
        structuredClone(a.buffer, { transfer: [a.buffer] });
        return a;
      },
      /got Float64Array\(0\)\. Its buffer is detached \(transferred or closed\); pass a live array\./,
    ],
    [
      'a resizable buffer',
      () => new Float64Array(new ArrayBuffer(16, { maxByteLength: 32 })),
      /got Float64Array\(2\)\. Its buffer is resizable, so C could write past its end after a resize; copy it into a fixed-length buffer first\./,
    ],
    [
      'a SharedArrayBuffer (without shared: true)',
      () => new Float64Array(new SharedArrayBuffer(16)),
      /Its buffer is a SharedArrayBuffer, which other threads may change during the call; opt in with arrays: \{ data: \{ shared: true \} \} in bind\(\)\./,
    ],
  ])('refuses %s with a precise message', (_what, make, message) => {
    expect(() => m.p1(make())).toThrow(ArgumentError);
    expect(() => m.p1(make())).toThrow(message);
    expect(() => m.p1(make(), 0)).toThrow(message); // even when C would touch nothing
  });

  it('refuses an NDArray whose buffer was detached', () => {
    const data = new Float64Array(6);
    const nd = new NDArray(data, [2, 3]);
    structuredClone(data.buffer, { transfer: [data.buffer] });
    expect(() => m.p2(nd)).toThrow(/Its buffer is detached/);
  });

  it('accepts a SharedArrayBuffer with shared: true (but never a growable one)', () => {
    const sab = new Float64Array(new SharedArrayBuffer(16));
    sab[0] = 3;
    m.shared(sab);
    expect(Array.from(sab)).toEqual([6, 0]);
    const growable = new Float64Array(
      new (SharedArrayBuffer as unknown as new (n: number, o: object) => SharedArrayBuffer)(16, { maxByteLength: 32 }),
    );
    expect(() => m.shared(growable)).toThrow(/resizable/);
  });

  it('refuses other element types with a conversion hint', () => {
    expect(() => m.p1(new Float32Array(2))).toThrow(
      "f(): argument 'data' expects Float64Array (float64), a ManagedArray or NDArray of float64, got Float32Array(2). Convert with new Float64Array(x).",
    );
    expect(() => m.p1([1, 2])).toThrow(/got Array\(2\)\. Convert with Float64Array\.from\(x\)\./);
    expect(() => m.p1(ManagedArray.create('float32', 0))).toThrow(/It is a ManagedArray of float32\./);
  });

  it('void * with a dtype: checked like a typed pointer', () => {
    const f = bindOne('int32_t process_1d(void *data, size_t len)', { data: { dtype: 'float64', length: 'len' } });
    const a = new Float64Array([1, 2]);
    f(a);
    expect(Array.from(a)).toEqual([2, 4]);
    expect(() => f(new Uint8Array(16))).toThrow(/expects Float64Array \(float64\).*got Uint8Array\(16\)/);
  });

  it('writable: true refuses a read-only 1-D NDArray; without it read-only arrays pass', () => {
    const ro = () => new NDArray(new Float64Array([1, 2]), [2], { readonly: true });
    const writes = bindOne(P1, { data: { length: 'len', writable: true } });
    expect(() => writes(ro())).toThrow(/It is read-only, and C writes into this argument\./);
    expect(() => m.p1(ro())).not.toThrow();
  });
});

describe('.async honours the same contracts', () => {
  it('fills lengths and shapes', async () => {
    const a = new Float64Array([1, 2]);
    await asyncOf(m.p1)(a);
    const mat = NDArray.zeros([2, 2], 'float64');
    await asyncOf(m.p2)(mat);
    expect([Array.from(a), Array.from(mat.data)]).toEqual([
      [2, 4],
      [0, 1, 1000, 1001],
    ]);
  });

  it.each<[string, () => unknown[], RegExp]>([
    ['a count past the end', () => [new Float64Array(2), 3], /argument 'len' expects an integer in \[0, 2\]/],
    ['a wrong dtype', () => [new Float32Array(2)], /Convert with new Float64Array\(x\)/],
    ['too many arguments', () => [new Float64Array(2), 2, 2], /expected 2 arguments \(data, len\?\), got 3/],
    ['a SharedArrayBuffer', () => [new Float64Array(new SharedArrayBuffer(8))], /SharedArrayBuffer/],
    ['a resizable buffer', () => [new Float64Array(new ArrayBuffer(8, { maxByteLength: 16 }))], /resizable/],
  ])('rejects (never throws synchronously) for %s', async (_what, args, message) => {
    let promise: Promise<unknown> | undefined;
    expect(() => (promise = asyncOf(m.p1)(...args()))).not.toThrow();
    await expect(promise).rejects.toThrow(message);
  });

  it('rejects a transposed view and a mismatched shape parameter for 2-D', async () => {
    const mat = NDArray.zeros([2, 3], 'float64');
    await expect(asyncOf(m.p2)(mat.transpose())).rejects.toThrow(/not C-contiguous/);
    await expect(asyncOf(m.p2)(mat, 3)).rejects.toThrow(/argument 'rows' expects exactly 2/);
    await expect(ref.fn.simd_add.async(new Float32Array(3), new Float32Array(2), new Float32Array(3))).rejects.toThrow(
      /\('b' has 2 elements\)/,
    );
  });
});
