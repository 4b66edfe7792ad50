// Finds, checks and opens a shared library; every failure becomes one LibraryLoadError with a reason.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { argumentError, loadError, type LoadFailureReason } from '../core/errors';
import { debug } from '../core/debug';
import { archMatches, expectedFormat, readBinaryHeader, type BinaryHeader } from './binfmt/binary-header';
import { openLibrary, type NativeLibrary } from './koffi';
import { searchLibrary, suggestNames } from './library-search';
import { confirmedClashes, planDeepBind, type DeepBindOption } from './symbol-clash';

export interface OpenOptions {
  /** Expected SHA-256 of the file (hex); a mismatch refuses to load it. */
  readonly sha256?: string;
  /** RTLD_DEEPBIND: `'auto'` (default) when the library's functions clash with the process's. */
  readonly deepBind?: DeepBindOption;
}

export interface OpenedLibrary {
  /** The absolute real path that was opened. */
  readonly path: string;
  readonly native: NativeLibrary;
  readonly header: BinaryHeader;
  /** Whether it was opened with RTLD_DEEPBIND. */
  readonly deepBind: boolean;
}

function fail(reason: LoadFailureReason, file: string, what: string, fixes: string[], cause?: unknown): never {
  throw loadError(reason, file, `Cannot load ${file}: ${what}.`, fixes, cause === undefined ? undefined : { cause });
}

function hasSeparator(request: string): boolean {
  return request.includes('/') || (process.platform === 'win32' && request.includes('\\'));
}

/** Resolves what the user asked for to an absolute real path, or throws 'not-found' / 'not-a-file'. */
export function resolveLibraryPath(request: string, cwd: string = process.cwd()): string {
  if (typeof request !== 'string' || request.length === 0) {
    throw argumentError('load', 'path', "a non-empty string such as './build/libfoo.so' or 'libm.so.6'", request);
  }
  if (request.includes('\0'))
    fail('not-found', request.replace(/\0/g, '\\0'), 'the path contains a NUL character', ['Remove the NUL character from the path.']);
  let candidate: string;
  if (hasSeparator(request) || path.isAbsolute(request)) {
    candidate = path.resolve(cwd, request);
  } else {
    const found = searchLibrary(request);
    if (!found.found) {
      const similar = suggestNames(request, process.platform);
      fail(
        'not-found',
        request,
        `no file named '${request}' where the system loader looks (searched ${found.tried.length} places: ${found.tried.slice(0, 6).join(', ')}${found.tried.length > 6 ? ', ...' : ''})`,
        [
          ...(similar.length
            ? [
                `Did you mean ${similar
                  .slice(0, 3)
                  .map((s) => `'${s}'`)
                  .join(' or ')}?`,
              ]
            : []),
          `Pass a path with a directory (e.g. './${request}') to load a file relative to the current directory.`,
          'Install the package that provides it, or add its directory to LD_LIBRARY_PATH (DYLD_LIBRARY_PATH on macOS, PATH on Windows).',
        ],
      );
    }
    candidate = found.found;
    debug('bare name %s resolved to %s', request, candidate);
  }
  let real: string;
  try {
    real = fs.realpathSync(candidate);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      fail(
        'not-found',
        candidate,
        'no such file',
        [
          `Check the path${candidate !== request ? ` ('${request}' was resolved against ${cwd})` : ''}.`,
          'Build the library first, or point to where your build put it.',
        ],
        err,
      );
    }
    fail(
      'not-found',
      candidate,
      `cannot resolve the path (${code ?? (err as Error).message})`,
      ['Check the path and its permissions.'],
      err,
    );
  }
  const stat = fs.statSync(real);
  if (!stat.isFile()) {
    fail('not-a-file', real, `it is ${stat.isDirectory() ? 'a directory' : 'not a regular file'}`, [
      'Pass the path of the library file itself (e.g. .../libfoo.so), not its directory.',
    ]);
  }
  return real;
}

