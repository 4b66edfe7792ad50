// Builds the reference library for this machine into prebuilds/<platform>-<arch>[-musl]/ and records it in prebuilds/manifest.json.
//
// Why not prebuildify: prebuildify drives node-gyp (or cmake-js) to produce a Node addon (`*.node`)
// and names it by Node ABI/N-API tags; libffikit_ref is a plain C shared library loaded through
// koffi, with no Node ABI at all, so it cannot drive it. This script keeps prebuildify's layout and
// tags instead: prebuilds/<platform>-<arch>/ per process.platform/process.arch, a `-musl` directory
// for musl libc (prebuildify's libc tag), and a manifest that records, per file, the tags the
// resolver (ts/reference/prebuilds.ts) matches on plus the SHA-256 it passes to the loader.
//
// Usage:
//   npm run prebuilds                         build for this machine, strip, copy, update the manifest
//   npm run prebuilds -- --add <file>...      record already-built files (cross builds) in the manifest
//   npm run prebuilds -- --check [--strict]   verify files, sizes, digests and that this machine's prebuild is fresh;
//                                             --strict also fails on stale cross-built ones (prepublishOnly)
'use strict';

// The digest, tag and ELF helpers are the ones the package itself uses at load time.
require('tsx/cjs');

const { spawnSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const { detectLibc, libraryFileName, prebuildTag, readManifest, sourcesDigest } = require('../ts/reference/prebuilds');
const { archMatches, expectedFormat, readBinaryHeader } = require('../ts/native/binfmt/binary-header');
const { readElfDynamic, requiredGlibc } = require('../ts/native/binfmt/elf-symbols');

const root = path.resolve(__dirname, '..');
const prebuilds = path.join(root, 'prebuilds');
const manifestFile = path.join(prebuilds, 'manifest.json');

function die(message) {
  console.error(`prebuild: ${message}`);
  process.exit(1);
}

function run(cmd, args) {
  console.log(`$ ${[cmd, ...args].join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root });
  if (r.error || r.status !== 0) die(`${path.basename(cmd)} failed (${r.error ? r.error.message : `exit code ${r.status}`})`);
}

function sha256(file) {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function relativeKey(file) {
  return path.relative(prebuilds, file).split(path.sep).join('/');
}

/** The manifest entry for a file under prebuilds/<tag>/, its tags taken from the directory name and checked against the binary. */
function entryFor(file) {
  const tag = path.basename(path.dirname(file));
  const m = /^([a-z0-9]+)-([a-z0-9]+)(-musl)?$/.exec(tag);
  if (!m || path.dirname(path.dirname(file)) !== prebuilds) die(`${file} is not in prebuilds/<platform>-<arch>[-musl]/`);
  const [, platform, arch, musl] = m;
  const header = readBinaryHeader(file);
  const format = expectedFormat(platform);
  if (!(header.format === format || (format === 'macho' && header.format === 'macho-fat')) || !archMatches(header, arch)) {
    die(`${relativeKey(file)} is ${header.description}, which does not run on ${platform}-${arch}`);
  }
  if (path.basename(file) !== libraryFileName(platform)) die(`${relativeKey(file)}: expected the file name ${libraryFileName(platform)}`);
  const libc = platform === 'linux' ? (musl ? 'musl' : 'glibc') : null;
  const glibc = libc === 'glibc' ? requiredGlibc(readElfDynamic(file)) : undefined;
  return {
    sha256: sha256(file),
    size: fs.statSync(file).size,
    platform,
    arch,
    libc,
    ...(glibc ? { glibc } : {}),
    sources: sourcesDigest(root),
  };
}

function writeManifest(manifest) {
  const sorted = Object.fromEntries(Object.entries(manifest).sort(([a], [b]) => a.localeCompare(b)));
  fs.mkdirSync(prebuilds, { recursive: true });
  fs.writeFileSync(manifestFile, `${JSON.stringify(sorted, null, 2)}\n`);
}

function add(files) {
  const { manifest = {}, problem } = readManifest(root);
  if (problem && fs.existsSync(manifestFile)) die(problem);
  for (const f of files) {
    const file = path.resolve(f);
    if (!fs.existsSync(file)) die(`${f} does not exist`);
    const entry = entryFor(file);
    manifest[relativeKey(file)] = entry;
    console.log(
      `prebuild: ${relativeKey(file)}  ${entry.size} bytes  sha256 ${entry.sha256}${entry.glibc ? `  glibc >= ${entry.glibc}` : ''}`,
    );
  }
  writeManifest(manifest);
}

/** Strips debug and local symbols: the prebuild is committed and shipped, so it should be small. */
function strip(from, to) {
  if (process.platform === 'win32') {
    fs.copyFileSync(from, to); // MSVC keeps debug info in a separate .pdb; the DLL has none.
  } else if (process.platform === 'darwin') {
    fs.copyFileSync(from, to);
    run('strip', ['-x', to]);
  } else {
    run('strip', ['--strip-unneeded', '-o', to, from]);
  }
}

function buildHost() {
  const libc = detectLibc().family;
  const tag = prebuildTag(process.platform, process.arch, libc);
  const out = path.join(root, 'build', 'prebuild', tag);
  const cmakeJs = require.resolve('cmake-js/bin/cmake-js', { paths: [root] });
  run(process.execPath, [cmakeJs, 'compile', '--directory', root, '--out', out]);
  const built = path.join(out, 'Release', libraryFileName());
  if (!fs.existsSync(built)) die(`the build did not produce ${built}`);
  const dest = path.join(prebuilds, tag, libraryFileName());
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  strip(built, dest);
  add([dest]);
}

function check(strict) {
  const { manifest, problem } = readManifest(root);
  if (!manifest) die(problem);
  const errors = [];
  const stale = [];
  const digest = sourcesDigest(root);
  for (const [key, entry] of Object.entries(manifest)) {
    const file = path.join(prebuilds, ...key.split('/'));
    if (!fs.existsSync(file)) {
      errors.push(`${key}: listed but missing`);
      continue;
    }
    const size = fs.statSync(file).size;
    if (size !== entry.size) errors.push(`${key}: ${size} bytes, the manifest says ${entry.size}`);
    else if (sha256(file) !== entry.sha256) errors.push(`${key}: SHA-256 differs from the manifest`);
    if (entry.sources !== digest) stale.push(key);
    console.log(`prebuild: ${key}  ${entry.platform}-${entry.arch}${entry.libc ? ` ${entry.libc}` : ''}  ${entry.size} bytes`);
  }
  const walk = (dir) =>
    fs
      .readdirSync(dir, { withFileTypes: true })
      .flatMap((d) => (d.isDirectory() ? walk(path.join(dir, d.name)) : [path.join(dir, d.name)]));
  for (const file of walk(prebuilds)) {
    const key = relativeKey(file);
    if (key !== 'manifest.json' && !(key in manifest))
      errors.push(`${key}: not in the manifest (run npm run prebuilds -- --add ${path.relative(root, file)})`);
  }
  // This machine's prebuild can be rebuilt anywhere in seconds, so a stale one is always an error; the
  // cross-built ones need the cross toolchains, so by default they only warn (ffikit skips them at load).
  const hostTag = prebuildTag(process.platform, process.arch, detectLibc().family);
  for (const key of stale) {
    const message = `${key} was built from other sources than cpp/, cmake/ and CMakeLists.txt hold now (rebuild: npm run ${key.startsWith(`${hostTag}/`) ? 'prebuilds' : 'cross-build'})`;
    if (strict || key.startsWith(`${hostTag}/`)) errors.push(message);
    else console.warn(`prebuild: warning: ${message}; ffikit skips stale prebuilds at load time`);
  }
  if (errors.length) die(`prebuilds/ does not match its manifest:\n  ${errors.join('\n  ')}`);
  console.log(`prebuild: ${Object.keys(manifest).length} prebuild(s) match prebuilds/manifest.json`);
}

const args = process.argv.slice(2);
if (args[0] === '--check') check(args.includes('--strict'));
else if (args[0] === '--add') add(args.slice(1));
else if (args.length === 0) buildHost();
else die(`unknown arguments: ${args.join(' ')} (use --add <file>..., --check [--strict], or nothing)`);
