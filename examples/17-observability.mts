// Example: observability — the ffikit:call tracing channel and enableStats()/stats() after a workload
// of sync, .async and failing calls.
import * as dc from 'node:diagnostics_channel';

import * as ffikit from 'ffikit';

// Anything can subscribe: an APM agent, a logger, a test. Here: count the calls that failed.
let failures = 0;
const onError = (): void => void failures++;
dc.subscribe('tracing:ffikit:call:error', onError);

ffikit.enableStats();

using ref = ffikit.reference();
using libm = ffikit.load(process.platform === 'darwin' ? 'libSystem.B.dylib' : 'libm.so.6');
const m = libm.bind({ cos: 'double cos(double x)', hypot: 'double hypot(double x, double y)' });
const { process_1d: process1d, simd_add: simdAdd } = ref.fn;

const data = new Float64Array(4096).fill(4);
const a = new Float32Array(1 << 16).fill(1);
const out = new Float32Array(a.length);
for (let i = 0; i < 2000; i++) {
  m.cos(i);
  m.hypot(i, 1);
  simdAdd(a, a, out);
}
for (let i = 0; i < 200; i++) process1d(data);
await Promise.all(Array.from({ length: 50 }, (_, i) => m.cos.async(i)));
for (const bad of [-1, Number.NaN]) {
  try {
    ref.safeOperation(new Float64Array([bad])); // refused by C: a NativeError
  } catch {
    // counted by the subscriber and by stats()
  }
}

const s = ffikit.stats();
console.table(
  s.functions.map((f) => ({
    fn: f.fn,
    calls: f.calls,
    errors: f.errors,
    'mean µs': +(f.meanNs / 1e3).toFixed(2),
    'p50 µs': +(f.p50Ns / 1e3).toFixed(2),
    'p99 µs': +(f.p99Ns / 1e3).toFixed(2),
  })),
);
console.log(`failed calls seen by the subscriber: ${failures}`);
console.log(
  `live ManagedArrays: ${s.arrays.live} (${s.arrays.bytes} bytes), registered callbacks: ${s.callbacks}, pools: ${s.pools.length}`,
);

ffikit.disableStats();
dc.unsubscribe('tracing:ffikit:call:error', onError);
