// Example: the reference library's ErrorCode returns become typed NativeErrors (the seed's DLLError, typed).
import * as ffikit from 'ffikit';

using ref = ffikit.reference();
console.log(`reference library: ${ref.path}`);
console.log(`ABI ${ref.abiVersion}, SIMD kernels: ${ref.simdLevel}`);

// One table, declared once; the same names the C header's X-macro table uses.
const Codes = ffikit.errorCodes({
  SUCCESS: 0,
  ERR_NULL_POINTER: [-1, 'Null pointer error'],
  ERR_INVALID_SIZE: [-2, 'Invalid size error'],
  ERR_OUT_OF_MEMORY: [-3, 'Out of memory error'],
  ERR_INVALID_ARGUMENT: [-4, 'Invalid argument'],
});

using lib = ffikit.load(ref.path);
const m = lib.bind({
  safe_operation: { fn: 'int safe_operation(double *arr, size_t len)', errcheck: Codes },
});

// Success returns void: the status was checked for us.
const values = new Float64Array([1, 4, 9, 16]);
m.safe_operation(values, values.length);
console.log(`safe_operation([1, 4, 9, 16]) -> [${values.join(', ')}]`);

// Failures throw NativeError with the status, its name and the function.
for (const [label, run] of [
  ['a negative element', () => m.safe_operation(new Float64Array([4, -1]), 2)],
  ['a NULL pointer', () => m.safe_operation(null, 3)],
  ['a zero length', () => m.safe_operation(new Float64Array(1), 0)],
] as const) {
  try {
    run();
  } catch (err) {
    if (!(err instanceof ffikit.NativeError)) throw err;
    console.log(`${label.padEnd(20)} -> ${err.code} status=${err.status} statusName=${err.statusName}\n${' '.repeat(24)}${err.message}`);
  }
}

// Wrong arguments never reach C: ArgumentError says what was expected and what was got.
try {
  m.safe_operation(new Float32Array(4) as unknown as Float64Array, 4);
} catch (err) {
  if (!(err instanceof ffikit.ArgumentError)) throw err;
  console.log(`wrong element type     -> ${err.code}: ${err.message}`);
}

// The typed class does the same with lengths filled in.
try {
  ref.safeOperation(new Float64Array([NaN]));
} catch (err) {
  console.log(`ref.safeOperation(NaN) -> ${(err as ffikit.NativeError).statusName}`);
}
