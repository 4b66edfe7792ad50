// Example: the seed's overlap proof — long native calls on a ThreadPoolExecutor overlap, and the event loop stays responsive.
import * as ffikit from 'ffikit';

const WORKERS = 2;
const CALLS = 4;
const LENGTH = 4_000_000; // long_running_operation: 64 passes, time proportional to the length

await using pool = new ffikit.ThreadPoolExecutor({
  library: { reference: true },
  bind: {
    long_running_operation: {
      fn: 'int32_t long_running_operation(float *data, size_t len)',
      errcheck: ffikit.ReferenceErrorCodes,
      arrays: { data: { length: 'len' } },
    },
  },
  workers: WORKERS,
});

// SharedArrayBuffer-backed arrays cross to the workers without a copy: C writes straight into them.
const inputs = Array.from({ length: CALLS }, () => new Float32Array(new SharedArrayBuffer(4 * LENGTH)).fill(5));
await pool.map(
  'long_running_operation',
  inputs.slice(0, WORKERS).map((a) => [a.subarray(0, 1000)]),
); // workers loaded and warm

const ms = (start: number): number => performance.now() - start;

// One call on its own, for reference (the median of three: timings on a busy machine are noisy).
const singles: number[] = [];
for (let i = 0; i < 3; i++) {
  const start = performance.now();
  await pool.call('long_running_operation', [inputs[0] as Float32Array]);
  singles.push(ms(start));
}
const one = singles.sort((a, b) => a - b)[1] as number;
(inputs[0] as Float32Array).fill(5);

/**
 * Measures event-loop lag the simple way: a 5 ms interval timer records the largest gap between two
 * of its runs beyond those 5 ms. Returns a function that stops it and reports the lag in ms.
 */
function lagProbe(): () => { maxLag: number; ticks: number } {
  let last = performance.now();
  let maxLag = 0;
  let ticks = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxLag = Math.max(maxLag, now - last - 5);
    last = now;
    ticks++;
  }, 5);
  return () => {
    clearInterval(timer);
    return { maxLag: Math.max(maxLag, performance.now() - last - 5), ticks };
  };
}

// All calls at once, while the probe checks that the event loop keeps running.
let stopProbe = lagProbe();
const start = performance.now();
await Promise.all(inputs.map((data) => pool.call('long_running_operation', [data])));
const wall = ms(start);
const during = stopProbe();

console.log(`one call:                     ${one.toFixed(0)} ms`);
console.log(
  `${CALLS} calls on ${WORKERS} workers:        ${wall.toFixed(0)} ms  (sequential would be ~${(CALLS * one).toFixed(0)} ms; ~${((CALLS / WORKERS) * one).toFixed(0)} ms expected if the calls overlap)`,
);
console.log(`speedup over sequential:      ${((CALLS * one) / wall).toFixed(2)}x with ${WORKERS} workers`);
console.log(`event loop meanwhile:         max lag ${during.maxLag.toFixed(1)} ms; a 5 ms timer ran ${during.ticks} times`);
console.log(`every element converged to 2: ${inputs.every((a) => a[0] === 2 && a[LENGTH - 1] === 2)}`);

// The same call made synchronously on the main thread blocks the event loop for its whole duration.
using ref = ffikit.reference();
const data = new Float32Array(LENGTH).fill(5);
stopProbe = lagProbe();
await new Promise((resolve) => setTimeout(resolve, 20));
ref.longRunningOperation(data);
await new Promise((resolve) => setTimeout(resolve, 20));
console.log(`for contrast, one sync call on the main thread: max event-loop lag ${stopProbe().maxLag.toFixed(0)} ms`);
