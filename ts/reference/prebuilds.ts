// Finds the reference library: explicit path, FFIKIT_LIBRARY_PATH, a matching prebuild from prebuilds/manifest.json, the local build.

import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { debug } from '../core/debug';
import { loadError } from '../core/errors';
import { detectLibc, type LibcFamily, type LibcProbes } from './libc';

// Kept for importers that predate libc.ts.
export { detectLibc, type LibcFamily, type LibcInfo, type LibcProbes } from './libc';

/** One file of `prebuilds/manifest.json`; the key is its path relative to `prebuilds/`, with `/`. */
export interface PrebuildEntry {
  /** SHA-256 of the file (hex); checked when the file is loaded. */
  readonly sha256: string;
  /** Size in bytes. */
  readonly size: number;
  /** `process.platform` it runs on. */
  readonly platform: string;
  /** `process.arch` it runs on. */
  readonly arch: string;
  /** Linux only: the C library it was linked against; `null` elsewhere. */
  readonly libc: LibcFamily | null;
  /** glibc builds: the newest `GLIBC_x.y` symbol version it needs (older systems cannot load it). */
  readonly glibc?: string;
  /** musl builds: the musl release it was built against (musl has no symbol versions; informational). */
  readonly musl?: string;
  /** macOS builds: the oldest macOS that loads it (LC_BUILD_VERSION's minos). */
  readonly macos?: string;
  /** {@link sourcesDigest} of the sources it was built from; a different digest means it is stale. */
  readonly sources?: string;
}

/** `prebuilds/manifest.json`: relative path → entry. */
export type PrebuildManifest = Record<string, PrebuildEntry>;

/** Where a candidate comes from, in resolution order. */
export type CandidateSource = 'explicit path' | 'FFIKIT_LIBRARY_PATH' | 'prebuild' | 'local build';

/** One place the reference library was (or would be) looked for. */
export interface ReferenceCandidate {
  readonly source: CandidateSource;
  /** For prebuilds the directory tag (`linux-x64`), for local builds the configuration (`Release`). */
  readonly tag?: string;
  /** Absolute path (for an explicit path: as given). */
  readonly path: string;
  /** Whether a file exists there. */
  readonly exists: boolean;
  /** Whether this is the one that loads. */
  chosen: boolean;
  /** Prebuilds: the digest the manifest records, passed to the loader so a changed file is refused. */
  readonly sha256?: string;
  /** Why it was passed over although it may exist (libc, glibc version, stale, not in the manifest). */
  readonly skipped?: string;
}

/** What {@link resolveReferenceLibrary} decided. */
export interface ResolvedReference {
  /** The path to load. */
  readonly path: string;
  /** Expected SHA-256 (prebuilds only). */
  readonly sha256?: string;
  /** Which step found it. */
  readonly source: CandidateSource;
  /** Every candidate considered, in order, up to and including the chosen one. */
  readonly tried: ReferenceCandidate[];
}

/** Overrides for {@link resolveReferenceLibrary}; each defaults to the running process. */
export interface ResolveOptions {
  /** An explicit library path: used as is (the loader resolves relative paths and bare names). */
  readonly path?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly platform?: NodeJS.Platform;
  readonly arch?: string;
  /** `null` off Linux. */
  readonly libc?: LibcFamily | null;
  /** The running glibc version (`'2.36'`), compared with a prebuild's `glibc` requirement. */
  readonly glibcVersion?: string | null;
  /** How to detect the libc when `libc` / `glibcVersion` are not given (see {@link detectLibc}). */
  readonly libcProbes?: LibcProbes;
  /** The package root holding `prebuilds/`, `build/` and `cpp/`. */
  readonly root?: string;
}

/** The package root (one level above `ts/` or `dist/`). */
export const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');

/** The reference library's file name on `platform`. */
export function libraryFileName(platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return 'ffikit_ref.dll';
  if (platform === 'darwin') return 'libffikit_ref.dylib';
  return 'libffikit_ref.so';
}

/** prebuildify's directory tag: `<platform>-<arch>`, plus `-musl` on musl systems. */
export function prebuildTag(platform: string, arch: string, libc: LibcFamily | null): string {
  return `${platform}-${arch}${libc === 'musl' ? '-musl' : ''}`;
}

