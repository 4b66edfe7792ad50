// `.async` pins its arguments: dropping the only reference and forcing GC mid-call is safe (child processes).
import { runChild } from '../helpers/child';

// Drops the only reference to a 16 MiB Float32Array while long_running_operation works on it, forces
// GC repeatedly until the call settles, and reports whether the array was finalized before that.
const scenario = (useRawKoffi: boolean) => `
const ffikit = require('./ts/index');
const ref = ffikit.reference();
const N = 1 << 22;
let finalizedAt = -1, settledAt = -1, tick = 0;
const registry = new FinalizationRegistry(() => { finalizedAt = tick; });
let data = new Float32Array(N).fill(5);
const weak = new WeakRef(data);
registry.register(data, 'data');
let promise;
if (${useRawKoffi}) {
  const koffi = require('koffi');
  const fn = koffi.load(ref.path).func('int32_t long_running_operation(float *data, size_t len)');
  promise = new Promise((resolve, reject) => fn.async(data, N, (err, r) => (err ? reject(err) : resolve(r))));
} else {
  promise = ref.fn.long_running_operation.async(data, N);
}
data = null;
promise.then(() => { settledAt = tick; });
(async () => {
  while (settledAt < 0) {
    tick++;
    globalThis.gc();
    new Array(1e5).fill({});            // churn so the collector has real work
    await new Promise((r) => setImmediate(r));
  }
  const survivor = weak.deref();
  const ok = survivor !== undefined && survivor.every((x) => x === 2);
  console.log(JSON.stringify({ finalizedAt, settledAt, ticks: tick, resultCorrect: ok }));
})();
`;

describe('.async argument pinning', () => {
  it('keeps a typed array alive through GC during the call: no crash, correct result', () => {
    const result = runChild(scenario(false), { nodeArgs: ['--expose-gc'], timeoutMs: 60000 });
    expect(result.signal).toBeNull();
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout.trim().split('\n').pop() as string);
    expect(report.ticks).toBeGreaterThan(1); // GC really ran while the call was in flight
    expect(report.finalizedAt).toBe(-1); // never collected before the call settled
    expect(report.resultCorrect).toBe(true); // every element went 5 → 2 (64 passes of x*0.5+1)
  });

  it('control: raw koffi .async lets the same array be collected mid-call (why ffikit pins)', () => {
    const result = runChild(scenario(true), { nodeArgs: ['--expose-gc'], timeoutMs: 60000 });
    // Either the use-after-free crashes the process (what happens on this machine: SIGSEGV), or the
    // finalizer runs before the call settles; both prove the hazard that pinning removes.
    const crashed = result.signal !== null || result.status !== 0;
    const report = crashed ? null : JSON.parse(result.stdout.trim().split('\n').pop() as string);
    const collectedMidCall = report !== null && report.finalizedAt >= 0 && report.finalizedAt <= report.settledAt;
    expect(crashed || collectedMidCall).toBe(true);
  });
});
