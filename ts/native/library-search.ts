// Resolves a bare library name to an absolute path the way the platform loader would, recording what was tried.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { archMatches, readBinaryHeader } from './binfmt/binary-header';

/** Outcome of {@link searchLibrary}. */
export interface SearchResult {
  /** Absolute real path (symlinks resolved) of the library the loader would pick, if any. */
  found?: string;
  /**
   * Every candidate path, or source such as the ld.so cache, in the order consulted, up to and
   * including the one found. Notes explaining skipped candidates are included, for error messages.
   */
  tried: string[];
}

/** Options for {@link searchLibrary}; every field defaults to the current process. */
export interface SearchOptions {
  platform?: NodeJS.Platform;
  env?: NodeJS.ProcessEnv;
  /** Absolute paths from the ld.so cache usable by this process (Linux only). Defaults to {@link readLdCache}. */
  ldCache?: () => string[];
  /** Architecture in `process.arch` vocabulary; selects multiarch directories and filters candidates. */
  arch?: string;
}

/**
 * Looks up a library the way `dlopen`/`LoadLibrary` would for a bare file name, like Python's
 * `ctypes.CDLL('libm.so.6')`, so the caller can hand an absolute path to the loader and, on
 * failure, report every place that was searched.
 *
 * The name is used exactly as given (dlopen semantics): `'m'` is not turned into `'libm.so'`.
 * Use {@link suggestNames} for "did you mean" hints. A name containing a path separator is
 * not searched; it is resolved against the current directory, as dlopen does.
 *
 * Search order:
 * - Linux (as ld.so(8)): `LD_LIBRARY_PATH` (empty entries ignored), the ld.so cache
 *   (`ldconfig -p`, entries for this architecture only), then `/lib/<multiarch>`,
 *   `/usr/lib/<multiarch>`, `/lib64`, `/usr/lib64`, `/lib`, `/usr/lib`. Like ld.so, an ELF file
 *   built for another architecture is skipped and the search continues.
 * - Other Unix-likes: `LD_LIBRARY_PATH`, then `/lib`, `/usr/lib`, `/usr/local/lib` (best effort).
 * - macOS (as dlopen(3)): `LD_LIBRARY_PATH`, `DYLD_LIBRARY_PATH`, then
 *   `DYLD_FALLBACK_LIBRARY_PATH` or, when unset, `/usr/local/lib`, `/usr/lib`. The current
 *   directory is not searched (hijacking risk, and dyld ignores it for hardened processes).
 *   Mach-O files without a slice for this architecture are skipped, as dyld does. System dylibs
 *   live in the dyld shared cache and often do not exist on disk, so a miss adds a note to
 *   `tried` rather than meaning dlopen would fail.
 * - Windows: the System32 directory (`%SystemRoot%\System32`), then the directories of `PATH`.
 *   As `LoadLibrary` does, `.dll` is appended when the name has no extension. **The application
 *   directory and the current directory are deliberately not searched**: they are the classic
 *   DLL search-order hijacking vectors (a planted DLL next to the executable or in the working
 *   directory), so this is a security decision, not an omission.
 *
 * A candidate counts only when, after resolving symlinks, it is an existing regular file.
 * Never throws.
 */
