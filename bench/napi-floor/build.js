// Builds the N-API floor addon with cmake-js when it is missing or older than its sources; returns its path.
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const out = path.join(root, 'build', 'napi-floor');
const addon = path.join(out, 'Release', 'ffikit_napi_floor.node');
const sources = ['napi_floor.c', 'CMakeLists.txt', 'package.json']
  .map((f) => path.join(__dirname, f))
  .concat(path.join(root, 'cpp', 'include', 'ffikit_ref.h'));

function stale() {
  if (!fs.existsSync(addon)) return true;
  const built = fs.statSync(addon).mtimeMs;
  return sources.some((s) => fs.statSync(s).mtimeMs > built);
}

/** Names each build tool that cannot be started, so a missing compiler says so instead of failing inside CMake. */
function missingTools() {
  const tools = [
    ['cmake', ['--version']],
    [process.env.CC || 'cc', ['--version']],
  ];
  return tools.filter(([tool, args]) => spawnSync(tool, args, { stdio: 'ignore' }).error !== undefined).map(([tool]) => tool);
}

/**
 * Returns the path of the N-API floor addon, building it first when it is missing or stale.
 * @throws {Error} when cmake or the C compiler is missing, or the build fails (cmake-js output is shown).
 */
function buildNapiFloor() {
  if (!stale()) return addon;
  const missing = missingTools();
  if (missing.length) {
    throw new Error(
      `bench/napi-floor: expected cmake and a C compiler to build the N-API floor addon, got no ${missing.join(' and no ')} on PATH. ` +
        'Install them (Debian/Ubuntu: apt-get install cmake build-essential) or set CC.',
    );
  }
  const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
  const args = [cmakeJs, 'compile', '--directory', __dirname, '--out', out];
  // stdout carries the peer group's figures when a child process runs this: keep the build log on stderr.
  const built = spawnSync(process.execPath, args, { stdio: ['ignore', 2, 2] });
  if (built.status !== 0 || !fs.existsSync(addon)) {
    throw new Error(`bench/napi-floor: cmake-js compile exited with ${built.status ?? built.signal}; its output is above.`);
  }
  return addon;
}

module.exports = { buildNapiFloor };
