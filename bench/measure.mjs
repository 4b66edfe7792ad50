// Side-by-side measurement shared by the runner and the peer group's child process (another Node version).
import { Bench } from 'tinybench';

export const ROUNDS = Number(process.env.FFIKIT_BENCH_ROUNDS ?? 5);
const TIME_MS = Number(process.env.FFIKIT_BENCH_TIME_MS ?? 300);

/**
 * Measures tasks side by side: ROUNDS rounds, each running every task of the group once through
 * tinybench, so slow drift (thermal, other load) hits all tasks alike. Per-task figure: the median
 * over rounds of tinybench's median latency, divided by the calls each iteration makes.
 * @returns {Promise<Record<string, number>>} ns per call, by task name
 */
export async function measure(tasks) {
  const perTask = new Map(tasks.map((t) => [t.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? tasks : [...tasks].reverse();
    for (const task of order) {
      // `iterations` lowers tinybench's minimum of 64 runs for tasks that take a large fraction of a second.
      const few = task.iterations === undefined ? {} : { iterations: task.iterations, warmupIterations: 1 };
      const bench = new Bench({ time: task.timeMs ?? TIME_MS, warmupTime: 50, throws: true, ...few });
      bench.add(task.name, task.fn);
      await bench.run();
      const result = bench.tasks[0].result;
      perTask.get(task.name).push((result.latency.p50 * 1e6) / (task.callsPerIteration ?? 1));
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return Object.fromEntries([...perTask].map(([name, xs]) => [name, median(xs)]));
}
