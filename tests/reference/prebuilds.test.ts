// Reference-library resolution: explicit path, FFIKIT_LIBRARY_PATH, prebuilds by platform/arch/libc with the manifest digest, local build.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as ffikit from '../../ts/index';
import { detectLibc, type LibcProbes } from '../../ts/reference/libc';
import {
  prebuildTag,
  readManifest,
  referenceCandidates,
  resolveReferenceLibrary,
  sourcesDigest,
  type PrebuildManifest,
  type ResolveOptions,
} from '../../ts/reference/prebuilds';
import { doctorReport } from '../../ts/cli/doctor';
import { inspectLibrary } from '../../ts/cli/inspect';
import { ROOT } from '../helpers/child';
import { freshPrebuild } from '../helpers/prebuilds';

/** The functions ffikit_ref.h declares with FFIKIT_API: what every prebuild must export. */
const HEADER_FUNCTIONS = [
  ...fs.readFileSync(path.join(ROOT, 'cpp/include/ffikit_ref.h'), 'utf8').matchAll(/^FFIKIT_API\s[^(]*?\b(\w+)\s*\(/gm),
].map((m) => m[1] as string);

const REAL = ffikit.reference();
const REAL_PATH = REAL.path;
REAL.close();
const REAL_SHA = createHash('sha256').update(fs.readFileSync(REAL_PATH)).digest('hex');

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ffikit-prebuilds-'));
});
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Writes a file (parents created) and returns its absolute path. */
function put(rel: string, content: string | Buffer = 'x'): string {
  const file = path.join(tmp, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}

function manifest(entries: PrebuildManifest): void {
  put('prebuilds/manifest.json', JSON.stringify(entries));
}

function entry(platform: string, arch: string, libc: 'glibc' | 'musl' | null, extra: Record<string, string> = {}) {
  return { sha256: 'ab'.repeat(32), size: 1, platform, arch, libc, ...extra };
}

const linuxGlibc = (extra: Partial<ResolveOptions> = {}): ResolveOptions => ({
  root: tmp,
  env: {},
  platform: 'linux',
  arch: 'x64',
  libc: 'glibc',
  glibcVersion: '2.36',
  ...extra,
});

function thrown(fn: () => unknown): ffikit.LibraryLoadError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ffikit.LibraryLoadError);
    return err as ffikit.LibraryLoadError;
  }
  throw new Error('expected a LibraryLoadError');
}

