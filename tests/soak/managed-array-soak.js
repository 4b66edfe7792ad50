// Soak: millions of ManagedArray create/dispose cycles through the reference allocator, then the GC backstop.
// Run: node --expose-gc -r tsx/cjs tests/soak/managed-array-soak.js   (prints one JSON summary line last)
'use strict';

const { performance } = require('node:perf_hooks');

const ffikit = require('../../ts/index');

const CHECKPOINT = Number(process.env.FFIKIT_SOAK_CHECKPOINT ?? 1_000_000);
const CYCLES = Number(process.env.FFIKIT_SOAK_CYCLES ?? 3_000_000);
const UNDISPOSED = Number(process.env.FFIKIT_SOAK_UNDISPOSED ?? 10_000);
const BURST = Number(process.env.FFIKIT_SOAK_BURST ?? 250_000);
// Cycles run in chunks with a turn of the event loop between them, as in a real program: Node runs
// N-API finalizers (those of the external ArrayBuffers behind ManagedArray views) only between turns.
const CHUNK = 10_000;
const BACKSTOP_LIMIT_MS = 10_000;

if (typeof globalThis.gc !== 'function') {
  console.error('managed-array-soak: run with node --expose-gc');
  process.exit(2);
}

const ref = ffikit.reference();
const { create_array: createArray, free_array: freeArray } = ref.fn;
const allocator = { alloc: createArray, free: freeArray };
const mb = (bytes) => Math.round((bytes / 2 ** 20) * 100) / 100;
const tick = () => new Promise((resolve) => setImmediate(resolve));

/** RSS after the heap has settled: several full collections with turns of the event loop between them. */
async function settledRss() {
  for (let i = 0; i < 5; i++) {
    globalThis.gc();
    await tick();
  }
  return process.memoryUsage().rss;
}

/** `count` create/write/read/dispose cycles; returns a checksum so the work cannot be optimised away. */
function burst(count, start) {
  let sum = 0;
  for (let i = start; i < start + count; i++) {
    const array = ffikit.ManagedArray.create('float64', 16, allocator);
    array.write(i % 16, i);
    sum += array.read(i % 16);
    array.dispose();
  }
  return sum;
}

/** The same cycles in chunks, yielding to the event loop between chunks. */
async function cycles(count, start) {
  let sum = 0;
  for (let done = 0; done < count; done += CHUNK) {
    sum += burst(Math.min(CHUNK, count - done), start + done);
    await tick();
  }
  return sum;
}

/** Allocates `count` arrays at one site and drops them without disposing. */
function leakSome(count) {
  for (let i = 0; i < count; i++) ffikit.ManagedArray.create('float64', 4, allocator);
}

async function main() {
  const warnings = [];
  process.on('warning', (w) => {
    if (w.code === 'FFIKIT_UNDISPOSED') warnings.push(w.message);
  });
  const live0 = ref.liveAllocations();

  const t0 = performance.now();
  let checksum = await cycles(CHECKPOINT, 0);
  const secondsAtCheckpoint = (performance.now() - t0) / 1000;
  const liveAtCheckpoint = ref.liveAllocations() - live0;
  const rssCheckpoint = await settledRss();

  const t1 = performance.now();
  checksum += await cycles(CYCLES - CHECKPOINT, CHECKPOINT);
  const seconds = secondsAtCheckpoint + (performance.now() - t1) / 1000;
  const liveAtEnd = ref.liveAllocations() - live0;
  const rssEnd = await settledRss();

  // One long synchronous loop (no event-loop turn): measures what piles up until the next turn.
  const tb = performance.now();
  const rssBefore = process.memoryUsage().rss;
  burst(BURST, 0);
  const rssBurst = process.memoryUsage().rss;
  const syncBurst = {
    cycles: BURST,
    seconds: Math.round(performance.now() - tb) / 1000,
    rssGrowthMB: mb(rssBurst - rssBefore),
    bytesPerCycle: Math.round((rssBurst - rssBefore) / BURST),
    live: ref.liveAllocations() - live0,
  };
  await settledRss();

  const t2 = performance.now();
  leakSome(UNDISPOSED);
  const leaked = ref.liveAllocations() - live0;
  let gcRounds = 0;
  while (ref.liveAllocations() - live0 > 0 && performance.now() - t2 < BACKSTOP_LIMIT_MS) {
    globalThis.gc();
    gcRounds++;
    await tick();
  }
  await tick(); // warnings are emitted on the next tick
  const backstop = {
    arrays: UNDISPOSED,
    leaked,
    liveAfter: ref.liveAllocations() - live0,
    seconds: Math.round(performance.now() - t2) / 1000,
    gcRounds,
    warnings: warnings.length,
    warning: warnings[0] ?? null,
  };

  console.log(
    JSON.stringify({
      cycles: CYCLES,
      checkpoint: CHECKPOINT,
      seconds: Math.round(seconds * 100) / 100,
      cyclesPerSecond: Math.round(CYCLES / seconds),
      checksumOk: checksum === (CYCLES * (CYCLES - 1)) / 2,
      liveAtCheckpoint,
      liveAtEnd,
      rssCheckpointMB: mb(rssCheckpoint),
      rssEndMB: mb(rssEnd),
      growthMB: mb(rssEnd - rssCheckpoint),
      syncBurst,
      backstop,
    }),
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