export function searchLibrary(name: string, opts: SearchOptions = {}): SearchResult {
  const platform = opts.platform ?? process.platform;
  const env = opts.env ?? process.env;
  const arch = opts.arch ?? process.arch;
  const path = platform === 'win32' ? nodePath.win32 : nodePath.posix;
  const tried: string[] = [];

  if (name.length === 0 || name.includes('\0')) return { tried };

  if (hasSeparator(name, platform)) {
    const candidate = path.resolve(name);
    tried.push(candidate);
    const found = regularFile(candidate);
    return found === undefined ? { tried } : { found, tried };
  }

  // ld.so and dyld silently pass over binaries built for another architecture and keep looking;
  // mirror that so we never hand the loader a file it would have skipped.
  const nativeFormats: readonly string[] = platform === 'linux' ? ['elf'] : platform === 'darwin' ? ['macho', 'macho-fat'] : [];
  const tryCandidate = (candidate: string): string | undefined => {
    tried.push(candidate);
    const real = regularFile(candidate);
    if (real === undefined) return undefined;
    const reason = foreignReason(real, arch, nativeFormats);
    if (reason === undefined) return real;
    tried[tried.length - 1] = `${candidate} (skipped: ${reason})`;
    return undefined;
  };
  const tryDirs = (dirs: readonly string[]): string | undefined => {
    for (const dir of dirs) {
      const found = tryCandidate(path.join(dir, name));
      if (found !== undefined) return found;
    }
    return undefined;
  };
  const done = (found: string | undefined): SearchResult => (found === undefined ? { tried } : { found, tried });

  if (platform === 'win32') {
    return searchWindows(name, env, tried, tryCandidate);
  }

  if (platform === 'darwin') {
    const fallback = splitPathList(getEnv(env, 'DYLD_FALLBACK_LIBRARY_PATH', platform), ':');
    // dlopen(3) order; the current directory, which it would search next, is left out on purpose.
    const found = tryDirs([
      ...splitPathList(getEnv(env, 'LD_LIBRARY_PATH', platform), ':'),
      ...splitPathList(getEnv(env, 'DYLD_LIBRARY_PATH', platform), ':'),
      ...(fallback.length > 0 ? fallback : ['/usr/local/lib', '/usr/lib']),
    ]);
    if (found === undefined) {
      tried.push(
        `note: macOS system libraries live in the dyld shared cache and may be absent on disk; dlopen("/usr/lib/${name}") may still succeed`,
      );
    }
    return done(found);
  }

  // ld.so(8) also splits on ';'. Empty entries mean "current directory" to ld.so; we drop them
  // because an accidental "::" silently making the working directory a library source is a hazard.
  const ldLibraryPath = splitPathList(getEnv(env, 'LD_LIBRARY_PATH', platform), /[:;]/).map((d) => path.resolve(d));
  let found = tryDirs(ldLibraryPath);
  if (found !== undefined) return done(found);

  if (platform !== 'linux') {
    return done(tryDirs(['/lib', '/usr/lib', '/usr/local/lib']));
  }

  // DT_RPATH/DT_RUNPATH would come before the cache for ld.so, but they belong to the calling
  // object (node itself), which carries none that matter here.
  let cache: string[] | undefined;
  try {
    cache = (opts.ldCache ?? (() => readLdCache(arch)))();
  } catch {
    cache = undefined;
  }
  if (cache === undefined) {
    tried.push('ld.so.cache (ldconfig unavailable)');
  } else {
    const hits = cache.filter((p) => path.basename(p) === name);
    if (hits.length === 0) tried.push('ld.so.cache (no entry)');
    for (const hit of hits) {
      found = tryCandidate(hit);
      if (found !== undefined) return done(found);
    }
  }

  return done(tryDirs(linuxDefaultDirs(arch)));
}

/**
 * Proposes existing names a user probably meant when `name` was not found, for "did you mean"
 * hints only (never used to load). On Linux these come from the ld.so cache: for `'m'`,
 * `'libm'` or `'libm.so'` it may return `['libm.so.6']`. On macOS and Windows the proposals
 * follow naming conventions (`lib<name>.dylib`, `<name>.dll`) and are not checked for existence.
 *
 * @param platform - Usually `process.platform`.
 */
export function suggestNames(
  name: string,
  platform: NodeJS.Platform = process.platform,
  opts: { ldCache?: () => string[]; arch?: string } = {},
): string[] {
  const base = name.replace(/^.*[\\/]/, '');
  const stem = base
    .replace(/^lib/, '')
    .replace(/\.(?:so|dylib|dll)(?:\..*)?$/i, '')
    .replace(/\.(?:a|lib)$/i, '');
  if (stem.length === 0) return [];

  if (platform === 'win32') {
    return unique([`${stem}.dll`, `lib${stem}.dll`]).filter((n) => n.toLowerCase() !== base.toLowerCase());
  }
  if (platform === 'darwin') {
    return [`lib${stem}.dylib`].filter((n) => n !== base);
  }

  let cache: string[];
  try {
    cache = (opts.ldCache ?? (() => readLdCache(opts.arch ?? process.arch)))() ?? [];
  } catch {
    return [];
  }
  const wanted = new Set([`lib${stem}.so`, `${stem}.so`]);
  const names = unique(cache.map((p) => nodePath.posix.basename(p))).filter((n) => {
    if (n === base) return false;
    const unversioned = n.replace(/(\.so)(?:\.\d+)+$/, '$1');
    return wanted.has(unversioned);
  });
  // Prefer the plain ".so" link, then the newest version: that is what a user usually means.
  return names.sort((a, b) => versionKey(b).localeCompare(versionKey(a), 'en', { numeric: true }) || a.localeCompare(b));
}