describe('resolution order', () => {
  it('1. an explicit path wins and is used as given (the loader resolves it)', () => {
    put('build/Release/libffikit_ref.so');
    const r = resolveReferenceLibrary({ ...linuxGlibc(), path: './mine.so' });
    expect(r).toMatchObject({ path: './mine.so', source: 'explicit path' });
    expect(r.tried).toHaveLength(1);
    expect(r.sha256).toBeUndefined();
  });

  it('2. FFIKIT_LIBRARY_PATH (absolute) comes before prebuilds and local builds', () => {
    manifest({ 'linux-x64/libffikit_ref.so': entry('linux', 'x64', 'glibc') });
    put('prebuilds/linux-x64/libffikit_ref.so');
    put('build/Release/libffikit_ref.so');
    const mine = put('elsewhere/libffikit_ref.so');
    const r = resolveReferenceLibrary(linuxGlibc({ env: { FFIKIT_LIBRARY_PATH: mine } }));
    expect(r).toMatchObject({ path: mine, source: 'FFIKIT_LIBRARY_PATH' });
  });

  it('2. FFIKIT_LIBRARY_PATH must be absolute, and set-but-missing is an error rather than a silent fallback', () => {
    put('build/Release/libffikit_ref.so');
    const relative = thrown(() => resolveReferenceLibrary(linuxGlibc({ env: { FFIKIT_LIBRARY_PATH: 'build/x.so' } })));
    expect(relative.reason).toBe('not-found');
    expect(relative.message).toContain('must be an absolute path');
    const missing = thrown(() => resolveReferenceLibrary(linuxGlibc({ env: { FFIKIT_LIBRARY_PATH: path.join(tmp, 'nope.so') } })));
    expect(missing.message).toContain('FFIKIT_LIBRARY_PATH names a file that does not exist');
    expect(missing.path).toBe(path.join(tmp, 'nope.so'));
  });

  it('3. a matching prebuild listed in the manifest comes before the local build, with its digest', () => {
    manifest({ 'linux-x64/libffikit_ref.so': entry('linux', 'x64', 'glibc') });
    const prebuild = put('prebuilds/linux-x64/libffikit_ref.so');
    put('build/Release/libffikit_ref.so');
    const r = resolveReferenceLibrary(linuxGlibc());
    expect(r).toMatchObject({ path: prebuild, source: 'prebuild', sha256: 'ab'.repeat(32) });
    expect(r.tried.map((c) => c.source)).toEqual(['prebuild']);
  });

  it('4. the local build (Release, then Debug) when no prebuild fits', () => {
    const debug = put('build/Debug/libffikit_ref.so');
    let r = resolveReferenceLibrary(linuxGlibc());
    expect(r).toMatchObject({ path: debug, source: 'local build' });
    const release = put('build/Release/libffikit_ref.so');
    r = resolveReferenceLibrary(linuxGlibc());
    expect(r.path).toBe(release);
    expect(r.sha256).toBeUndefined();
    expect(r.tried[0]).toMatchObject({ source: 'prebuild', skipped: 'prebuilds/manifest.json is missing' });
  });

  it('referenceCandidates() lists every step with exists/chosen, and never throws', () => {
    manifest({ 'linux-x64/libffikit_ref.so': entry('linux', 'x64', 'glibc') });
    put('prebuilds/linux-x64/libffikit_ref.so');
    put('build/Release/libffikit_ref.so');
    const list = referenceCandidates(linuxGlibc({ env: { FFIKIT_LIBRARY_PATH: 'relative.so' } }));
    expect(list.map((c) => [c.source, c.tag, c.exists, c.chosen])).toEqual([
      ['FFIKIT_LIBRARY_PATH', undefined, false, false],
      ['prebuild', 'linux-x64', true, false],
      ['local build', 'Release', true, false],
      ['local build', 'Debug', false, false],
    ]);
    expect(
      referenceCandidates(linuxGlibc())
        .filter((c) => c.chosen)
        .map((c) => c.source),
    ).toEqual(['prebuild']);
  });
});

