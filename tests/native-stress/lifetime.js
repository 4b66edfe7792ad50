// Lifetime scenarios for valgrind (scripts/valgrind-lifetime.sh): owned native memory, NDArrays and
// pinned .async arguments, with GC and dispose() landing while native code still uses the memory.
// Run: node --expose-gc --jitless tests/native-stress/lifetime.js   (needs the built dist/)
'use strict';

const assert = require('node:assert/strict');
const path = require('node:path');

const ffikit = require(path.join(__dirname, '..', '..', 'dist', 'index.js'));

if (typeof globalThis.gc !== 'function') {
  console.error('lifetime.js: run with node --expose-gc');
  process.exit(2);
}

const tick = () => new Promise((resolve) => setImmediate(resolve));
const ref = ffikit.reference();
const libraryAllocator = { alloc: ref.fn.create_array, free: ref.fn.free_array };
const liveAtStart = ref.fn.ffikit_live_allocations();
const steps = [];

function managedArrays() {
  // The library's allocator (counted by ffikit_live_allocations) and ffikit's own.
  for (let i = 0; i < 50; i++) {
    const owned = ffikit.ManagedArray.create('float64', 33, libraryAllocator);
    owned.withView((view) => view.fill(i));
    ref.process1d(owned);
    assert.equal(owned.read(32), 2 * i);
    owned.dispose();
    owned.dispose(); // idempotent
    assert.throws(() => owned.read(0), { code: 'ERR_FFIKIT_DISPOSED' });

    const floats = ffikit.ManagedArray.create('float32', 100);
    floats.withView((view) => view.fill(1));
    assert.equal(ref.simdSum(floats), 100);
    floats[Symbol.dispose]();
  }
  // Disposed inside withView: freed only when the view is left.
  const nested = ffikit.ManagedArray.create('float64', 8, libraryAllocator);
  nested.withView((view) => {
    nested.dispose();
    view[7] = 1; // still valid until withView returns
  });
  assert.equal(ref.fn.ffikit_live_allocations(), liveAtStart);
  steps.push('ManagedArray create/withView/dispose');
}

function ndarrays() {
  const matrix = ffikit.NDArray.from(
    [
      [1, 2, 3],
      [4, 5, 6],
    ],
    'float64',
  );
  ref.process2d(matrix);
  assert.deepEqual(matrix.toArray(), [
    [1, 3, 5],
    [1004, 1006, 1008],
  ]);
  // A non-contiguous view is copied for the call; the copy must outlive the call, not more.
  const transposed = matrix.transpose().copy();
  ref.process2d(transposed);
  assert.equal(transposed.get(2, 1), 1008 + 2001);
  const batch = ffikit.NDArray.zeros([4, 16], 'float32');
  for (let r = 0; r < 4; r++) for (let c = 0; c < 16; c++) batch.set(r, c, c);
  ref.batchProcess(batch);
  assert.ok(Math.abs(batch.get(0, 0) + batch.get(0, 15)) < 1e-6);
  steps.push('NDArray pass');
}

async function asyncPinningWithGc() {
  // The only reference is dropped while the call runs; GC must not free the buffer under it.
  const holder = { data: new Float32Array(1 << 18).fill(5) };
  const weak = new WeakRef(holder.data);
  const promise = ref.longRunningOperationAsync(holder.data);
  holder.data = null;
  let settled = false;
  promise.then(() => (settled = true));
  let collections = 0;
  while (!settled) {
    globalThis.gc();
    collections++;
    await tick();
  }
  await promise;
  const survivor = weak.deref();
  if (survivor !== undefined) assert.ok(survivor.every((x) => x === 2));
  steps.push(`async pinning with GC (${collections} collections during the call)`);
}

async function disposeDuringAsync() {
  // dispose() while an .async call uses the array: the free waits for the call to settle.
  const owned = ffikit.ManagedArray.create('float64', 1 << 12, libraryAllocator);
  owned.withView((view) => view.fill(1));
  const promise = ref.fn.process_1d.async(owned);
  owned.dispose();
  assert.equal(owned.disposed, true);
  globalThis.gc();
  await promise;
  assert.equal(ref.fn.ffikit_live_allocations(), liveAtStart);

  const floats = ffikit.ManagedArray.create('float32', 1 << 12);
  const running = ref.longRunningOperationAsync(floats);
  floats.dispose();
  globalThis.gc();
  await running;
  steps.push('dispose during an async call');
}

async function forgottenArrays() {
  // Never disposed: the FinalizationRegistry backstop frees them (and warns once).
  (() => {
    for (let i = 0; i < 20; i++) ffikit.ManagedArray.create('float64', 16, libraryAllocator);
  })();
  for (let i = 0; i < 50 && ref.fn.ffikit_live_allocations() !== liveAtStart; i++) {
    globalThis.gc();
    await tick();
  }
  assert.equal(ref.fn.ffikit_live_allocations(), liveAtStart);
  steps.push('GC backstop for forgotten arrays');
}

// LIFETIME_REPEAT runs everything several times: scripts/valgrind-lifetime.sh compares the memory
// left unfreed at exit after 1 and after N rounds, so only a leak that grows per round counts.
const REPEAT = Number(process.env.LIFETIME_REPEAT ?? 1);

(async () => {
  for (let round = 0; round < REPEAT; round++) {
    steps.length = 0;
    managedArrays();
    ndarrays();
    await asyncPinningWithGc();
    await disposeDuringAsync();
    await forgottenArrays();
  }
  ref.close();
  console.log(`lifetime: ${steps.length} scenarios x ${REPEAT} OK (${path.relative(process.cwd(), ref.path)})\n  ${steps.join('\n  ')}`);
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
