// Example: runtime-dispatched SIMD kernels (active ISA and speedup) and the thread-safety race vs the lock.
import * as ffikit from 'ffikit';

import { exampleLibrary } from './native/build.js';

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
// examples/native/lost-update.c races on purpose, so it is built for the examples, not shipped.
using race = ffikit.load(exampleLibrary('lost-update'));
const counter = race.bind({
  count_unlocked: 'uint64_t count_unlocked(int threads, int iterations)',
  count_locked: 'uint64_t count_locked(int threads, int iterations)',
});
const threads = 4;
const iterations = 1000;
console.log(`without a lock: ${counter.count_unlocked(threads, iterations)} of ${threads * iterations} increments survived`);
console.log(`with a mutex:   ${counter.count_locked(threads, iterations)} of ${threads * iterations}`);

// The reference library guards its Processor with a mutex: 4 pool threads calling it at once lose nothing.
// The workers load the same file as `ref`, so they share its Processor.
await using pool = new ffikit.ThreadPoolExecutor({
  library: { reference: true },
  bind: {
    thread_safe_process: {
      fn: 'int32_t thread_safe_process(const double *data, size_t len)',
      errcheck: ffikit.ReferenceErrorCodes,
      arrays: { data: { length: 'len' } },
    },
  },
  workers: threads,
});
ref.processorReset();
const calls = 500;
const data = new Float64Array([1, 2, 3, 4]);
await Promise.all(
  Array.from({ length: threads }, async () => {
    for (let i = 0; i < calls; i++) await pool.call('thread_safe_process', [data]);
  }),
);
const stats = ref.processorStats();
console.log(
  `thread_safe_process from ${threads} threads x ${calls} calls: the Processor counted ${stats.calls} (expected ${threads * calls}), total ${stats.total}`,
);