describe('prebuild matching (platform, arch, libc tag, glibc version, freshness)', () => {
  it('takes the -musl directory on musl and passes over glibc-tagged files', () => {
    manifest({
      'linux-x64/libffikit_ref.so': entry('linux', 'x64', 'glibc'),
      'linux-x64-musl/libffikit_ref.so': entry('linux', 'x64', 'musl'),
    });
    put('prebuilds/linux-x64/libffikit_ref.so');
    const musl = put('prebuilds/linux-x64-musl/libffikit_ref.so');
    const r = resolveReferenceLibrary(linuxGlibc({ libc: 'musl', glibcVersion: null }));
    expect(r.path).toBe(musl);
    const all = referenceCandidates(linuxGlibc({ libc: 'musl', glibcVersion: null }));
    expect(all.find((c) => c.tag === 'linux-x64')?.skipped).toBe('built for glibc, this system uses musl');
    // ...and on glibc the musl build is never taken.
    expect(resolveReferenceLibrary(linuxGlibc()).path).toBe(path.join(tmp, 'prebuilds/linux-x64/libffikit_ref.so'));
  });

  it('a glibc system with only a musl prebuild falls through to the local build', () => {
    manifest({ 'linux-x64-musl/libffikit_ref.so': entry('linux', 'x64', 'musl') });
    put('prebuilds/linux-x64-musl/libffikit_ref.so');
    const local = put('build/Release/libffikit_ref.so');
    const r = resolveReferenceLibrary(linuxGlibc());
    expect(r.path).toBe(local);
    expect(r.tried.find((c) => c.tag === 'linux-x64-musl')?.skipped).toBe('built for musl, this system uses glibc');
  });

  it('skips a prebuild that needs a newer glibc than the running one', () => {
    manifest({ 'linux-x64/libffikit_ref.so': entry('linux', 'x64', 'glibc', { glibc: '2.34' }) });
    put('prebuilds/linux-x64/libffikit_ref.so');
    const local = put('build/Release/libffikit_ref.so');
    expect(resolveReferenceLibrary(linuxGlibc({ glibcVersion: '2.34' })).source).toBe('prebuild');
    const r = resolveReferenceLibrary(linuxGlibc({ glibcVersion: '2.31' }));
    expect(r.path).toBe(local);
    expect(r.tried[0]?.skipped).toBe('needs glibc 2.34 or newer, this system has 2.31');
  });

  it('ignores other platforms and architectures, and picks win32 DLLs on win32 (no libc tag)', () => {
    manifest({
      'linux-arm64/libffikit_ref.so': entry('linux', 'arm64', 'glibc'),
      'win32-x64/ffikit_ref.dll': entry('win32', 'x64', null),
    });
    put('prebuilds/linux-arm64/libffikit_ref.so');
    const dll = put('prebuilds/win32-x64/ffikit_ref.dll');
    expect(thrown(() => resolveReferenceLibrary(linuxGlibc())).message).toContain('prebuilds shipped: linux-arm64, win32-x64');
    const win = resolveReferenceLibrary({ root: tmp, env: {}, platform: 'win32', arch: 'x64', libc: null, glibcVersion: null });
    expect(win).toMatchObject({ path: dll, source: 'prebuild' });
    expect(resolveReferenceLibrary(linuxGlibc({ arch: 'arm64' })).path).toBe(path.join(tmp, 'prebuilds/linux-arm64/libffikit_ref.so'));
  });

  it('uses only files the manifest lists, and says so for one it does not', () => {
    manifest({});
    put('prebuilds/linux-x64/libffikit_ref.so');
    const local = put('build/Release/libffikit_ref.so');
    const r = resolveReferenceLibrary(linuxGlibc());
    expect(r.path).toBe(local);
    expect(r.tried[0]?.skipped).toBe('not listed in prebuilds/manifest.json (its digest cannot be checked)');
  });

  it('skips a stale prebuild (built from other sources than the cpp/ next to it)', () => {
    put('CMakeLists.txt', 'project(x)');
    put('cpp/src/a.cpp', 'int a;');
    const digest = sourcesDigest(tmp);
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    manifest({ 'linux-x64/libffikit_ref.so': entry('linux', 'x64', 'glibc', { sources: digest as string }) });
    put('prebuilds/linux-x64/libffikit_ref.so');
    const local = put('build/Release/libffikit_ref.so');
    expect(resolveReferenceLibrary(linuxGlibc()).source).toBe('prebuild');
    manifest({ 'linux-x64/libffikit_ref.so': entry('linux', 'x64', 'glibc', { sources: 'cd'.repeat(32) }) });
    const r = resolveReferenceLibrary(linuxGlibc());
    expect(r.path).toBe(local);
    expect(r.tried[0]?.skipped).toMatch(/^stale/);
  });

  it('reports a listed-but-missing file and an unreadable manifest', () => {
    manifest({ 'linux-x64/libffikit_ref.so': entry('linux', 'x64', 'glibc') });
    expect(referenceCandidates(linuxGlibc())[0]?.skipped).toBe('listed in prebuilds/manifest.json but the file is missing');
    put('prebuilds/manifest.json', '{ nope');
    expect(readManifest(tmp).problem).toMatch(/^prebuilds\/manifest.json is not valid/);
    expect(referenceCandidates(linuxGlibc())[0]?.skipped).toMatch(/not valid/);
  });

  it('tags: prebuildify directory names and the running libc', () => {
    expect(prebuildTag('linux', 'x64', 'glibc')).toBe('linux-x64');
    expect(prebuildTag('linux', 'arm64', 'musl')).toBe('linux-arm64-musl');
    expect(prebuildTag('win32', 'x64', null)).toBe('win32-x64');
    const libc = detectLibc();
    if (process.platform === 'linux') {
      expect(['glibc', 'musl']).toContain(libc.family);
      if (libc.family === 'glibc') expect(libc.glibc).toMatch(/^\d+\.\d+/);
      expect(libc.source).toMatch(/ELF interpreter|process\.report/);
    } else {
      expect(libc).toMatchObject({ family: null, glibc: null });
    }
  });
});

