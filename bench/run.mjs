// Benchmark runner: runs every group in bench/groups/, prints ratios against targets, writes bench/results/latest.json.
import { writeFileSync, readdirSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { Bench } from 'tinybench';

import { renderChart } from './chart.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

const ROUNDS = Number(process.env.FFIKIT_BENCH_ROUNDS ?? 5);
const TIME_MS = Number(process.env.FFIKIT_BENCH_TIME_MS ?? 300);
const only = process.argv.slice(2);

/**
 * Measures tasks side by side: ROUNDS rounds, each running every task of the group once through
 * tinybench, so slow drift (thermal, other load) hits all tasks alike. Per-task figure: the median
 * over rounds of tinybench's median latency, divided by the calls each iteration makes.
 */
async function measure(group) {
  const perTask = new Map(group.tasks.map((t) => [t.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? group.tasks : [...group.tasks].reverse();
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

const files = readdirSync(join(here, 'groups'))
  .filter((f) => f.endsWith('.js'))
  .sort();
const report = { date: new Date().toISOString(), node: process.version, cpu: os.cpus()[0]?.model, rounds: ROUNDS, groups: [] };
let failed = 0;
for (const file of files) {
  const group = require(join(here, 'groups', file));
  if (only.length && !only.some((o) => file.includes(o))) continue;
  const ctx = await group.setup();
  try {
    const tasks = group.tasks(ctx);
    const ns = { ...(group.external?.(ctx) ?? {}), ...(await measure({ tasks })) };
    console.log(`\n${group.title}`);
    for (const [name, v] of Object.entries(ns)) console.log(`  ${name.padEnd(52)} ${v.toFixed(1).padStart(12)} ns/call`);
    const ratioSpecs = typeof group.ratios === 'function' ? group.ratios(ctx) : group.ratios;
    const ratios = ratioSpecs.map((r) => {
      // `kind: 'diff'` specs compare absolute costs: ns(num) - ns(den), e.g. what one check adds per call.
      const diff = r.kind === 'diff';
      const value = diff ? ns[r.num] - ns[r.den] : ns[r.num] / ns[r.den];
      const ok = r.target === undefined || (r.higherIsBetter ? value >= r.target : value <= r.target);
      if (!ok) failed++;
      const target = r.target === undefined ? '' : `target ${r.higherIsBetter ? '>=' : '<='} ${r.target}${diff ? ' ns' : ''}`;
      console.log(
        `  ${diff ? 'diff ' : 'ratio'} ${r.label.padEnd(42)} ${value.toFixed(3).padStart(8)}${diff ? 'ns' : 'x '} ${target} ${r.target === undefined ? '' : ok ? 'OK' : 'MISSED'}`,
      );
      return { ...r, value, ok };
    });
    report.groups.push({ title: group.title, nsPerCall: ns, ratios });
  } finally {
    await group.teardown?.(ctx);
  }
}
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(join(here, 'results', 'latest.svg'), renderChart(report));
console.log(`\nwrote bench/results/latest.json and latest.svg${failed ? ` — ${failed} target(s) missed` : ' — all targets met'}`);
if (failed && process.env.FFIKIT_BENCH_STRICT === '1') process.exitCode = 1;
