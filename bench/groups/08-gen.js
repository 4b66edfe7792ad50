// ffikit gen: generating bindings from sqlite3.h (about 13k lines after preprocessing), end to end through the CLI.
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const HEADER = '/usr/include/sqlite3.h';
const CLI = path.join(__dirname, '..', '..', 'dist', 'cli.js');
const RUNS = 5;

module.exports = {
  title: 'ffikit gen (a fresh `ffikit gen sqlite3.h` process, median of 5, vs the 2 s budget)',
  setup() {
    if (!fs.existsSync(HEADER)) throw new Error(`bench gen: expected ${HEADER}, got no such file. Install libsqlite3-dev.`);
    return {};
  },
  tasks: () => [],
  external() {
    const times = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = process.hrtime.bigint();
      const r = spawnSync(process.execPath, [CLI, 'gen', HEADER, '--lib', 'libsqlite3.so.0', '--report'], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`bench gen: ffikit gen failed: ${r.stderr}`);
      times.push(Number(process.hrtime.bigint() - t0));
    }
    times.sort((a, b) => a - b);
    return { 'ffikit gen sqlite3.h (whole process)': times[Math.floor(RUNS / 2)], 'budget: 2 s': 2e9 };
  },
  ratios: [{ label: 'gen sqlite3.h / 2 s budget', num: 'ffikit gen sqlite3.h (whole process)', den: 'budget: 2 s', target: 1 }],
};