describe('libc detection (injectable probes)', () => {
  const probes = (interpreter: string | undefined, glibc: string | undefined): LibcProbes => ({
    platform: 'linux',
    interpreter: () => interpreter,
    glibcVersionRuntime: () => glibc,
  });

  it('an ld-musl-* interpreter means musl, whatever the report says', () => {
    expect(detectLibc(probes('/lib/ld-musl-x86_64.so.1', undefined))).toEqual({
      family: 'musl',
      glibc: null,
      source: "the Node binary's ELF interpreter is /lib/ld-musl-x86_64.so.1",
    });
    expect(detectLibc(probes('/lib/ld-musl-aarch64.so.1', '2.36')).family).toBe('musl');
  });

  it('glibc: the version from process.report, the interpreter named when known', () => {
    expect(detectLibc(probes('/lib64/ld-linux-x86-64.so.2', '2.28'))).toEqual({
      family: 'glibc',
      glibc: '2.28',
      source: "the Node binary's ELF interpreter is /lib64/ld-linux-x86-64.so.2; process.report names glibc 2.28",
    });
    // No report (or one without the header field): still glibc by the interpreter, version unknown.
    expect(detectLibc(probes('/lib/ld-linux-aarch64.so.1', undefined))).toMatchObject({ family: 'glibc', glibc: null });
    // An unreadable Node binary: the report alone decides.
    const unreadable: LibcProbes = {
      platform: 'linux',
      interpreter: () => {
        throw new Error('EACCES');
      },
      glibcVersionRuntime: () => '2.31',
    };
    expect(detectLibc(unreadable)).toEqual({ family: 'glibc', glibc: '2.31', source: 'process.report names glibc 2.31' });
  });

  it('a static Node binary (no interpreter) without a glibc version is musl; other platforms have no libc tag', () => {
    expect(detectLibc(probes(undefined, undefined))).toMatchObject({ family: 'musl', glibc: null });
    expect(detectLibc({ platform: 'darwin' })).toEqual({ family: null, glibc: null, source: 'not Linux (darwin)' });
    expect(detectLibc({ platform: 'win32' }).family).toBeNull();
  });

  it('the resolver follows the probes: musl picks the -musl prebuild, glibc the other', () => {
    manifest({
      'linux-x64/libffikit_ref.so': entry('linux', 'x64', 'glibc', { glibc: '2.28' }),
      'linux-x64-musl/libffikit_ref.so': entry('linux', 'x64', 'musl', { musl: '1.2.3' }),
    });
    const glibc = put('prebuilds/linux-x64/libffikit_ref.so');
    const musl = put('prebuilds/linux-x64-musl/libffikit_ref.so');
    const base = { root: tmp, env: {}, platform: 'linux' as const, arch: 'x64' };
    expect(resolveReferenceLibrary({ ...base, libcProbes: probes('/lib/ld-musl-x86_64.so.1', undefined) }).path).toBe(musl);
    expect(resolveReferenceLibrary({ ...base, libcProbes: probes('/lib64/ld-linux-x86-64.so.2', '2.28') }).path).toBe(glibc);
    // glibc 2.27 is older than the prebuild's baseline: passed over, and nothing else fits.
    const old = referenceCandidates({ ...base, libcProbes: probes('/lib64/ld-linux-x86-64.so.2', '2.27') });
    expect(old.find((c) => c.tag === 'linux-x64')?.skipped).toBe('needs glibc 2.28 or newer, this system has 2.27');
    expect(old.find((c) => c.tag === 'linux-x64-musl')?.skipped).toBe('built for musl, this system uses glibc');
  });

  it('ffikit doctor reports the detected libc, its source, and the candidates for it', () => {
    const musl = doctorReport({ libcProbes: probes('/lib/ld-musl-x86_64.so.1', undefined) });
    expect(musl.platform).toMatchObject({
      libc: 'musl',
      glibc: null,
      tag: `linux-${process.arch}-musl`,
      libcSource: "the Node binary's ELF interpreter is /lib/ld-musl-x86_64.so.1",
    });
    const glibcCandidate = musl.candidates.find((c) => c.tag === `linux-${process.arch}`);
    if (glibcCandidate) expect(glibcCandidate.skipped).toBe('built for glibc, this system uses musl');
    const glibc = doctorReport({ libcProbes: probes('/lib64/ld-linux-x86-64.so.2', '2.36') });
    expect(glibc.platform).toMatchObject({ libc: 'glibc', glibc: '2.36', tag: `linux-${process.arch}` });
    expect(glibc.candidates.find((c) => c.tag === `linux-${process.arch}-musl`)?.skipped ?? 'absent').toMatch(
      /^(built for musl, this system uses glibc|absent)$/,
    );
  });
});

