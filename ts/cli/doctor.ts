// `ffikit doctor`: platform, CPU features, and which reference library would load and why.

import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import type { Command } from 'commander';

import { FfikitError } from '../core/errors';
import { detectLibc, type LibcProbes } from '../reference/libc';
import { PACKAGE_ROOT, prebuildTag, referenceCandidates, type ReferenceCandidate } from '../reference/prebuilds';
import { reference, SIMD_LEVELS } from '../reference/reference';
import { EXIT, field, out, type GlobalOptions } from './common';

/** One candidate as doctor shows it. */
export interface DoctorCandidate extends ReferenceCandidate {
  /** For files with an expected digest: whether the file on disk matches it. */
  readonly integrity: 'ok' | 'mismatch' | 'unchecked';
}

/** Everything `ffikit doctor --json` prints. */
export interface DoctorReport {
  readonly ffikit: { readonly version: string; readonly root: string };
  readonly node: { readonly version: string; readonly modules: string; readonly napi: string };
  readonly koffi: { readonly version?: string; readonly path?: string };
  readonly platform: {
    readonly platform: string;
    readonly arch: string;
    readonly libc: string | null;
    readonly glibc: string | null;
    /** What the libc decision rests on (the Node binary's ELF interpreter, process.report). */
    readonly libcSource: string;
    readonly tag: string;
  };
  readonly cpu: { readonly model?: string; readonly features: string[]; readonly source: string };
  readonly candidates: DoctorCandidate[];
  readonly reference: {
    readonly loaded: boolean;
    readonly path?: string;
    readonly abi?: number;
    readonly simdLevel?: string;
    readonly supported?: string[];
    readonly forcedIsa?: string;
    readonly error?: { readonly code?: string; readonly message: string };
  };
}

// The flags that matter for SIMD kernels and prebuild choice; /proc/cpuinfo lists a hundred more.
const INTERESTING_FLAGS = new Set([
  'sse2',
  'ssse3',
  'sse4_1',
  'sse4_2',
  'avx',
  'avx2',
  'fma',
  'bmi2',
  'avx512f',
  'avx512bw',
  'avx512dq',
  'avx512vl',
  'avx512cd',
  'asimd',
  'fp',
  'sve',
  'sve2',
  'neon',
  'vfpv4',
]);

