// Example: the seed's progress callback, the cheaper polled counter with a real progress bar, and a foreign-thread event source.
import cliProgress from 'cli-progress';
import * as ffikit from 'ffikit';

using ref = ffikit.reference();

// 1. A transient callback per item (the seed's process_with_callback): fine for a few calls.
const small = new Float64Array(5).fill(1);
ref.processWithCallback(small, (current, total) => console.log(`  callback: ${current}/${total}`));

// An exception inside never unwinds through C: the call completes, then CallbackError is thrown.
try {
  ref.processWithCallback(small, () => {
    throw new Error('stop here');
  });
} catch (err) {
  console.log(`exception in the callback -> ${(err as ffikit.CallbackError).code}: cause "${((err as Error).cause as Error).message}"`);
}

// 2. For high-frequency progress, native code stores a counter that JS polls: one plain store per
// item instead of a trip to JS per item (see npm run bench: ~200x cheaper for 1e6 items).
const big = new Float64Array(30_000_000).fill(1);
const bar = new cliProgress.SingleBar(
  { format: '  polled progress |{bar}| {percentage}% {value}/{total}', noTTYOutput: true, notTTYSchedule: 250 },
  cliProgress.Presets.shades_classic,
);
bar.start(big.length, 0);
const started = performance.now();
await ref.processWithProgress(big, (done) => bar.update(done), { intervalMs: 20 });
bar.stop();
console.log(`processed ${big.length.toLocaleString()} items off the main thread in ${(performance.now() - started).toFixed(0)} ms`);

// 3. A native thread calling back: queued to the main thread; errors go to onError; stop() joins the
// thread off the main thread, then unregisters the callback (the shutdown protocol).
let ticks = 0;
const source = ref.startEvents(() => void ticks++, { intervalUs: 500, onError: (err) => console.error(err.message) });
await new Promise((resolve) => setTimeout(resolve, 100));
await source.stop();
console.log(
  `event source: ${ticks} events from a native thread in ~100 ms, stopped and joined; callbacks registered now: ${ffikit.registeredCallbackCount()}`,
);