describe('FFIKIT_PREBUILDS_DIR (prebuilds next to a bundle)', () => {
  it('names the prebuilds directory to use instead of the package one', () => {
    manifest({ 'linux-x64/libffikit_ref.so': entry('linux', 'x64', 'glibc') });
    put('prebuilds/linux-x64/libffikit_ref.so');
    const bundled = put('app/prebuilds/linux-x64/libffikit_ref.so');
    put('app/prebuilds/manifest.json', JSON.stringify({ 'linux-x64/libffikit_ref.so': entry('linux', 'x64', 'glibc') }));
    const r = resolveReferenceLibrary(linuxGlibc({ env: { FFIKIT_PREBUILDS_DIR: path.join(tmp, 'app/prebuilds') } }));
    expect(r).toMatchObject({ path: bundled, source: 'prebuild', sha256: 'ab'.repeat(32) });
  });

  it('must be absolute; a directory without a manifest says which file is missing and how a bundle gets one', () => {
    put('build/Release/libffikit_ref.so');
    const relative = referenceCandidates(linuxGlibc({ env: { FFIKIT_PREBUILDS_DIR: 'app/prebuilds' } }));
    expect(relative[0]?.skipped).toBe("FFIKIT_PREBUILDS_DIR must be an absolute path, got 'app/prebuilds'");
    const dir = path.join(tmp, 'empty');
    const none = referenceCandidates(linuxGlibc({ env: { FFIKIT_PREBUILDS_DIR: dir } }));
    expect(none[0]?.skipped).toBe(`${path.join(dir, 'manifest.json')} is missing`);
    fs.rmSync(path.join(tmp, 'build'), { recursive: true });
    const err = thrown(() => resolveReferenceLibrary(linuxGlibc({ env: { FFIKIT_PREBUILDS_DIR: dir } })));
    expect(err.message).toContain('set FFIKIT_PREBUILDS_DIR to its absolute path');
  });
});

describe('nothing found', () => {
  it('throws one LibraryLoadError listing everything tried and how to build it', () => {
    manifest({});
    const err = thrown(() => resolveReferenceLibrary(linuxGlibc()));
    expect(err.reason).toBe('not-found');
    expect(err.code).toBe('ERR_FFIKIT_LIBRARY_LOAD');
    expect(err.message).toContain('no usable build for linux-x64 was found');
    expect(err.message).toContain('Tried:');
    for (const p of ['prebuilds/linux-x64/libffikit_ref.so', 'build/Release/libffikit_ref.so', 'build/Debug/libffikit_ref.so']) {
      expect(err.message).toContain(path.join(tmp, p));
    }
    expect(err.message).toContain('Possible solutions:');
    expect(err.message).toContain('npx ffikit build');
  });
});