/**
 * Parses `ldconfig -p` output into the library paths usable by a process of architecture `arch`.
 *
 * Lines look like `\tlibz.so.1 (libc6,x86-64) => /lib/x86_64-linux-gnu/libz.so.1`; the
 * parenthesised tags carry the ABI, and a 64-bit host's cache usually also lists 32-bit
 * libraries that must not be offered to a 64-bit process.
 */
export function parseLdconfigOutput(output: string, arch: string = process.arch): string[] {
  const result: string[] = [];
  for (const line of output.split('\n')) {
    const m = /^\s*(\S+)\s+\(([^)]*)\)\s*=>\s*(\S.*?)\s*$/.exec(line);
    if (!m) continue;
    const tags = (m[2] ?? '').split(',').map((t) => t.trim());
    const target = m[3] ?? '';
    if (target.startsWith('/') && cacheTagsMatch(tags, arch)) result.push(target);
  }
  return result;
}

/**
 * The ld.so cache entries for `arch`, read once per process via `ldconfig -p` (trying
 * `/sbin/ldconfig`, `/usr/sbin/ldconfig`, then `ldconfig` on `PATH`, 2 s timeout each).
 *
 * @returns `undefined` when no ldconfig could be run (e.g. musl-based systems).
 */
export function readLdCache(arch: string = process.arch): string[] | undefined {
  if (ldconfigOutput === undefined) ldconfigOutput = runLdconfig();
  if (ldconfigOutput === null) return undefined;
  let parsed = parsedCache.get(arch);
  if (parsed === undefined) {
    parsed = parseLdconfigOutput(ldconfigOutput, arch);
    parsedCache.set(arch, parsed);
  }
  return parsed;
}

// undefined: not run yet; null: no ldconfig available. Spawning a process per lookup would be wasteful.
let ldconfigOutput: string | null | undefined;
const parsedCache = new Map<string, string[]>();

function runLdconfig(): string | null {
  for (const cmd of ['/sbin/ldconfig', '/usr/sbin/ldconfig', 'ldconfig']) {
    try {
      return execFileSync(cmd, ['-p'], {
        encoding: 'utf8',
        timeout: 2000,
        stdio: ['ignore', 'pipe', 'ignore'],
        maxBuffer: 64 * 1024 * 1024,
        // The header line is translated; entries are not, but keep the whole output predictable.
        env: { ...process.env, LC_ALL: 'C' },
      });
    } catch {
      // Missing binary, non-glibc ldconfig without -p, or timeout: try the next, then give up quietly.
    }
  }
  return null;
}

// glibc's ldconfig prints these tags for 64-bit (or otherwise non-default) ABIs; an entry with
// none of them is the primary 32-bit ABI of a multilib system.
const NON_DEFAULT_ABI_TAGS = ['x86-64', 'AArch64', '64bit', 'IA-64', 'x32', 'N32'];

function cacheTagsMatch(tags: readonly string[], arch: string): boolean {
  const has = (t: string): boolean => tags.includes(t);
  switch (arch) {
    case 'x64':
      return has('x86-64');
    case 'arm64':
      return has('AArch64');
    case 'ppc64':
    case 's390x':
    case 'mips64el':
      return has('64bit');
    case 'ia32':
    case 'arm':
    case 'mips':
    case 'mipsel':
    case 'ppc':
    case 's390':
    case 'riscv64':
    case 'loong64':
      // riscv64/loong64 caches are single-ABI and only tag the float ABI.
      return !NON_DEFAULT_ABI_TAGS.some(has);
    default:
      // Unknown architecture: filtering could only hide the right file; dlopen will check.
      return true;
  }
}

