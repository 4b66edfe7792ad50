// Example: crash isolation with a ProcessPoolExecutor — a segfault in a native call rejects one task; the pool and this process carry on.
import * as ffikit from 'ffikit';

import { exampleLibrary } from './native/build.js';

// examples/native/misbehave.c, built for the examples (never shipped): crash_now() writes through NULL (SIGSEGV).
const library = exampleLibrary('misbehave');

await using pool = new ffikit.ProcessPoolExecutor({
  library,
  bind: {
    add: 'int add(int a, int b)',
    crash_now: 'void crash_now(void)',
    spin_ms: 'int spin_ms(int ms)',
  },
  workers: 2,
});

await pool.call('add', [0, 0]);
console.log(`worker processes: ${pool.pids.join(', ')} (this process: ${process.pid})`);

// Five tasks at once; the middle one crashes its worker.
const jobs: Array<[string, Promise<unknown>]> = [
  ['add(1, 2)', pool.call('add', [1, 2])],
  ['add(3, 4)', pool.call('add', [3, 4])],
  ['crash_now()', pool.call('crash_now', [])],
  ['add(5, 6)', pool.call('add', [5, 6])],
  ['add(7, 8)', pool.call('add', [7, 8])],
];
for (const [label, job] of jobs) {
  try {
    const result = await job;
    if (label === 'crash_now()') throw new Error(`crash_now() should have crashed its worker, got ${String(result)}`);
    console.log(`${label.padEnd(12)} -> ${result}`);
  } catch (err) {
    if (!(err instanceof ffikit.NativeCrashError)) throw err;
    console.log(`${label.padEnd(12)} -> ${err.code}: signal ${err.signal}, exitCode ${err.exitCode}, fn ${err.fn}, pid ${err.pid}`);
  }
}
console.log(`worker processes now: ${pool.pids.join(', ')} (the crashed one was replaced)`);

// A stuck call is killed at its timeout; a thread could not be interrupted like this.
const start = performance.now();
try {
  await pool.call('spin_ms', [60_000], { timeoutMs: 300 });
} catch (err) {
  if (!(err instanceof ffikit.TimeoutError)) throw err;
  console.log(`spin_ms(60000) with timeoutMs 300 -> ${err.code} after ${(performance.now() - start).toFixed(0)} ms`);
}
console.log(`the pool still works: add(20, 22) = ${await pool.call('add', [20, 22])}; this process survived all of it`);