/**
 * A copy of the package (ts/ and a node_modules link) in a temp directory, so that `ffikit.reference()`
 * resolves against a prebuilds/ the test controls, end to end in a child process.
 */
function packageCopy(): string {
  const pkg = path.join(tmp, 'pkg');
  fs.cpSync(path.join(ROOT, 'ts'), path.join(pkg, 'ts'), { recursive: true });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(pkg, 'node_modules'), 'dir');
  return pkg;
}

function referenceIn(pkg: string, env: NodeJS.ProcessEnv = {}): { stdout: string; stderr: string; status: number | null } {
  const code = `const f = require(${JSON.stringify(path.join(pkg, 'ts', 'index'))});
    try { const r = f.reference(); console.log(JSON.stringify({ ok: r.path })); r.close(); }
    catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, reason: e.reason, message: e.message })); }`;
  const env2: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete env2.FFIKIT_LIBRARY_PATH;
  const r = spawnSync(process.execPath, ['-r', 'tsx/cjs', '-e', code], { cwd: ROOT, encoding: 'utf8', env: env2, timeout: 30000 });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

describe('ffikit.reference() end to end', () => {
  const tag = prebuildTag(process.platform, process.arch, detectLibc().family);
  const file = path.basename(REAL_PATH);

  it('loads the prebuild when the manifest digest matches', () => {
    const pkg = packageCopy();
    const dest = path.join(pkg, 'prebuilds', tag, file);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.copyFileSync(REAL_PATH, dest);
    fs.writeFileSync(
      path.join(pkg, 'prebuilds', 'manifest.json'),
      JSON.stringify({
        [`${tag}/${file}`]: { sha256: REAL_SHA, size: 1, platform: process.platform, arch: process.arch, libc: detectLibc().family },
      }),
    );
    const r = referenceIn(pkg);
    expect(JSON.parse(r.stdout)).toEqual({ ok: fs.realpathSync(dest) });
  });

  it("refuses a prebuild whose SHA-256 differs from the manifest: LibraryLoadError reason 'integrity'", () => {
    const pkg = packageCopy();
    const dest = path.join(pkg, 'prebuilds', tag, file);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.copyFileSync(REAL_PATH, dest);
    const wrong = createHash('sha256').update('something else').digest('hex');
    fs.writeFileSync(
      path.join(pkg, 'prebuilds', 'manifest.json'),
      JSON.stringify({
        [`${tag}/${file}`]: { sha256: wrong, size: 1, platform: process.platform, arch: process.arch, libc: detectLibc().family },
      }),
    );
    // A local build next to it must not be used instead: a tampered prebuild is an error, not a miss.
    fs.mkdirSync(path.join(pkg, 'build', 'Release'), { recursive: true });
    fs.copyFileSync(REAL_PATH, path.join(pkg, 'build', 'Release', file));
    const out = JSON.parse(referenceIn(pkg).stdout);
    expect(out).toMatchObject({ name: 'LibraryLoadError', code: 'ERR_FFIKIT_LIBRARY_LOAD', reason: 'integrity' });
    expect(out.message).toContain(`expected ${wrong}`);
  });

  it('with no prebuild and no build, the error lists what was tried and mentions npx ffikit build', () => {
    const pkg = packageCopy();
    const out = JSON.parse(referenceIn(pkg).stdout);
    expect(out).toMatchObject({ name: 'LibraryLoadError', reason: 'not-found' });
    expect(out.message).toContain('Tried:');
    expect(out.message).toContain(path.join(pkg, 'prebuilds', tag, file));
    expect(out.message).toContain(path.join(pkg, 'build', 'Release', file));
    expect(out.message).toContain('npx ffikit build');
  });
});

describe('the shipped prebuilds/', () => {
  it('every manifest entry matches its file, tags and directory', () => {
    const { manifest: shipped } = readManifest(ROOT);
    expect(shipped).toBeDefined();
    for (const [key, e] of Object.entries(shipped as PrebuildManifest)) {
      const file = path.join(ROOT, 'prebuilds', ...key.split('/'));
      const bytes = fs.readFileSync(file);
      expect({ key, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') }).toEqual({
        key,
        size: e.size,
        sha256: e.sha256,
      });
      expect(path.posix.dirname(key)).toBe(prebuildTag(e.platform, e.arch, e.libc));
      expect(e.size).toBeLessThan(1024 * 1024);
    }
  });

  const SHIPPED = [
    ['linux-x64/libffikit_ref.so', { format: 'elf', arch: 'x64' }, { libc: 'glibc', glibc: /^2\.(1\d|2[0-8])$/ }],
    ['linux-arm64/libffikit_ref.so', { format: 'elf', arch: 'arm64' }, { libc: 'glibc', glibc: /^2\.(1\d|2[0-8])$/ }],
    ['linux-x64-musl/libffikit_ref.so', { format: 'elf', arch: 'x64' }, { libc: 'musl', musl: /^1\.2\.\d+$/ }],
    ['linux-arm64-musl/libffikit_ref.so', { format: 'elf', arch: 'arm64' }, { libc: 'musl', musl: /^1\.2\.\d+$/ }],
    ['darwin-x64/libffikit_ref.dylib', { format: 'macho', arch: 'x64', minOs: 'macos 11.0' }, { libc: null, macos: '11.0' }],
    ['darwin-arm64/libffikit_ref.dylib', { format: 'macho', arch: 'arm64', minOs: 'macos 11.0' }, { libc: null, macos: '11.0' }],
    ['win32-x64/ffikit_ref.dll', { format: 'pe', arch: 'x64' }, { libc: null }],
  ] as const;

  it.each(SHIPPED)('%s: structure read from the file (format, CPU, exports, baseline) matches its manifest entry', (key, file, entry) => {
    const e = (readManifest(ROOT).manifest as PrebuildManifest)[key];
    expect(e).toBeDefined();
    const report = inspectLibrary(freshPrebuild(key));
    expect(report).toMatchObject(file);
    const names = new Set((report.exports ?? []).map((s) => s.name));
    for (const fn of HEADER_FUNCTIONS) expect(names.has(fn)).toBe(true);
    for (const [field, want] of Object.entries(entry)) {
      const got = (e as unknown as Record<string, unknown>)[field];
      if (want instanceof RegExp) expect(got).toMatch(want);
      else expect(got).toBe(want);
    }
    if (e?.glibc !== undefined) expect(report.glibc).toBe(e.glibc);
  });

  it('`ffikit inspect` lists a macOS dylib: install name, libSystem, minimum macOS, the API functions', () => {
    const dylib = freshPrebuild('darwin-arm64/libffikit_ref.dylib');
    const r = spawnSync(process.execPath, ['-r', 'tsx/cjs', path.join(ROOT, 'ts', 'cli.ts'), 'inspect', dylib], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 30000,
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/format\s+Mach-O 64-bit dylib, arm64/);
    expect(r.stdout).toMatch(/install name\s+@rpath\/libffikit_ref\.dylib/);
    expect(r.stdout).toMatch(/needs\s+\/usr\/lib\/libSystem\.B\.dylib\n/);
    expect(r.stdout).toMatch(/minimum OS\s+macos 11\.0/);
    expect(r.stdout).toMatch(/^\s+simd_add\s+function$/m);
    const found = spawnSync(process.execPath, ['-r', 'tsx/cjs', path.join(ROOT, 'ts', 'cli.ts'), 'inspect', dylib, '--symbol', 'simd_ad'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 30000,
    });
    expect(found.status).toBe(1);
    expect(found.stdout).toMatch(/Did you mean: simd_add\b/);
  });
});
