// Example: batching — 10,000 small arrays in one process_batch call (packRagged) vs one native call per array.
import * as ffikit from 'ffikit';

const ITEMS = 10_000;
const LENGTH = 100;

using ref = ffikit.reference();
const items = Array.from({ length: ITEMS }, (_, i) => Float32Array.from({ length: LENGTH }, (_, j) => ((i * 31 + j) % 17) * 0.5));

function time<T>(fn: () => T, rounds = 7): { ms: number; value: T } {
  let best = Infinity;
  let value!: T;
  for (let r = 0; r < rounds; r++) {
    const start = performance.now();
    value = fn();
    best = Math.min(best, performance.now() - start);
  }
  return { ms: best, value };
}

// One native call per item (the sum of each array, accumulated in double).
const separate = time(() => items.map((item) => ref.simdSum(item)));

// One call for all items: pack once (data + size_t offsets/lengths), then process_batch.
const packing = time(() => ffikit.packRagged(items, 'float32'));
const packed = packing.value;
const results = new Float32Array(packed.count);
const batch = time(() => ref.fn.process_batch(packed.data, packed.offsets, packed.lengths, packed.count, results));

const same = separate.value.every((sum, i) => Math.fround(sum) === results[i]);
console.log(`${ITEMS} arrays of ${LENGTH} floats (best of 7 rounds):`);
console.log(`  one call per array:         ${separate.ms.toFixed(2)} ms`);
console.log(`  packRagged:                 ${packing.ms.toFixed(2)} ms`);
console.log(`  one process_batch call:     ${batch.ms.toFixed(2)} ms`);
console.log(`  speedup, call only:         ${(separate.ms / batch.ms).toFixed(1)}x`);
console.log(`  speedup, packing included:  ${(separate.ms / (packing.ms + batch.ms)).toFixed(1)}x`);
console.log(`  same results: ${same}`);