const sourcesCache = new Map<string, string | undefined>();
// What the native build reads: C/C++ sources and headers, the linker version script, CMake files.
const SOURCE_FILE = /\.(?:c|cc|cpp|cxx|h|hh|hpp|hxx|inl|ipp|map|def|cmake|txt)$/i;

/**
 * A digest of the sources a prebuild is built from (the C/C++ and build files under `cpp/` and
 * `cmake/`, and `CMakeLists.txt`; line endings normalised), recorded in the manifest so a prebuild that no longer matches its sources is not used.
 * `undefined` when the sources are not there.
 */
export function sourcesDigest(root: string = PACKAGE_ROOT): string | undefined {
  if (sourcesCache.has(root)) return sourcesCache.get(root);
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      // Dotfiles (editor swap files, .DS_Store) never reach the npm tarball, so they must not count.
      if (entry.name.startsWith('.')) continue;
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && SOURCE_FILE.test(entry.name)) files.push(full);
    }
  };
  let digest: string | undefined;
  try {
    walk(path.join(root, 'cpp'));
    // CMake modules that CMakeLists.txt includes (sanitizer options and the like) shape the build too.
    if (fs.existsSync(path.join(root, 'cmake'))) walk(path.join(root, 'cmake'));
    files.push(path.join(root, 'CMakeLists.txt'));
    const hash = createHash('sha256');
    for (const file of files.map((f) => path.relative(root, f).split(path.sep).join('/')).sort()) {
      hash.update(`${file}\0`);
      hash.update(fs.readFileSync(path.join(root, file), 'latin1').replace(/\r\n/g, '\n'), 'latin1');
      hash.update('\0');
    }
    digest = hash.digest('hex');
  } catch {
    digest = undefined;
  }
  sourcesCache.set(root, digest);
  return digest;
}

/**
 * Reads `manifest.json` from the prebuilds directory (`<root>/prebuilds` unless `dir` names another);
 * `undefined` when it is missing, plus why it could not be used.
 */
export function readManifest(root: string = PACKAGE_ROOT, dir?: string): { manifest?: PrebuildManifest; problem?: string } {
  const file = path.join(dir ?? path.join(root, 'prebuilds'), 'manifest.json');
  const name = dir === undefined ? 'prebuilds/manifest.json' : file;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return { problem: `${name} is missing` };
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    return { manifest: parsed as PrebuildManifest };
  } catch (err) {
    return { problem: `${name} is not valid (${(err as Error).message})` };
  }
}

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

interface Context {
  readonly env: NodeJS.ProcessEnv;
  readonly platform: NodeJS.Platform;
  readonly arch: string;
  readonly libc: LibcFamily | null;
  readonly glibcVersion: string | null;
  readonly root: string;
  /** FFIKIT_PREBUILDS_DIR when set (absolute), else undefined for `<root>/prebuilds`. */
  readonly prebuilds?: string;
  /** Why FFIKIT_PREBUILDS_DIR was not used. */
  readonly prebuildsProblem?: string;
  readonly file: string;
}

function context(options: ResolveOptions): Context {
  const platform = options.platform ?? process.platform;
  const detected =
    options.libc === undefined || options.glibcVersion === undefined
      ? detectLibc(options.libcProbes ?? (options.platform !== undefined ? { platform } : undefined))
      : undefined;
  const env = options.env ?? process.env;
  const prebuilds = env.FFIKIT_PREBUILDS_DIR;
  const libc = options.libc !== undefined ? options.libc : (detected?.family ?? null);
  return {
    env,
    platform,
    arch: options.arch ?? process.arch,
    libc,
    glibcVersion: options.glibcVersion !== undefined ? options.glibcVersion : libc === 'glibc' ? (detected?.glibc ?? null) : null,
    root: options.root ?? PACKAGE_ROOT,
    ...(prebuilds
      ? path.isAbsolute(prebuilds)
        ? { prebuilds }
        : { prebuildsProblem: `FFIKIT_PREBUILDS_DIR must be an absolute path, got '${prebuilds}'` }
      : {}),
    file: libraryFileName(platform),
  };
}

