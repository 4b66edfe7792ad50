// Executors: per-task overhead vs .async, batched map throughput, overlap speedup, fs latency under load, process_batch vs per-item calls.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const koffi = require('koffi');
const ffikit = require('../../dist/index.js');
const { ThreadPoolExecutor } = require('../../dist/executors/thread-pool.js');
const { ProcessPoolExecutor } = require('../../dist/executors/process-pool.js');
const { packRagged } = require('../../dist/memory/batch.js');
const { buildFixtures } = require('../../tests/fixtures/build');

const MAP_TASKS = 100_000;
/**
 * long_running_operation: 64 AVX passes over the array (~4-8 ns per element here, ~5-8 ms per call).
 * 1M floats (4 MB) stay in the last-level cache, whose bandwidth the two cores share.
 */
const LONG_LEN = 1_000_000;
/** CPU-bound calls without memory traffic: their overlap is limited by the cores alone. */
const SPIN_MS = 30;
const SPIN = `spin_ms(${SPIN_MS})`;
const LONG = 'long_running_operation(1M floats)';
const ITEMS = 10_000;
const ITEM_LEN = 100;
const READS = 200;
const READ_FILE = path.resolve(__dirname, '..', '..', 'package.json');
const BUDGET = 'budget: 100 ns per mapped task';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const nowNs = () => Number(process.hrtime.bigint());

async function wallNs(fn) {
  const start = nowNs();
  await fn();
  return nowNs() - start;
}

/** fs.readFile latencies (ns) of `reads` sequential reads. */
async function readLatencies(reads) {
  const lat = [];
  for (let i = 0; i < reads; i++) {
    const start = nowNs();
    await fs.promises.readFile(READ_FILE);
    lat.push(nowNs() - start);
  }
  return lat;
}

/** Median fs.readFile latency (ns) of `reads` sequential reads. */
async function readLatency(reads = READS) {
  return median(await readLatencies(reads));
}

/** Keeps `inflight` calls running through `start()` until stopped; returns the stopper. */
function saturate(start, inflight) {
  let stopped = false;
  const loops = Array.from({ length: inflight }, async () => {
    while (!stopped) await start();
  });
  return async () => {
    stopped = true;
    await Promise.all(loops);
  };
}

/** k calls one after another vs the same k calls at once on a 2-worker pool (median of 7 rounds each). */
async function speedups(what, call) {
  const out = {};
  for (const k of [1, 2, 4]) {
    const seq = [];
    const par = [];
    for (let r = 0; r < 7; r++) {
      seq.push(
        await wallNs(async () => {
          for (let i = 0; i < k; i++) await call(i);
        }),
      );
      par.push(await wallNs(() => Promise.all(Array.from({ length: k }, (_, i) => call(i)))));
    }
    out[`${k} x ${what} on 2 workers, one after another`] = median(seq);
    out[`${k} x ${what} on 2 workers, at once`] = median(par);
  }
  return out;
}

async function latencies(ctx) {
  const { lowPool, longPool, ref, inputs, rawLong } = ctx;
  const out = {};
  // Idle and saturated reads alternate in rounds, so load from elsewhere on the machine hits both alike.
  const idle = [];
  const low = [];
  const normal = [];
  for (let round = 0; round < 5; round++) {
    idle.push(...(await readLatencies(READS / 5)));
    for (const [pool, into] of [
      [lowPool, low],
      [longPool, normal],
    ]) {
      const stop = saturate(() => pool.call('long', [inputs[0], LONG_LEN]), 4);
      into.push(...(await readLatencies(READS / 5)));
      await stop();
    }
  }
  out['fs.readFile, idle'] = median(idle);
  out["fs.readFile, 2-worker pool saturated, priority 'low'"] = median(low);
  out["fs.readFile, 2-worker pool saturated, priority 'normal'"] = median(normal);
  let stop;
  // 16 long calls through bound .async: ffikit's queue admits half of libuv's pool at a time.
  const asyncData = Array.from({ length: 16 }, () => new Float32Array(LONG_LEN));
  let next = 0;
  stop = saturate(() => ref.fn.long_running_operation.async(asyncData[next++ % 16], LONG_LEN), 16);
  out['fs.readFile, 16 long calls via bound .async'] = await readLatency();
  await stop();
  // The same through raw koffi .async, with no admission limit: every libuv thread busy.
  stop = saturate(
    () => new Promise((resolve, reject) => rawLong.async(asyncData[next++ % 16], LONG_LEN, (e, r) => (e ? reject(e) : resolve(r)))),
    16,
  );
  // Few reads: each one waits behind long calls for a libuv thread.
  out['fs.readFile, 16 long calls via raw koffi .async'] = await readLatency(5);
  await stop();
  return out;
}

