// Builds the example libraries, then runs every example in examples/ in order; stops at the first failure.
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const { buildExamples } = require('../examples/native/build.js');

const root = path.resolve(__dirname, '..');
const dir = path.join(root, 'examples');
const only = process.argv.slice(2);
const examples = fs
  .readdirSync(dir)
  .filter((f) => /^\d\d-.*\.m?ts$/.test(f))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

// The native code some examples need (examples/native/*.c) is compiled first, so that a missing C
// compiler fails here with one clear message rather than inside an example.
try {
  const built = Object.values(buildExamples()).map((f) => path.relative(root, f));
  console.log(`example libraries: ${built.join(', ')}`);
} catch (err) {
  console.error(err.message);
  process.exit(1);
}

const tsx = require.resolve('tsx/cli');
for (const file of examples) {
  console.log(`\n=== ${file} ${'='.repeat(Math.max(0, 70 - file.length))}`);
  const result = spawnSync(process.execPath, [tsx, path.join(dir, file)], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`\nexample ${file} failed (${result.signal ?? `exit ${result.status}`})`);
    process.exit(1);
  }
}
console.log(`\n${examples.length} examples ran.`);