function checkHeader(file: string): BinaryHeader {
  let header: BinaryHeader;
  try {
    header = readBinaryHeader(file);
  } catch (err) {
    fail(
      'not-a-file',
      file,
      `it cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      ['Check the file permissions.'],
      err,
    );
  }
  const want = expectedFormat(process.platform);
  const formatOk = header.format === want || (want === 'macho' && header.format === 'macho-fat');
  if (!formatOk) {
    fail('bad-format', file, `it is not a shared library for ${process.platform}: ${header.description}`, [
      header.format === 'unknown'
        ? 'Pass the compiled library (.so/.dll/.dylib), not a source file, script or linker script.'
        : `Use a build of the library for ${process.platform}.`,
    ]);
  }
  if (!archMatches(header, process.arch)) {
    const have = header.archs?.join(', ') ?? header.arch ?? 'unknown';
    fail('wrong-arch', file, `it is built for ${have}, but this Node.js process is ${process.arch} (${header.description})`, [
      `Use a build of the library for ${process.arch}.`,
      `Or run a Node.js binary for ${have}.`,
    ]);
  }
  if (header.kind === 'executable' || header.kind === 'relocatable') {
    fail(
      'bad-format',
      file,
      `it is ${header.kind === 'executable' ? 'an executable' : 'an object file'}, not a shared library (${header.description})`,
      ['Link it as a shared library (e.g. -shared -fPIC).'],
    );
  }
  return header;
}

function checkIntegrity(file: string, sha256: string | undefined): void {
  if (sha256 === undefined) return;
  if (typeof sha256 !== 'string' || !/^[0-9a-fA-F]{64}$/.test(sha256)) {
    fail(
      'integrity',
      file,
      `the expected sha256 must be 64 hex digits, got ${typeof sha256 === 'string' ? `'${sha256.slice(0, 80)}'` : typeof sha256}`,
      ['Pass the hex digest, e.g. from `sha256sum`.'],
    );
  }
  const actual = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  if (actual !== sha256.toLowerCase()) {
    fail('integrity', file, `its SHA-256 is ${actual}, expected ${sha256.toLowerCase()}`, [
      'The file changed since the digest was recorded: rebuild or reinstall it, or update the expected digest if the change is intended.',
    ]);
  }
}

/** Lists dependencies the dynamic loader cannot find, using ldd where it exists (error path only). */
function missingDependencies(file: string): string[] {
  if (process.platform !== 'linux') return [];
  try {
    const out = execFileSync('ldd', [file], { encoding: 'utf8', timeout: 2000, stdio: ['ignore', 'pipe', 'ignore'] });
    return out
      .split('\n')
      .filter((l) => l.includes('=> not found'))
      .map((l) => l.trim().split(/\s+/)[0] as string);
  } catch {
    return [];
  }
}

/** Says which of the library's functions the process also defines, and warns when nothing separates them. */
function reportClashes(file: string, lib: NativeLibrary, plan: ReturnType<typeof planDeepBind>): void {
  const clashes = confirmedClashes(lib, plan.candidates);
  if (clashes.length === 0) return;
  const some = `${clashes.slice(0, 3).join(', ')}${clashes.length > 3 ? ` and ${clashes.length - 3} more` : ''}`;
  if (plan.deepBind) {
    debug('%s: %d functions also defined by the process (%s); opened with RTLD_DEEPBIND', file, clashes.length, some);
    return;
  }
  if (plan.unavailable === undefined) return; // deepBind: false, chosen by the caller
  process.emitWarning(
    `${file} exports ${clashes.length} functions that this process already defines (${some}), and ${plan.unavailable}: ` +
      "the library's calls to them may run the process's copies. Calls that mix the two can crash.",
    { code: 'FFIKIT_SYMBOL_CLASH', type: 'LibraryWarning' },
  );
}

/**
 * Resolves, checks and opens a library. Only an absolute real path ever reaches dlopen.
 * @throws {LibraryLoadError}
 */
export function openCheckedLibrary(request: string, options: OpenOptions = {}): OpenedLibrary {
  const deepBindOption = options.deepBind === undefined ? 'auto' : options.deepBind;
  if (deepBindOption !== 'auto' && typeof deepBindOption !== 'boolean')
    throw argumentError('load', 'options.deepBind', "true, false or 'auto'", deepBindOption);
  const file = resolveLibraryPath(request);
  const header = checkHeader(file);
  checkIntegrity(file, options.sha256);
  const plan = planDeepBind(file, deepBindOption);
  try {
    const lib = openLibrary(file, plan.deepBind);
    debug('loaded %s (%s)%s', file, header.description, plan.deepBind ? ' with RTLD_DEEPBIND' : '');
    if (plan.candidates.length > 0) reportClashes(file, lib, plan);
    return { path: file, native: lib, header, deepBind: plan.deepBind };
  } catch (err) {
    const message = (err as Error).message.replace(/^Failed to load shared library:\s*/, '');
    if (/cannot open shared object file|Library not loaded|image not found|specified module could not be found/i.test(message)) {
      const missing = missingDependencies(file);
      fail(
        'missing-dependency',
        file,
        `a library it depends on cannot be found${missing.length ? `: ${missing.join(', ')}` : ''} (${message})`,
        [
          'Install the missing libraries, or add their directory to LD_LIBRARY_PATH (PATH on Windows, DYLD_LIBRARY_PATH on macOS).',
          'Run `ldd <library>` (or `otool -L` / Dependencies.exe) to see what it needs.',
        ],
        err,
      );
    }
    fail(
      'dlopen',
      file,
      `the system loader refused it (${message})`,
      ['An undefined symbol usually means a dependency of the wrong version; check `ldd -r <library>`.'],
      err,
    );
  }
}