module.exports = {
  title: 'Executors (thread/process pools vs .async; map throughput; overlap; fs latency under load; batching)',
  async setup() {
    const crash = buildFixtures().crash;
    const ref = ffikit.reference();
    const lib = ffikit.load(crash);
    const bound = lib.bind({ add: 'int add(int a, int b)' });
    const rawLib = koffi.load(crash);
    const rawAdd = rawLib.func('int add(int a, int b)');
    const rawRef = koffi.load(ref.path);
    const rawLong = rawRef.func('int32_t long_running_operation(float *data, size_t len)');
    const crashBind = { add: 'int add(int a, int b)', spin_ms: 'int spin_ms(int ms)' };
    const pool = new ThreadPoolExecutor({ library: crash, bind: crashBind, workers: 2 });
    const procPool = new ProcessPoolExecutor({ library: crash, bind: crashBind, workers: 2 });
    const longBind = { long: { fn: 'int32_t long_running_operation(float *data, size_t len)', errcheck: ffikit.ReferenceErrorCodes } };
    // The fs-fairness pool runs at priority 'low'; the default ('normal') beside it for comparison.
    const longPool = new ThreadPoolExecutor({ library: { reference: true }, bind: longBind, workers: 2 });
    const lowPool = new ThreadPoolExecutor({ library: { reference: true }, bind: longBind, workers: 2, priority: 'low' });
    const inputs = Array.from({ length: 4 }, () => new Float32Array(new SharedArrayBuffer(4 * LONG_LEN)).fill(5));
    const list = Array.from({ length: MAP_TASKS }, (_, i) => [i, 1]);
    const warm = [
      [inputs[0], 1000],
      [inputs[1], 1000],
    ];
    await Promise.all([
      pool.map('add', list),
      procPool.map('add', list.slice(0, 1000)),
      lowPool.map('long', warm),
      longPool.map('long', warm),
    ]);
    const items = Array.from({ length: ITEMS }, (_, i) => Float32Array.from({ length: ITEM_LEN }, (_, j) => ((i * 31 + j) % 17) * 0.5));
    const ctx = { ref, lib, bound, rawLib, rawAdd, rawRef, rawLong, pool, procPool, lowPool, longPool, inputs, list, items };
    ctx.measured = {
      [BUDGET]: 100,
      ...(await speedups(SPIN, () => pool.call('spin_ms', [SPIN_MS]))),
      ...(await speedups(LONG, (i) => longPool.call('long', [inputs[i], LONG_LEN]))),
      ...(await latencies(ctx)),
    };
    ctx.packed = packRagged(items, 'float32');
    ctx.results = new Float32Array(ITEMS);
    return ctx;
  },
  external: (c) => c.measured,
  tasks: (c) => {
    let sink = 0;
    c.readSink = () => sink;
    const { pool, procPool, bound, rawAdd, list, items, ref, packed, results } = c;
    return [
      { name: 'ThreadPoolExecutor.call(add), awaited one at a time', fn: async () => (sink += await pool.call('add', [1, 2])) },
      { name: 'ProcessPoolExecutor.call(add), awaited one at a time', fn: async () => (sink += await procPool.call('add', [1, 2])) },
      { name: 'bound add.async(), awaited one at a time', fn: async () => (sink += await bound.add.async(1, 2)) },
      {
        name: 'raw koffi add.async(), awaited one at a time',
        fn: () => new Promise((resolve, reject) => rawAdd.async(1, 2, (e, r) => (e ? reject(e) : resolve((sink += r))))),
      },
      {
        name: `ThreadPoolExecutor.map(add) x${MAP_TASKS}, per task`,
        callsPerIteration: MAP_TASKS,
        timeMs: 1000,
        fn: async () => {
          const r = await pool.map('add', list);
          sink += r[r.length - 1];
        },
      },
      {
        name: `simd_sum per item, ${ITEMS} x ${ITEM_LEN} floats`,
        fn: () => {
          for (const item of items) sink += ref.simdSum(item);
        },
      },
      {
        name: `process_batch, ${ITEMS} x ${ITEM_LEN} floats (pre-packed)`,
        fn: () => {
          ref.fn.process_batch(packed.data, packed.offsets, packed.lengths, packed.count, results);
          sink += results[0];
        },
      },
      {
        name: `packRagged + process_batch, ${ITEMS} x ${ITEM_LEN} floats`,
        fn: () => {
          const p = packRagged(items, 'float32');
          ref.fn.process_batch(p.data, p.offsets, p.lengths, p.count, results);
          sink += results[0];
        },
      },
    ];
  },
  ratios: [
    {
      label: 'per-task overhead: thread pool / bound .async',
      num: 'ThreadPoolExecutor.call(add), awaited one at a time',
      den: 'bound add.async(), awaited one at a time',
      target: 1.5,
    },
    {
      label: 'per-task overhead: process pool / bound .async',
      num: 'ProcessPoolExecutor.call(add), awaited one at a time',
      den: 'bound add.async(), awaited one at a time',
    },
    { label: 'map: ns per task / 100 ns budget', num: `ThreadPoolExecutor.map(add) x${MAP_TASKS}, per task`, den: BUDGET, target: 1 },
    ...[SPIN, LONG].flatMap((what) =>
      [1, 2, 4].map((k) => ({
        label: `speedup, ${k} at once: ${what}`,
        num: `${k} x ${what} on 2 workers, one after another`,
        den: `${k} x ${what} on 2 workers, at once`,
        ...(k === 2 && what === SPIN ? { target: 1.75 } : {}),
        higherIsBetter: true,
      })),
    ),
    {
      label: "fs.readFile latency: saturated 'low' / idle",
      num: "fs.readFile, 2-worker pool saturated, priority 'low'",
      den: 'fs.readFile, idle',
      target: 1.5,
    },
    {
      label: "fs.readFile latency: saturated 'normal' / idle",
      num: "fs.readFile, 2-worker pool saturated, priority 'normal'",
      den: 'fs.readFile, idle',
    },
    { label: 'fs.readFile latency: 16 via .async / idle', num: 'fs.readFile, 16 long calls via bound .async', den: 'fs.readFile, idle' },
    {
      label: 'fs.readFile latency: 16 via raw koffi async / idle',
      num: 'fs.readFile, 16 long calls via raw koffi .async',
      den: 'fs.readFile, idle',
    },
    {
      label: 'batch: per-item calls / process_batch',
      num: `simd_sum per item, ${ITEMS} x ${ITEM_LEN} floats`,
      den: `process_batch, ${ITEMS} x ${ITEM_LEN} floats (pre-packed)`,
      target: 3.5,
      higherIsBetter: true,
    },
    {
      label: 'batch incl. packing: per-item / packRagged+batch',
      num: `simd_sum per item, ${ITEMS} x ${ITEM_LEN} floats`,
      den: `packRagged + process_batch, ${ITEMS} x ${ITEM_LEN} floats`,
      higherIsBetter: true,
    },
  ],
  async teardown(c) {
    if (!Number.isFinite(c.readSink())) throw new Error('benchmark sink is not finite');
    await Promise.all([c.pool.close(), c.procPool.close(), c.lowPool.close(), c.longPool.close()]);
    c.lib.close();
    c.ref.close();
  },
};
