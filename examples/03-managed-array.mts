// Example: the seed's ManagedArray — library-allocated memory with one owner, freed by `using` or dispose().
import * as ffikit from 'ffikit';

using ref = ffikit.reference();
using lib = ffikit.load(ref.path);
const m = lib.bind({
  create_array: { fn: 'double *create_array(size_t len)', errcheck: 'null-is-failure' },
  free_array: 'void free_array(double *arr)',
  process_1d: {
    fn: 'int process_1d(double *data, size_t len)',
    errcheck: ffikit.ReferenceErrorCodes,
    arrays: { data: { dtype: 'float64', length: 'len' } }, // len is filled from the array
  },
});

console.log(`live allocations before: ${ref.liveAllocations()}`);
{
  // `using` frees the array at the end of this block, like Python's `with ManagedArray(...)`.
  using arr = ffikit.ManagedArray.create('float64', 8, { alloc: m.create_array, free: m.free_array });
  for (let i = 0; i < arr.length; i++) arr.write(i, i + 1);
  m.process_1d(arr); // passes the native pointer: zero-copy
  console.log(`after process_1d: [${arr.toTypedArray().join(', ')}]  (live allocations: ${ref.liveAllocations()})`);

  // A zero-copy view exists only inside withView(); never keep it afterwards.
  const sum = arr.withView((view) => view.reduce((s, x) => s + x, 0));
  console.log(`sum through a scoped view: ${sum}`);

  // Asking C for more than the array holds is refused before the call.
  try {
    m.process_1d(arr, 9);
  } catch (err) {
    console.log(`process_1d(arr, 9) -> ${(err as ffikit.FfikitError).code}: ${(err as Error).message}`);
  }
}
console.log(`live allocations after the block: ${ref.liveAllocations()}`);

// Disposing while an async call uses the array waits for the call: no use-after-free.
const big = ffikit.ManagedArray.create('float64', 1_000_000, { alloc: m.create_array, free: m.free_array });
const pending = m.process_1d.async(big);
big.dispose();
console.log(`disposed during an async call: disposed=${big.disposed}, live allocations=${ref.liveAllocations()} (freed when it settles)`);
await pending;
console.log(`after the call settled: live allocations=${ref.liveAllocations()}`);

try {
  big.read(0);
} catch (err) {
  console.log(`read after dispose -> ${(err as ffikit.DisposedError).code}: ${(err as Error).message}`);
}

// Memory from ffikit's own allocator works the same way.
using scratch = ffikit.ManagedArray.from(new Float64Array([1.5, 2.5]));
m.process_1d(scratch);
console.log(`ManagedArray.from([1.5, 2.5]) after process_1d: [${scratch.toTypedArray().join(', ')}]`);
