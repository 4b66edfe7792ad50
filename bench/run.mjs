// Benchmark runner: runs every group in bench/groups/, prints ratios against targets, writes bench/results/latest.json.
// Each group runs in a process of its own, so no group's figures depend on the heap the groups before it
// left behind (the allocation group measured 48 ns per arena array alone and 118-172 ns after the others).
import { spawnSync } from 'node:child_process';
import { writeFileSync, readdirSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';

import { renderChart } from './chart.mjs';
import { measure, ROUNDS } from './measure.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/** Runs one group in this process: prints its figures and returns its report and how many targets it missed. */
async function runGroup(file) {
  let failed = 0;
  const group = require(join(here, 'groups', file));
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
    return { group: { title: group.title, notes, nsPerCall: ns, ratios }, failed };
  } finally {
    await group.teardown?.(ctx);
  }
}

// Child mode: `run.mjs --group <file> <out.json>` runs one group and writes its report there.
if (process.argv[2] === '--group') {
  writeFileSync(process.argv[4], JSON.stringify(await runGroup(process.argv[3])));
  process.exit(0);
}

const only = process.argv.slice(2);
const files = readdirSync(join(here, 'groups'))
  .filter((f) => f.endsWith('.js') && (only.length === 0 || only.some((o) => f.includes(o))))
  .sort();
const report = { date: new Date().toISOString(), node: process.version, cpu: os.cpus()[0]?.model, rounds: ROUNDS, groups: [] };
let failed = 0;
const tmp = mkdtempSync(join(os.tmpdir(), 'ffikit-bench-'));
try {
  for (const file of files) {
    const out = join(tmp, `${file}.json`);
    const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--group', file, out], {
      stdio: 'inherit',
    });
    if (child.status !== 0) throw new Error(`bench group ${file} failed (${child.signal ?? `exit ${child.status}`})`);
    const result = JSON.parse(readFileSync(out, 'utf8'));
    report.groups.push(result.group);
    failed += result.failed;
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(join(here, 'results', 'latest.svg'), renderChart(report));
console.log(`\nwrote bench/results/latest.json and latest.svg${failed ? ` — ${failed} target(s) missed` : ' — all targets met'}`);
if (failed && process.env.FFIKIT_BENCH_STRICT === '1') process.exitCode = 1;
