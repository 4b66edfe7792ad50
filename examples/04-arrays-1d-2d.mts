// Example: NumPy-style 1-D and 2-D arrays passed directly, with declared contracts (the seed's ndpointer).
import * as ffikit from 'ffikit';

using ref = ffikit.reference();
using lib = ffikit.load(ref.path);
const Codes = ffikit.ReferenceErrorCodes;
const m = lib.bind({
  // ndpointer(dtype=np.float64, ndim=1, flags='C_CONTIGUOUS'), and len filled from the array
  process_1d: { fn: 'int process_1d(double *data, size_t len)', errcheck: Codes, arrays: { data: { dtype: 'float64', length: 'len' } } },
  // ndim=2, C order: rows and cols come from the array's shape
  process_2d: {
    fn: 'int process_2d(double *data, size_t rows, size_t cols)',
    errcheck: Codes,
    arrays: { data: { dtype: 'float64', ndim: 2, shape: ['rows', 'cols'], order: 'C', writable: true } },
  },
});

// 1-D: a Float64Array is passed zero-copy; a subarray is passed at its offset.
const arr = new Float64Array([1, 2, 3, 4]);
m.process_1d(arr.subarray(2));
console.log(`process_1d(arr.subarray(2)) -> [${arr.join(', ')}]`);

// 2-D: element (r, c) gets r*1000 + c added.
const mat = ffikit.NDArray.from(
  [
    [1, 2, 3],
    [4, 5, 6],
  ],
  'float64',
);
m.process_2d(mat);
console.log(`process_2d(2x3) -> ${JSON.stringify(mat.toArray())}  shape=[${mat.shape}] strides=[${mat.strides}]`);

// A transposed view is not C-contiguous: refused, with what to do about it.
const t = mat.transpose();
console.log(`transpose(): shape=[${t.shape}] strides=[${t.strides}] C-contiguous=${t.isCContiguous}`);
for (const [label, run] of [
  ['process_2d(mat.transpose())', () => m.process_2d(t)],
  ['process_2d(mat, 3, 2)', () => m.process_2d(mat, 3, 2)],
  ['process_1d(Float32Array)', () => m.process_1d(new Float32Array(4) as unknown as Float64Array)],
] as const) {
  try {
    run();
  } catch (err) {
    console.log(`${label} -> ${(err as ffikit.FfikitError).code}: ${(err as Error).message}`);
  }
}
m.process_2d(t.copy());
console.log('process_2d(mat.transpose().copy()) -> ok (a C-contiguous copy)');
