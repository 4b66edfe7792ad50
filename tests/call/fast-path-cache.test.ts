// The inline fast path remembers typed arrays found usable; what it remembers must never let an unusable
// array through: a detached one, one over a resizable buffer, or one over a SharedArrayBuffer.
import * as ffikit from '../../ts/index';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const fx = require('../fixtures/build').fixturePaths() as Record<'edge', string>;

let lib: ffikit.Library;
let sum: (p: Int32Array, n: number) => number;
let sumContract: (p: Int32Array) => number;

beforeAll(() => {
  lib = ffikit.load(fx.edge);
  const m = lib.bind({
    sum: 'int64_t sum_i32(const int32_t *p, size_t n)',
    sumContract: { fn: 'int64_t sum_i32(const int32_t *p, size_t n)', arrays: { p: { dtype: 'int32', length: 'n' } } },
  });
  sum = m.sum as never;
  sumContract = m.sumContract as never;
});
afterAll(() => lib.close());

describe.each([
  ['plain parameter', (a: Int32Array) => sum(a, a.length)],
  ['array contract', (a: Int32Array) => sumContract(a)],
])('%s', (_name, call) => {
  it('refuses an array after its buffer was detached, though it passed before', () => {
    const a = new Int32Array([1, 2, 3]);
    expect(call(a)).toBe(6);
    expect(call(a)).toBe(6);
    structuredClone(a.buffer, { transfer: [a.buffer] });
    expect(() => call(a)).toThrow(/detached|expects/);
  });

  it('refuses arrays over resizable buffers and SharedArrayBuffers, every time', () => {
    const ok = new Int32Array([4, 5]);
    expect(call(ok)).toBe(9);
    const ResizableBuffer = ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => ArrayBuffer;
    const resizable = new Int32Array(new ResizableBuffer(8, { maxByteLength: 64 }));
    const shared = new Int32Array(new SharedArrayBuffer(8));
    for (let i = 0; i < 3; i++) {
      expect(() => call(resizable)).toThrow(ffikit.ArgumentError);
      expect(() => call(shared)).toThrow(/SharedArrayBuffer/);
    }
  });
});
