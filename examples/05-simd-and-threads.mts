// Example: runtime-dispatched SIMD kernels (active ISA and speedup) and the thread-safety race vs the lock.
import * as ffikit from 'ffikit';

import { fixturePaths } from '../tests/fixtures/build.js';

using ref = ffikit.reference();
const initial = ref.simdLevel;
console.log(`active kernels: ${initial}; supported here: ${ref.supportedSimdLevels().join(', ')} (force one with FFIKIT_FORCE_ISA)`);

const n = 2048;
const a = Float32Array.from({ length: n }, (_, i) => i * 0.5);
const b = Float32Array.from({ length: n }, (_, i) => 1 - i);
const out = new Float32Array(n);
const timeIt = (isa: ffikit.SimdLevel): number => {
  ref.forceSimd(isa);
  for (let i = 0; i < 2000; i++) ref.simdAdd(a, b, out); // warm up
  const start = process.hrtime.bigint();
  for (let i = 0; i < 20000; i++) ref.simdAdd(a, b, out);
  return Number(process.hrtime.bigint() - start) / 20000;
};
const times = Object.fromEntries(ref.supportedSimdLevels().map((isa) => [isa, timeIt(isa)]));
ref.forceSimd(initial);
for (const [isa, ns] of Object.entries(times)) {
  console.log(
    `simd_add n=${n} ${isa.padEnd(6)} ${ns.toFixed(0).padStart(6)} ns/call  (${((times.scalar as number) / ns).toFixed(1)}x scalar)`,
  );
}
console.log(`dot = ${ref.simdDot(a, b)}, sum = ${ref.simdSum(a)} (accumulated in double)`);

// The seed's lost update: N threads increment a shared counter; without the lock some increments vanish.
const race = ffikit.load(fixturePaths().race);
const r = race.bind({
  race_unlocked: 'uint64_t race_unlocked(int threads, int iterations)',
  race_locked: 'uint64_t race_locked(int threads, int iterations)',
  hammer_reference: 'int hammer_reference(const char *library_path, int threads, int iterations, _Out_ uint64_t *calls)',
});
const threads = 4;
const iterations = 1000;
console.log(`without a lock: ${r.race_unlocked(threads, iterations)} of ${threads * iterations} increments survived`);
console.log(`with a mutex:   ${r.race_locked(threads, iterations)} of ${threads * iterations}`);
const calls: [number | bigint] = [0];
r.hammer_reference(ref.path, 8, 5000, calls);
console.log(`thread_safe_process from 8 native threads x 5000 calls: the singleton counted ${calls[0]} (expected ${8 * 5000})`);
race.close();
