// Builds dist/: the CommonJS core with tsc, a thin ESM wrapper re-exporting its named exports, and an executable cli.js.
'use strict';

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');
fs.rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.json')], { stdio: 'inherit' });

// The names come from the built module itself, so the wrapper cannot drift from the CommonJS exports.
const names = Object.keys(require(path.join(dist, 'index.js'))).filter((n) => n !== 'default' && n !== '__esModule');
const esm = [
  '// ESM entry point: re-exports the CommonJS core so both module systems share one instance.',
  "import core from './index.js';",
  '',
  ...names.map((n) => `export const ${n} = core.${n};`),
  '',
].join('\n');
fs.writeFileSync(path.join(dist, 'index.mjs'), esm);
fs.writeFileSync(
  path.join(dist, 'index.d.mts'),
  "// Types for the ESM entry point: the same API as the CommonJS core.\nexport * from './index.js';\n",
);

// dist/ was just recreated, so cli.js has the default mode 0644. npm sets the run bit on bins only when
// it installs them: an app that installed this directory (a symlink) would get "Permission denied" from
// `npx ffikit` after every rebuild here.
const cli = path.join(dist, 'cli.js');
if (!fs.readFileSync(cli, 'utf8').startsWith('#!/usr/bin/env node\n')) {
  throw new Error(
    "build-ts: expected dist/cli.js to start with '#!/usr/bin/env node', got another first line. Keep it first in ts/cli.ts.",
  );
}
fs.chmodSync(cli, 0o755);
console.log(`dist/: CommonJS core + ESM wrapper (${names.length} exports), cli.js executable`);
