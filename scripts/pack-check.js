// Checks the npm package: builds dist/, packs once (without lifecycle scripts), verifies the file list,
// then runs publint and @arethetypeswrong/cli on that same tarball.
'use strict';

const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

/** Paths every tarball must contain (besides the prebuilds the manifest lists). */
const REQUIRED = [
  'package.json',
  'README.md',
  'LICENSE',
  'CHANGELOG.md',
  'CMakeLists.txt',
  'cpp/include/ffikit_ref.h',
  'cpp/ffikit_ref.map',
  'dist/index.js',
  'dist/index.d.ts',
  'dist/index.mjs',
  'dist/index.d.mts',
  'dist/cli.js',
  'prebuilds/manifest.json',
];
/** What must never ship: tests, TypeScript sources, dev scripts, build output, source maps without sources. */
const FORBIDDEN = [
  /^tests\//,
  /^ts\//,
  /^scripts\//,
  /^build\//,
  /^examples\//,
  /^bench\//,
  /^node_modules\//,
  /^dist\/.*\.map$/,
  /\.tgz$/,
];

/**
 * Packs the package into `dest` with `npm pack --ignore-scripts` (dist/ must be built) and returns the
 * tarball path and its file list.
 */
function pack(dest) {
  const json = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dest], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [info] = JSON.parse(json);
  return {
    tarball: path.join(dest, info.filename),
    files: info.files.map((f) => f.path),
    size: info.size,
    unpackedSize: info.unpackedSize,
  };
}

/** Problems with a packed file list, as messages (empty when it is right). */
function checkFiles(files) {
  const set = new Set(files);
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'prebuilds', 'manifest.json'), 'utf8'));
  const problems = [];
  for (const f of [...REQUIRED, ...Object.keys(manifest).map((k) => `prebuilds/${k}`)]) if (!set.has(f)) problems.push(`missing: ${f}`);
  for (const f of files) if (FORBIDDEN.some((re) => re.test(f))) problems.push(`must not be packed: ${f}`);
  return problems;
}

function main() {
  const bin = (name) => path.join(root, 'node_modules', '.bin', name);
  const built = spawnSync(process.execPath, [path.join(root, 'scripts', 'build-ts.js')], { stdio: 'inherit' });
  if (built.status !== 0) {
    console.error('pack: building dist/ failed (see the TypeScript errors above)');
    process.exit(1);
  }
  const dest = fs.mkdtempSync(path.join(os.tmpdir(), 'ffikit-pack-'));
  try {
    const { tarball, files, size, unpackedSize } = pack(dest);
    console.log(
      `pack: ${path.basename(tarball)}: ${files.length} files, ${(size / 1024).toFixed(1)} KiB packed, ${(unpackedSize / 1024).toFixed(1)} KiB unpacked`,
    );
    const problems = checkFiles(files);
    if (problems.length) {
      console.error(`pack: the tarball is wrong:\n  ${problems.join('\n  ')}`);
      process.exit(1);
    }
    for (const [name, args] of [
      ['publint', ['run', tarball, '--strict']],
      ['attw', [tarball]],
    ]) {
      console.log(`$ ${name} ${args.join(' ')}`);
      const r = spawnSync(bin(name), args, { stdio: 'inherit', cwd: root });
      if (r.status !== 0) {
        console.error(`pack: ${name} reported problems`);
        process.exit(1);
      }
    }
  } finally {
    fs.rmSync(dest, { recursive: true, force: true });
  }
}

if (require.main === module) main();

module.exports = { pack, checkFiles, REQUIRED, FORBIDDEN };