function readJson(file: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** koffi's version from its package.json (found next to its entry point), so it is known even when koffi fails to load. */
function koffiInfo(): { version?: string; path?: string } {
  let dir: string;
  try {
    dir = path.dirname(require.resolve('koffi'));
  } catch {
    return {};
  }
  for (let i = 0; i < 4; i++, dir = path.dirname(dir)) {
    const pkg = readJson(path.join(dir, 'package.json'));
    if (pkg?.name === 'koffi') return { version: String(pkg.version), path: dir };
  }
  return { path: dir };
}

function cpuInfo(): DoctorReport['cpu'] {
  const model = os.cpus()[0]?.model;
  if (process.platform === 'linux') {
    try {
      const text = fs.readFileSync('/proc/cpuinfo', 'utf8');
      const line = /^(?:flags|Features)\s*:\s*(.*)$/m.exec(text)?.[1] ?? '';
      const features = line.split(/\s+/).filter((f) => INTERESTING_FLAGS.has(f));
      return { ...(model ? { model } : {}), features, source: '/proc/cpuinfo' };
    } catch {
      // fall through: containers without /proc still get the library's answer below
    }
  }
  return { ...(model ? { model } : {}), features: [], source: 'unavailable (see the kernels the reference library supports)' };
}

function integrity(c: ReferenceCandidate): DoctorCandidate['integrity'] {
  if (c.sha256 === undefined || !c.exists) return 'unchecked';
  try {
    const actual = createHash('sha256').update(fs.readFileSync(c.path)).digest('hex');
    return actual === c.sha256.toLowerCase() ? 'ok' : 'mismatch';
  } catch {
    return 'mismatch';
  }
}

/** Options for {@link doctorReport}. */
export interface DoctorOptions {
  /**
   * Replace how the libc is detected (tests): the platform line and the candidates follow them; the
   * library is still loaded the way `ffikit.reference()` would load it in this process.
   */
  readonly libcProbes?: LibcProbes;
}

/** Gathers the doctor report; loads the reference library the way `ffikit.reference()` does. */
export function doctorReport(options: DoctorOptions = {}): DoctorReport {
  const libc = detectLibc(options.libcProbes);
  const platform = options.libcProbes?.platform ?? process.platform;
  const pkg = readJson(path.join(PACKAGE_ROOT, 'package.json'));
  const candidates = referenceCandidates({
    platform,
    libc: libc.family,
    glibcVersion: libc.glibc,
  }).map((c) => ({ ...c, integrity: integrity(c) }));
  let ref: DoctorReport['reference'];
  const forced = process.env.FFIKIT_FORCE_ISA;
  try {
    using lib = reference();
    ref = {
      loaded: true,
      path: lib.path,
      abi: lib.abiVersion,
      simdLevel: lib.simdLevel,
      supported: SIMD_LEVELS.filter((isa) => lib.simdSupported(isa)),
      ...(forced ? { forcedIsa: forced } : {}),
    };
  } catch (e) {
    ref = {
      loaded: false,
      ...(forced ? { forcedIsa: forced } : {}),
      error: { ...(e instanceof FfikitError ? { code: e.code } : {}), message: e instanceof Error ? e.message : String(e) },
    };
  }
  return {
    ffikit: { version: String(pkg?.version ?? 'unknown'), root: PACKAGE_ROOT },
    node: { version: process.version, modules: process.versions.modules, napi: process.versions.napi ?? 'none' },
    koffi: koffiInfo(),
    platform: {
      platform,
      arch: process.arch,
      libc: libc.family,
      glibc: libc.glibc,
      libcSource: libc.source,
      tag: prebuildTag(platform, process.arch, libc.family),
    },
    cpu: cpuInfo(),
    candidates,
    reference: ref,
  };
}

function candidateLine(c: DoctorCandidate, i: number): string {
  const name = c.tag ? `${c.source} ${c.tag}` : c.source;
  const state = [c.exists ? 'exists' : 'missing'];
  if (c.integrity !== 'unchecked') state.push(`sha256 ${c.integrity === 'ok' ? 'ok' : 'MISMATCH'}`);
  if (c.skipped) state.push(`skipped: ${c.skipped}`);
  return `  ${i + 1}. ${name.padEnd(26)}${c.path}\n       ${state.join(', ')}${c.chosen ? '   <- chosen' : ''}`;
}

/** Prints the report as text. */
export function printDoctor(r: DoctorReport): void {
  const libc = r.platform.libc === 'glibc' ? `glibc ${r.platform.glibc}` : (r.platform.libc ?? 'n/a');
  out('ffikit doctor');
  out();
  out(field('ffikit', `${r.ffikit.version}  (${r.ffikit.root})`));
  out(field('Node.js', `${r.node.version}  (modules ${r.node.modules}, N-API ${r.node.napi})`));
  out(field('koffi', r.koffi.version ?? 'not found'));
  out(field('platform', `${r.platform.platform} ${r.platform.arch}, libc ${libc}  ->  prebuild tag ${r.platform.tag}`));
  out(field('libc detected', r.platform.libcSource));
  out(field('CPU', r.cpu.model ?? 'unknown'));
  out(field('CPU features', r.cpu.features.length ? `${r.cpu.features.join(' ')}  (${r.cpu.source})` : r.cpu.source));
  out();
  out('Reference library, in resolution order (FFIKIT_LIBRARY_PATH, prebuild or FFIKIT_PREBUILDS_DIR, local build):');
  r.candidates.forEach((c, i) => out(candidateLine(c, i)));
  out();
  const ref = r.reference;
  if (ref.loaded) {
    const chosen = r.candidates.find((c) => c.chosen);
    out(field('loaded', `${ref.path}${chosen ? `  (${chosen.source}${chosen.tag ? ` ${chosen.tag}` : ''})` : ''}`));
    out(field('ABI version', String(ref.abi)));
    out(field('active ISA', `${ref.simdLevel}${ref.forcedIsa ? `  (forced by FFIKIT_FORCE_ISA=${ref.forcedIsa})` : ''}`));
    out(field('kernels', `${ref.supported?.join(', ')} supported by this build and CPU`));
    out();
    out('OK: the reference library loads.');
  } else {
    out(field('loaded', 'no'));
    out();
    out(`PROBLEM: ${ref.error?.message ?? 'the reference library does not load'}`);
  }
}

/** Registers `ffikit doctor`. */
export function registerDoctor(program: Command, run: (fn: () => number) => void): void {
  program
    .command('doctor')
    .description('show the platform, CPU features and which reference library would load, and why')
    .option('--json', 'print the report as JSON')
    .action((opts: { json?: boolean } & GlobalOptions) =>
      run(() => {
        const report = doctorReport();
        if (opts.json) out(JSON.stringify(report, null, 2));
        else printDoctor(report);
        return report.reference.loaded ? EXIT.OK : EXIT.FAILURE;
      }),
    );
}