/**
 * The prebuild candidates for this platform, following node-gyp-build's matching rules where they
 * fit: platform and arch must match; a libc tag must match the running libc (an untagged file
 * matches any); files in the exact `<platform>-<arch>[-musl]` directory come first. Only files the
 * manifest lists are used, because the manifest's digest is what makes loading them safe.
 */
function prebuildCandidates(ctx: Context): ReferenceCandidate[] {
  const tag = prebuildTag(ctx.platform, ctx.arch, ctx.libc);
  const dir = ctx.prebuilds ?? path.join(ctx.root, 'prebuilds');
  const expected = path.join(dir, tag, ctx.file);
  if (ctx.prebuildsProblem !== undefined) {
    return [{ source: 'prebuild', tag, path: expected, exists: false, chosen: false, skipped: ctx.prebuildsProblem }];
  }
  const { manifest, problem } = readManifest(ctx.root, ctx.prebuilds);
  if (!manifest) {
    return [{ source: 'prebuild', tag, path: expected, exists: isFile(expected), chosen: false, skipped: problem ?? 'no manifest' }];
  }
  const out: ReferenceCandidate[] = [];
  const entries = Object.entries(manifest)
    .filter(([key, e]) => e.platform === ctx.platform && e.arch === ctx.arch && path.posix.basename(key) === ctx.file)
    .sort(([a], [b]) => Number(path.posix.dirname(b) === tag) - Number(path.posix.dirname(a) === tag) || a.localeCompare(b));
  const digest = entries.some(([, e]) => e.sources !== undefined) ? sourcesDigest(ctx.root) : undefined;
  for (const [key, entry] of entries) {
    const file = path.join(dir, ...key.split('/'));
    const exists = isFile(file);
    const entryTag = path.posix.dirname(key);
    let skipped: string | undefined;
    if (ctx.platform === 'linux' && entry.libc !== null && entry.libc !== undefined && entry.libc !== ctx.libc) {
      skipped = `built for ${entry.libc}, this system uses ${ctx.libc ?? 'an unknown libc'}`;
    } else if (entry.libc === 'glibc' && entry.glibc && ctx.glibcVersion && compareVersions(ctx.glibcVersion, entry.glibc) < 0) {
      skipped = `needs glibc ${entry.glibc} or newer, this system has ${ctx.glibcVersion}`;
    } else if (!exists) {
      skipped = `listed in ${ctx.prebuilds === undefined ? 'prebuilds/manifest.json' : path.join(dir, 'manifest.json')} but the file is missing`;
    } else if (entry.sources !== undefined && digest !== undefined && entry.sources !== digest) {
      skipped = 'stale: built from other sources than the C++/CMake files next to it (in a checkout, `npm run prebuilds` refreshes it)';
    }
    out.push({
      source: 'prebuild',
      tag: entryTag,
      path: file,
      exists,
      chosen: false,
      sha256: entry.sha256,
      ...(skipped ? { skipped } : {}),
    });
  }
  if (!entries.some(([key]) => path.posix.dirname(key) === tag)) {
    const exists = isFile(expected);
    out.push({
      source: 'prebuild',
      tag,
      path: expected,
      exists,
      chosen: false,
      skipped: exists ? 'not listed in prebuilds/manifest.json (its digest cannot be checked)' : `no prebuild for ${tag}`,
    });
  }
  return out;
}

function collect(ctx: Context, explicit: string | undefined): ReferenceCandidate[] {
  if (explicit !== undefined) {
    return [{ source: 'explicit path', path: explicit, exists: isFile(path.resolve(explicit)), chosen: false }];
  }
  const list: ReferenceCandidate[] = [];
  const fromEnv = ctx.env.FFIKIT_LIBRARY_PATH;
  if (fromEnv !== undefined && fromEnv !== '') {
    const absolute = path.isAbsolute(fromEnv);
    list.push({
      source: 'FFIKIT_LIBRARY_PATH',
      path: fromEnv,
      exists: absolute && isFile(fromEnv),
      chosen: false,
      ...(absolute ? {} : { skipped: 'must be an absolute path' }),
    });
  }
  list.push(...prebuildCandidates(ctx));
  for (const config of ['Release', 'Debug']) {
    const file = path.join(ctx.root, 'build', config, ctx.file);
    list.push({ source: 'local build', tag: config, path: file, exists: isFile(file), chosen: false });
  }
  return list;
}