const MULTIARCH: Record<string, string> = {
  x64: 'x86_64-linux-gnu',
  arm64: 'aarch64-linux-gnu',
  ia32: 'i386-linux-gnu',
  arm: 'arm-linux-gnueabihf',
  ppc64: 'powerpc64le-linux-gnu',
  s390x: 's390x-linux-gnu',
  riscv64: 'riscv64-linux-gnu',
  loong64: 'loongarch64-linux-gnu',
  mipsel: 'mipsel-linux-gnu',
  mips64el: 'mips64el-linux-gnuabi64',
};

const ARCH_32BIT = new Set(['ia32', 'arm', 'mips', 'mipsel', 'ppc', 's390']);

function linuxDefaultDirs(arch: string): string[] {
  const triplet = MULTIARCH[arch];
  const dirs = triplet === undefined ? [] : [`/lib/${triplet}`, `/usr/lib/${triplet}`];
  // lib64 holds 64-bit libraries on multilib distributions; a 32-bit process has no use for it.
  if (!ARCH_32BIT.has(arch)) dirs.push('/lib64', '/usr/lib64');
  dirs.push('/lib', '/usr/lib');
  return dirs;
}

function searchWindows(
  name: string,
  env: NodeJS.ProcessEnv,
  tried: string[],
  tryCandidate: (candidate: string) => string | undefined,
): SearchResult {
  const path = nodePath.win32;
  // LoadLibrary appends ".dll" to an extensionless name; a trailing dot opts out of that.
  let file = name;
  if (file.endsWith('.')) file = file.slice(0, -1);
  else if (path.extname(file) === '') file = `${file}.dll`;

  const systemRoot = getEnv(env, 'SystemRoot', 'win32') ?? getEnv(env, 'windir', 'win32') ?? 'C:\\Windows';
  const dirs = unique([
    path.join(systemRoot, 'System32'),
    ...splitPathList(getEnv(env, 'PATH', 'win32'), ';').map((d) => d.replace(/^"(.*)"$/, '$1')),
  ]);
  for (const dir of dirs) {
    const found = tryCandidate(path.join(dir, file));
    if (found !== undefined) return { found, tried };
  }
  return { tried };
}

function hasSeparator(name: string, platform: NodeJS.Platform): boolean {
  return platform === 'win32' ? /[\\/:]/.test(name) : name.includes('/');
}

/** The real path when `candidate` resolves to an existing regular file. */
function regularFile(candidate: string): string | undefined {
  try {
    const real = fs.realpathSync(candidate);
    return fs.statSync(real).isFile() ? real : undefined;
  } catch {
    return undefined;
  }
}

/** Why the loader would pass over this file, or undefined if it would try to load it. */
function foreignReason(file: string, arch: string, nativeFormats: readonly string[]): string | undefined {
  try {
    const header = readBinaryHeader(file);
    // Other formats (linker scripts, ...) make the loader fail rather than skip; let dlopen report that.
    if (!nativeFormats.includes(header.format) || archMatches(header, arch)) return undefined;
    return `${header.description}, not ${arch}`;
  } catch {
    return undefined;
  }
}

// Windows environment variable names are case-insensitive, but an injected plain object is not.
function getEnv(env: NodeJS.ProcessEnv, key: string, platform: NodeJS.Platform): string | undefined {
  const direct = env[key];
  if (direct !== undefined || platform !== 'win32') return direct;
  const lower = key.toLowerCase();
  for (const [k, v] of Object.entries(env)) {
    if (k.toLowerCase() === lower) return v;
  }
  return undefined;
}

function splitPathList(value: string | undefined, separator: string | RegExp): string[] {
  if (value === undefined) return [];
  return value.split(separator).filter((d) => d.length > 0);
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

// Sorts "libz.so" above every "libz.so.N", and higher N above lower.
function versionKey(name: string): string {
  const m = /\.so((?:\.\d+)*)$/.exec(name);
  return m && m[1] === '' ? '~' : (m?.[1] ?? '');
}
