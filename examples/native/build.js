// Compiles the example libraries in examples/native/*.c with the system C compiler into build/examples/.
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const out = path.join(__dirname, '..', '..', 'build', 'examples');
const EXTENSIONS = { darwin: '.dylib', win32: '.dll' };

/** The example libraries: name -> C source and the extra compiler flags it needs. */
const LIBRARIES = {
  'lost-update': { source: 'lost-update.c', flags: ['-pthread'] },
  misbehave: { source: 'misbehave.c', flags: [] },
};

/** Where `name`'s library is built (whether it exists or not). */
function exampleLibraryPath(name) {
  return path.join(out, `libffikit_example_${name.replace(/-/g, '_')}${EXTENSIONS[process.platform] ?? '.so'}`);
}

function compile(name) {
  const { source, flags } = LIBRARIES[name];
  const src = path.join(__dirname, source);
  const dest = exampleLibraryPath(name);
  if (fs.existsSync(dest) && fs.statSync(dest).mtimeMs >= fs.statSync(src).mtimeMs) return dest;
  fs.mkdirSync(out, { recursive: true });
  const cc = process.env.CC || 'cc';
  const args = ['-shared', '-fPIC', '-O1', '-fvisibility=hidden', '-Wall', '-Wextra', '-o', dest, src, ...flags];
  const r = spawnSync(cc, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.error?.code === 'ENOENT') {
    throw new Error(
      `examples/native/build.js: expected a C compiler named '${cc}' on PATH (or in $CC), got none. ` +
        'Install one (Debian/Ubuntu: apt-get install gcc; macOS: xcode-select --install) or set CC.',
    );
  }
  if (r.error) throw r.error;
  if (r.status !== 0) {
    throw new Error(
      `examples/native/build.js: expected ${cc} to compile ${source}, got ${r.signal ?? `exit code ${r.status}`}. See the compiler output above.`,
    );
  }
  return dest;
}

/**
 * Builds one example library if it is missing or older than its source, and returns its path.
 * @param {keyof typeof LIBRARIES} name
 */
function exampleLibrary(name) {
  if (!(name in LIBRARIES)) {
    throw new Error(`examples/native/build.js: expected one of ${Object.keys(LIBRARIES).join(', ')}, got '${name}'. Add it to LIBRARIES.`);
  }
  return compile(name);
}

/** Builds every example library; returns name -> path. */
function buildExamples() {
  return Object.fromEntries(Object.keys(LIBRARIES).map((name) => [name, compile(name)]));
}

module.exports = { buildExamples, exampleLibrary, exampleLibraryPath };

if (require.main === module) {
  try {
    for (const [name, file] of Object.entries(buildExamples())) console.log(`${name}: ${path.relative(process.cwd(), file)}`);
  } catch (err) {
    console.error(err.message);
    process.exit(1);
  }
}
