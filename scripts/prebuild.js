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
//   npm run prebuilds                         build for this machine and record it (on Linux: npm run cross-build
//                                             for this machine's tag, the glibc 2.28 / musl baseline build)
//   npm run prebuilds -- --add [--musl <version>] <file>...
//                                             check already-built files (cross builds) and record them in the manifest
//   npm run prebuilds -- --describe <file>... print what the structural check sees (format, exports, baselines)
//   npm run prebuilds -- --check [--strict]   verify files, sizes, digests and that this machine's prebuild is fresh;
//                                             --strict also fails on stale cross-built ones (prepublishOnly)
//
// The structural check, for every file recorded: the format and CPU its directory names, exactly the
// FFIKIT_API functions of cpp/include/ffikit_ref.h exported, only the platform's system libraries needed,
// and nothing newer than the baselines below (glibc symbol versions, macOS minimum version).
'use strict';

// The digest, tag and ELF helpers are the ones the package itself uses at load time.
require('tsx/cjs');

const { spawnSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const { detectLibc } = require('../ts/reference/libc');
const { libraryFileName, prebuildTag, readManifest, sourcesDigest } = require('../ts/reference/prebuilds');
const { archMatches, expectedFormat, readBinaryHeader } = require('../ts/native/binfmt/binary-header');
const { readMachO } = require('../ts/native/binfmt/macho-symbols');
const { inspectLibrary } = require('../ts/cli/inspect');

const root = path.resolve(__dirname, '..');
const prebuilds = path.join(root, 'prebuilds');
const manifestFile = path.join(prebuilds, 'manifest.json');

/** The oldest systems the prebuilds promise to load on (README, "Platforms"). */
const BASELINE = { glibc: '2.28', macos: '11.0' };
/** What a prebuild may need at run time: the C library and the OS, nothing else (libc++ is linked in). */
const SYSTEM_LIBRARIES = {
  glibc: /^(libc\.so\.6|libm\.so\.6|libpthread\.so\.0|libdl\.so\.2|librt\.so\.1|ld-linux-[\w.-]+\.so\.\d)$/,
  musl: /^libc\.so$/,
  darwin: /^\/usr\/lib\/libSystem\.B\.dylib$/,
  win32: /^(kernel32|msvcrt|advapi32|ntdll|ucrtbase|api-ms-win-[\w-]+)\.dll$/i,
};
/**
 * What the statically linked runtime exports from a zig-built dylib: C++ names (libc++, libc++abi),
 * `__`-prefixed helpers and the memory and math functions of compiler-rt, the unwinder's entry points.
 */
const MACHO_RUNTIME_EXPORT =
  /^(_Z|__|_Unwind_|unw_|abort_message$|bcmp$|mem(cmp|cpy|move|set)$|(ceil|cos|exp2?|fabs|floor|fma|fmax|fmin|fmod|log(10|2)?|round|sin|sincos|sqrt|tan|trunc)[flq]?$)/;
const HEADER_FUNCTIONS = [
  ...fs.readFileSync(path.join(root, 'cpp/include/ffikit_ref.h'), 'utf8').matchAll(/^FFIKIT_API\s[^(]*?\b(\w+)\s*\(/gm),
].map((m) => m[1]);

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

function compareVersions(a, b) {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Tags from prebuilds/<platform>-<arch>[-musl]/<file>. */
function tagsOf(file) {
  const tag = path.basename(path.dirname(file));
  const m = /^([a-z0-9]+)-([a-z0-9]+)(-musl)?$/.exec(tag);
  if (!m || path.dirname(path.dirname(file)) !== prebuilds) die(`${file} is not in prebuilds/<platform>-<arch>[-musl]/`);
  const [, platform, arch, musl] = m;
  return { platform, arch, libc: platform === 'linux' ? (musl ? 'musl' : 'glibc') : null };
}

/**
 * The structural check of one prebuild, read from the file itself (ffikit's ELF/PE/Mach-O readers):
 * returns what it found and every problem, so that macOS binaries, which cannot run here, are still checked.
 */
function structure(file) {
  const { platform, arch, libc } = tagsOf(file);
  const problems = [];
  const header = readBinaryHeader(file);
  const format = expectedFormat(platform);
  if (!(header.format === format || (format === 'macho' && header.format === 'macho-fat')) || !archMatches(header, arch)) {
    problems.push(`it is ${header.description}, which does not run on ${platform}-${arch}`);
  }
  if (path.basename(file) !== libraryFileName(platform)) problems.push(`expected the file name ${libraryFileName(platform)}`);
  const report = inspectLibrary(file);
  const exported = new Set((report.exports ?? []).map((s) => s.name));
  const missing = HEADER_FUNCTIONS.filter((f) => !exported.has(f));
  // zig 0.11's Mach-O linker cannot limit exports (no -exported_symbols_list), so the dylibs also export
  // the statically linked C++ runtime; anything else beyond the API would be a leak from our own code.
  const extra = [...exported].filter((f) => !HEADER_FUNCTIONS.includes(f) && !(platform === 'darwin' && MACHO_RUNTIME_EXPORT.test(f)));
  if (missing.length) problems.push(`does not export ${missing.join(', ')}`);
  if (extra.length)
    problems.push(`exports more than the FFIKIT_API functions: ${extra.slice(0, 8).join(', ')}${extra.length > 8 ? ', ...' : ''}`);
  const allowed = SYSTEM_LIBRARIES[libc ?? platform];
  const foreign = allowed ? report.needed.filter((n) => !allowed.test(n)) : [];
  if (foreign.length) problems.push(`needs ${foreign.join(', ')} (only the C library and the OS may be needed)`);
  if (libc === 'glibc' && report.glibc && compareVersions(report.glibc, BASELINE.glibc) > 0) {
    problems.push(`needs glibc ${report.glibc}, newer than the ${BASELINE.glibc} baseline`);
  }
  // The name the loader records for it: a build-directory path here would leak into every dependant.
  const name = { darwin: `@rpath/${libraryFileName(platform)}` }[platform] ?? libraryFileName(platform);
  if (report.soname !== name) problems.push(`records the name ${report.soname ?? '(none)'}, expected ${name}`);
  let macos;
  if (platform === 'darwin') {
    if (arch === 'arm64' && !readMachO(file, arch).signed) problems.push('has no code signature (arm64 macOS runs only signed code)');
    const m = /^macos (\S+)$/.exec(report.minOs ?? '');
    macos = m?.[1];
    if (!macos) problems.push(`records no macOS minimum version (${report.minOs ?? 'no LC_BUILD_VERSION'})`);
    else if (compareVersions(macos, BASELINE.macos) > 0) problems.push(`needs macOS ${macos}, newer than the ${BASELINE.macos} baseline`);
  }
  return { platform, arch, libc, report, macos, problems };
}

/** The manifest entry for a file under prebuilds/<tag>/, after the structural check. */
function entryFor(file, musl) {
  const { platform, arch, libc, report, macos, problems } = structure(file);
  if (problems.length) die(`${relativeKey(file)}: ${problems.join('; ')}`);
  if (libc === 'musl' && !musl) die(`${relativeKey(file)}: pass --musl <version>, the musl release it was built against`);
  return {
    sha256: sha256(file),
    size: fs.statSync(file).size,
    platform,
    arch,
    libc,
    ...(report.glibc ? { glibc: report.glibc } : {}),
    ...(libc === 'musl' ? { musl } : {}),
    ...(macos ? { macos } : {}),
    sources: sourcesDigest(root),
  };
}

function describe(files) {
  for (const f of files) {
    const file = path.resolve(f);
    if (!fs.existsSync(file)) die(`${f} does not exist`);
    const { report, problems } = structure(file);
    console.log(`${relativeKey(file)}: ${report.description}`);
    console.log(
      `  ${report.soname ? `${report.format === 'pe' ? 'DLL name' : report.format.startsWith('macho') ? 'install name' : 'soname'} ${report.soname}; ` : ''}needs ${report.needed.join(', ') || 'nothing'}`,
    );
    if (report.glibc) console.log(`  glibc >= ${report.glibc}`);
    if (report.minOs) console.log(`  minimum OS: ${report.minOs}`);
    const api = (report.exports ?? []).filter((s) => HEADER_FUNCTIONS.includes(s.name)).length;
    const runtime = (report.exports ?? []).length - api;
    console.log(
      `  exports ${api} of the ${HEADER_FUNCTIONS.length} FFIKIT_API functions${runtime ? ` (and ${runtime} symbols of the linked-in runtime)` : ''}`,
    );
    if (problems.length) die(`${relativeKey(file)}: ${problems.join('; ')}`);
    console.log('  structure ok');
  }
}

function writeManifest(manifest) {
  const sorted = Object.fromEntries(Object.entries(manifest).sort(([a], [b]) => a.localeCompare(b)));
  fs.mkdirSync(prebuilds, { recursive: true });
  fs.writeFileSync(manifestFile, `${JSON.stringify(sorted, null, 2)}\n`);
}

function add(args) {
  let musl;
  const files = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--musl') musl = args[++i];
    else files.push(args[i]);
  }
  const { manifest = {}, problem } = readManifest(root);
  if (problem && fs.existsSync(manifestFile)) die(problem);
  for (const f of files) {
    const file = path.resolve(f);
    if (!fs.existsSync(file)) die(`${f} does not exist`);
    const entry = entryFor(file, musl);
    manifest[relativeKey(file)] = entry;
    const baseline = entry.glibc
      ? `  glibc >= ${entry.glibc}`
      : entry.musl
        ? `  musl ${entry.musl}`
        : entry.macos
          ? `  macOS >= ${entry.macos}`
          : '';
    console.log(`prebuild: ${relativeKey(file)}  ${entry.size} bytes  sha256 ${entry.sha256}${baseline}`);
  }
  writeManifest(manifest);
}

/** Strips debug and local symbols: the prebuild is committed and shipped, so it should be small. */
function strip(from, to) {
  if (process.platform === 'win32') {
    fs.copyFileSync(from, to); // MSVC keeps debug info in a separate .pdb; the DLL has none.
  } else {
    fs.copyFileSync(from, to);
    run('strip', ['-x', to]);
  }
}

function buildHost() {
  const libc = detectLibc().family;
  const tag = prebuildTag(process.platform, process.arch, libc);
  if (process.platform === 'linux') {
    // A host g++ build would need this machine's glibc and libstdc++; the shipped Linux prebuilds are
    // the zig builds against the glibc 2.28 / musl baselines, which only cross-build.sh makes.
    run('bash', [path.join(root, 'scripts', 'cross-build.sh'), tag]);
    return;
  }
  const out = path.join(root, 'build', 'prebuild', tag);
  const cmakeJs = require.resolve('cmake-js/bin/cmake-js', { paths: [root] });
  const deployment = process.platform === 'darwin' ? [`--CDCMAKE_OSX_DEPLOYMENT_TARGET=${BASELINE.macos}`] : [];
  run(process.execPath, [cmakeJs, 'compile', '--directory', root, '--out', out, ...deployment]);
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
    for (const problem of structure(file).problems) errors.push(`${key}: ${problem}`);
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
  // This machine's prebuild is what the tests load, so a stale one is always an error; the others
  // only warn by default (ffikit skips stale prebuilds at load), and fail with --strict (prepublishOnly).
  const hostTag = prebuildTag(process.platform, process.arch, detectLibc().family);
  for (const key of stale) {
    const message = `${key} was built from other sources than cpp/, cmake/ and CMakeLists.txt hold now (rebuild: npm run cross-build)`;
    if (strict || key.startsWith(`${hostTag}/`)) errors.push(message);
    else console.warn(`prebuild: warning: ${message}; ffikit skips stale prebuilds at load time`);
  }
  if (errors.length) die(`prebuilds/ does not match its manifest:\n  ${errors.join('\n  ')}`);
  console.log(`prebuild: ${Object.keys(manifest).length} prebuild(s) match prebuilds/manifest.json`);
}

const args = process.argv.slice(2);
if (args[0] === '--check') check(args.includes('--strict'));
else if (args[0] === '--add') add(args.slice(1));
else if (args[0] === '--describe') describe(args.slice(1));
else if (args.length === 0) buildHost();
else
  die(
    `unknown arguments: ${args.join(' ')} (use --add [--musl <version>] <file>..., --describe <file>..., --check [--strict], or nothing)`,
  );
