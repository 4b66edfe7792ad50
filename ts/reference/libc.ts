// Which C library the running Node.js uses (glibc or musl, and glibc's version): what picks a Linux prebuild.
import * as path from 'node:path';

import { readElfInterpreter } from '../native/binfmt/elf-symbols';

/** The C library family a Linux binary was linked against (prebuildify's `libc` tag). */
export type LibcFamily = 'glibc' | 'musl';

/** The C library a process runs on, as {@link detectLibc} decided it. */
export interface LibcInfo {
  /** `null` off Linux. */
  readonly family: LibcFamily | null;
  /** glibc: the running version (`'2.36'`), or `null` when it could not be read. */
  readonly glibc: string | null;
  /** What the decision rests on, for `ffikit doctor`. */
  readonly source: string;
}

/** Where {@link detectLibc} looks; each probe defaults to the running process (tests inject them). */
export interface LibcProbes {
  readonly platform?: NodeJS.Platform;
  /** The ELF interpreter of the Node binary (`/lib/ld-musl-x86_64.so.1` on musl); default: read from `process.execPath`. */
  readonly interpreter?: () => string | undefined;
  /** The glibc version Node's diagnostic report states (`header.glibcVersionRuntime`); absent on musl. */
  readonly glibcVersionRuntime?: () => string | undefined;
}

function nodeInterpreter(): string | undefined {
  return readElfInterpreter(process.execPath);
}

function reportGlibc(): string | undefined {
  const report = process.report as (NodeJS.ProcessReport & { excludeNetwork?: boolean }) | undefined;
  if (!report) return undefined;
  // Collecting network interfaces can take seconds on some hosts; the header is all that is needed.
  const exclude = report.excludeNetwork;
  report.excludeNetwork = true;
  try {
    return (report.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime;
  } finally {
    report.excludeNetwork = exclude;
  }
}

function attempt(probe: () => string | undefined): string | undefined {
  try {
    return probe();
  } catch {
    return undefined;
  }
}

let cachedLibc: LibcInfo | undefined;

/**
 * The running process' C library: family and, for glibc, its version. Decided as node-gyp-build,
 * detect-libc and koffi do, from two sources: the ELF interpreter of the Node binary (an
 * `ld-musl-*` loader means musl, whatever else says) and the glibc version in Node's diagnostic
 * report (absent on musl). A Node binary without an interpreter and without a glibc version is
 * taken as musl (the static builds). Cached when no probes are given.
 * @param probes - Replace where it looks (tests; `ffikit doctor` stays on the real process).
 */
export function detectLibc(probes?: LibcProbes): LibcInfo {
  if (!probes && cachedLibc) return cachedLibc;
  const platform = probes?.platform ?? process.platform;
  let info: LibcInfo;
  if (platform !== 'linux') {
    info = { family: null, glibc: null, source: `not Linux (${platform})` };
  } else {
    const interpreter = attempt(probes?.interpreter ?? nodeInterpreter);
    const loader = interpreter === undefined ? undefined : path.posix.basename(interpreter);
    if (loader?.startsWith('ld-musl-')) {
      info = { family: 'musl', glibc: null, source: `the Node binary's ELF interpreter is ${interpreter}` };
    } else {
      const glibc = attempt(probes?.glibcVersionRuntime ?? reportGlibc);
      if (glibc) {
        const via = interpreter ? `the Node binary's ELF interpreter is ${interpreter}; ` : '';
        info = { family: 'glibc', glibc, source: `${via}process.report names glibc ${glibc}` };
      } else if (interpreter) {
        info = { family: 'glibc', glibc: null, source: `the Node binary's ELF interpreter is ${interpreter} (glibc version unknown)` };
      } else {
        info = { family: 'musl', glibc: null, source: 'a static Node binary whose process.report names no glibc' };
      }
    }
  }
  if (!probes) cachedLibc = info;
  return info;
}
