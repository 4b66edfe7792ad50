// Benchmark runner: runs every group in bench/groups/, prints ratios against targets, writes bench/results/latest.json.
import { writeFileSync, readdirSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';

import { renderChart } from './chart.mjs';
import { measure, ROUNDS } from './measure.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

const only = process.argv.slice(2);

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
    const ns = { ...(group.external?.(ctx) ?? {}), ...(await measure(tasks)) };
    console.log(`\n${group.title}`);
    // Notes say what a group could not measure on this machine and why (its rows then carry `skip`).
    const notes = group.notes?.(ctx) ?? [];
    for (const note of notes) console.log(`  note: ${note}`);
    for (const [name, v] of Object.entries(ns)) console.log(`  ${name.padEnd(52)} ${v.toFixed(1).padStart(12)} ns/call`);
    const ratioSpecs = typeof group.ratios === 'function' ? group.ratios(ctx) : group.ratios;
    const ratios = ratioSpecs.map((r) => {
      // `skip: reason` specs are rows that could not be measured here (a peer missing): shown with the reason, never guessed.
      if (r.skip !== undefined) {
        console.log(`  skip  ${r.label.padEnd(48)} ${r.skip}`);
        return { ...r };
      }
      // `kind: 'diff'` specs compare absolute costs: ns(num) - ns(den), e.g. what one check adds per call.
      const diff = r.kind === 'diff';
      const value = diff ? ns[r.num] - ns[r.den] : ns[r.num] / ns[r.den];
      const ok = r.target === undefined || (r.higherIsBetter ? value >= r.target : value <= r.target);
      if (!ok) failed++;
      const target = r.target === undefined ? '' : `target ${r.higherIsBetter ? '>=' : '<='} ${r.target}${diff ? ' ns' : ''}`;
      const absolute = `(${ns[r.num].toFixed(1)} ${diff ? '-' : '/'} ${ns[r.den].toFixed(1)} ns)`;
      console.log(
        `  ${diff ? 'diff ' : 'ratio'} ${r.label.padEnd(48)} ${value.toFixed(3).padStart(8)}${diff ? 'ns' : 'x '} ${absolute.padEnd(24)} ${target} ${r.target === undefined ? '' : ok ? 'OK' : 'MISSED'}`,
      );
      return { ...r, value, ok, numNs: ns[r.num], denNs: ns[r.den] };
    });
    report.groups.push({ title: group.title, notes, nsPerCall: ns, ratios });
  } finally {
    await group.teardown?.(ctx);
  }
}
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(join(here, 'results', 'latest.svg'), renderChart(report));
console.log(`\nwrote bench/results/latest.json and latest.svg${failed ? ` — ${failed} target(s) missed` : ' — all targets met'}`);
if (failed && process.env.FFIKIT_BENCH_STRICT === '1') process.exitCode = 1;