/**
 * Every place the reference library is looked for, in resolution order, each with whether it exists,
 * whether it is the one that would load, and why it was passed over. Never throws (what `doctor` shows).
 */
export function referenceCandidates(options: ResolveOptions = {}): ReferenceCandidate[] {
  const ctx = context(options);
  const list = collect(ctx, options.path);
  const env = list.find((c) => c.source === 'FFIKIT_LIBRARY_PATH');
  const hit = env ?? list.find((c) => c.skipped === undefined && c.exists);
  if (hit && hit.skipped === undefined && hit.exists) hit.chosen = true;
  return list;
}

function describe(c: ReferenceCandidate): string {
  const name = c.tag ? `${c.source} ${c.tag}` : c.source;
  const state = c.skipped ?? (c.exists ? 'found' : 'not found');
  return `- ${name}: ${c.path} (${state})`;
}

/**
 * Decides which reference library to load, in order: an explicit path, `FFIKIT_LIBRARY_PATH`
 * (absolute paths only; set but missing is an error, not a reason to look elsewhere), the prebuild
 * for this platform, arch and libc listed in `prebuilds/manifest.json` (its SHA-256 comes along and
 * is checked at load; `FFIKIT_PREBUILDS_DIR`, an absolute path, names another prebuilds directory,
 * as a bundled app needs), then the local build (`build/Release`, `build/Debug`).
 * @throws {LibraryLoadError} reason `'not-found'` listing everything tried when nothing fits.
 */
export function resolveReferenceLibrary(options: ResolveOptions = {}): ResolvedReference {
  const ctx = context(options);
  const list = collect(ctx, options.path);
  const tried: ReferenceCandidate[] = [];
  const solutions = [
    `Build it from the shipped sources: npx ffikit build (runs cmake-js; needs cmake and a C++17 compiler).`,
    'Or pass { path } to ffikit.reference(), or set FFIKIT_LIBRARY_PATH to the absolute path of a build.',
  ];
  for (const c of list) {
    tried.push(c);
    if (c.source === 'explicit path') {
      c.chosen = true;
      return { path: c.path, source: c.source, tried };
    }
    if (c.source === 'FFIKIT_LIBRARY_PATH') {
      if (c.skipped !== undefined || !c.exists) {
        throw loadError(
          'not-found',
          c.path,
          `Cannot load ${c.path}: FFIKIT_LIBRARY_PATH ${c.skipped ?? 'names a file that does not exist'}.`,
          ['Set it to the absolute path of libffikit_ref, or unset it.'],
        );
      }
      c.chosen = true;
      return { path: c.path, source: c.source, tried };
    }
    if (c.skipped === undefined && c.exists) {
      c.chosen = true;
      debug('reference library: %s %s (%s)', c.source, c.tag ?? '', c.path);
      return { path: c.path, ...(c.sha256 !== undefined ? { sha256: c.sha256 } : {}), source: c.source, tried };
    }
  }
  const tag = prebuildTag(ctx.platform, ctx.arch, ctx.libc);
  const { manifest } = ctx.prebuildsProblem === undefined ? readManifest(ctx.root, ctx.prebuilds) : {};
  const shipped = Object.keys(manifest ?? {}).map((k) => path.posix.dirname(k));
  if (!manifest) {
    solutions.push(
      "In a bundled app (esbuild, webpack): copy ffikit's prebuilds/ next to the bundle and set FFIKIT_PREBUILDS_DIR to its absolute path.",
    );
  }
  const last = tried[tried.length - 1];
  throw loadError(
    'not-found',
    last?.path ?? ctx.file,
    `Cannot load the ffikit reference library: no usable build for ${tag} was found` +
      `${shipped.length ? ` (prebuilds shipped: ${[...new Set(shipped)].join(', ')})` : ''}.\nTried:\n${tried.map(describe).join('\n')}`,
    solutions,
  );
}
