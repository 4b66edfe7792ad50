// The `ffikit` CLI run as a child process (tsx against ts/cli.ts): doctor, inspect, build, call, exit codes.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as ffikit from '../../ts/index';
import { libraryFileName, resolveReferenceLibrary } from '../../ts/reference/prebuilds';
import { ROOT } from '../helpers/child';
import { freshPrebuild } from '../helpers/prebuilds';

const CLI = path.join(ROOT, 'ts', 'cli.ts');
/**
 * The environment every child gets: jest's own, without the FFIKIT_* variables (and NODE_DEBUG) that
 * would change which library loads or what is printed. Tests add what they exercise.
 */
const CHILD_ENV: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !k.startsWith('FFIKIT_') && k !== 'NODE_DEBUG'),
);
/** The reference library the children resolve (from CHILD_ENV, not from whatever jest was started with). */
const REF = fs.realpathSync(resolveReferenceLibrary({ env: CHILD_ENV }).path);

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: NodeJS.ProcessEnv = {}, timeout = 30000): Run {
  const r = spawnSync(process.execPath, ['-r', 'tsx/cjs', CLI, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout,
    env: { ...CHILD_ENV, ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The functions ffikit_ref.h declares with FFIKIT_API: what every build must export, whatever the format. */
const HEADER_FUNCTIONS = [
  ...fs.readFileSync(path.join(ROOT, 'cpp/include/ffikit_ref.h'), 'utf8').matchAll(/^FFIKIT_API\s[^(]*?\b(\w+)\s*\(/gm),
].map((m) => m[1] as string);

function noStack(text: string): void {
  expect(text).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
}

describe('ffikit (program)', () => {
  it('--help lists the commands and the exit codes; --version prints the version', () => {
    const help = cli(['--help']);
    expect(help.status).toBe(0);
    for (const c of ['doctor', 'inspect', 'build', 'call']) expect(help.stdout).toContain(c);
    expect(help.stdout).toContain('Exit codes: 0 success, 1 the operation failed, 2 usage error');
    const version = cli(['--version']);
    expect(version.stdout.trim()).toBe(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version);
  });

  it('usage errors exit 2 (unknown command, unknown option, missing argument)', () => {
    const unknown = cli(['doctr']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'doctr'");
    expect(unknown.stderr).toContain('doctor'); // commander's suggestion
    expect(cli(['inspect']).status).toBe(2);
    expect(cli(['doctor', '--bogus']).status).toBe(2);
  });
});

describe('ffikit doctor', () => {
  it('reports platform, versions, CPU features and the chosen reference library (exit 0)', () => {
    const r = cli(['doctor']);
    expect(r.status).toBe(0);
    for (const s of ['Node.js', 'koffi', 'platform', 'CPU features', 'active ISA', '<- chosen', 'OK: the reference library loads.']) {
      expect(r.stdout).toContain(s);
    }
    expect(r.stdout).toContain(REF);
  });

  it('--json: every candidate with exists/chosen/integrity, the libc and the ISA', () => {
    const r = cli(['doctor', '--json']);
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.platform).toMatchObject({ platform: process.platform, arch: process.arch });
    expect(report.node.version).toBe(process.version);
    expect(report.koffi.version).toMatch(/^\d+\.\d+\.\d+/);
    const chosen = report.candidates.filter((c: { chosen: boolean }) => c.chosen);
    expect(chosen).toHaveLength(1);
    expect(chosen[0].path).toBe(REF);
    for (const c of report.candidates) expect(['ok', 'unchecked']).toContain(c.integrity);
    if (chosen[0].source === 'prebuild') expect(chosen[0].integrity).toBe('ok');
    expect(report.reference).toMatchObject({ loaded: true, path: REF, abi: ffikit.REFERENCE_ABI_VERSION });
    expect(report.reference.supported).toContain('scalar');
    expect(report.reference.supported).toContain(report.reference.simdLevel);
    if (process.platform === 'linux' && process.arch === 'x64') {
      expect(report.cpu.source).toBe('/proc/cpuinfo');
      expect(report.cpu.features).toContain('sse2');
    }
  });

  it('exits 1 and says why when the reference library does not load', () => {
    const relative = cli(['doctor'], { FFIKIT_LIBRARY_PATH: 'relative/libffikit_ref.so' });
    expect(relative.status).toBe(1);
    expect(relative.stdout).toContain('PROBLEM: ');
    expect(relative.stdout).toContain('must be an absolute path');
    const forced = JSON.parse(cli(['doctor', '--json'], { FFIKIT_FORCE_ISA: 'sse9' }).stdout);
    expect(forced.reference).toMatchObject({ loaded: false, forcedIsa: 'sse9', error: { code: 'ERR_FFIKIT_UNSUPPORTED' } });
  });
});

describe('ffikit inspect', () => {
  it('ELF: format, architecture, needed libraries and exactly the header functions as exports', () => {
    const text = cli(['inspect', REF]);
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/format\s+ELF 64-bit LSB shared object/);
    expect(text.stdout).toContain('loadable by this');
    const r = JSON.parse(cli(['inspect', REF, '--json']).stdout);
    expect(r).toMatchObject({ format: 'elf', arch: process.arch, loadableHere: true, soname: libraryFileName() });
    expect(r.needed).toEqual(expect.arrayContaining(['libc.so.6']));
    expect(r.exports.map((s: { name: string }) => s.name).sort()).toEqual([...HEADER_FUNCTIONS].sort());
    expect(r.glibc).toMatch(/^2\.\d+$/);
  });

  it('a bare name is found where the system loader looks; versioned symbols are shown', () => {
    const r = JSON.parse(cli(['inspect', 'libm.so.6', '--json']).stdout);
    expect(r.path).toMatch(/libm\.so\.6$/);
    expect(r.soname).toBe('libm.so.6');
    expect(r.needed).toContain('libc.so.6');
    expect(r.exports.find((s: { name: string }) => s.name === 'cos')).toMatchObject({ version: expect.stringMatching(/^GLIBC_/) });
  });

  it('cross-built prebuilds: the arm64 ELF and the win32 PE export the same functions', () => {
    const arm = freshPrebuild('linux-arm64/libffikit_ref.so');
    const dll = freshPrebuild('win32-x64/ffikit_ref.dll');
    const armReport = JSON.parse(cli(['inspect', arm, '--json']).stdout);
    expect(armReport).toMatchObject({ format: 'elf', arch: 'arm64', loadableHere: process.arch === 'arm64' });
    expect(armReport.exports.map((s: { name: string }) => s.name).sort()).toEqual([...HEADER_FUNCTIONS].sort());
    const pe = cli(['inspect', dll, '--json']);
    expect(pe.status).toBe(0);
    const peReport = JSON.parse(pe.stdout);
    expect(peReport).toMatchObject({ format: 'pe', arch: 'x64', soname: 'ffikit_ref.dll' });
    expect(peReport.needed).toEqual(['KERNEL32.dll', 'msvcrt.dll']); // MinGW runtime linked statically
    expect(peReport.exports.map((s: { name: string }) => s.name).sort()).toEqual([...HEADER_FUNCTIONS].sort());
    expect(cli(['inspect', dll]).stdout).toMatch(/format\s+PE32\+ DLL, x86-64/);
  });

  it('--symbol: exit 0 when exported; exit 1 with a "did you mean" list (Levenshtein) when not', () => {
    const hit = cli(['inspect', REF, '--symbol', 'simd_add']);
    expect(hit.status).toBe(0);
    expect(hit.stdout).toContain('simd_add: function');
    const typo = cli(['inspect', REF, '--symbol', 'simd_ad']);
    expect(typo.status).toBe(1);
    expect(typo.stdout).toContain("'simd_ad' is not exported");
    expect(typo.stdout).toMatch(/Did you mean: simd_add\b/);
    const json = JSON.parse(cli(['inspect', REF, '--symbol', 'proces_1d', '--json']).stdout);
    expect(json).toMatchObject({ found: false });
    expect(json.suggestions[0]).toBe('process_1d');
    const cxx = cli(['inspect', 'libstdc++.so.6', '--symbol', 'terminate']);
    expect(cxx.status).toBe(1);
    expect(cxx.stdout).toContain('exists as a C++ symbol: _ZSt9terminatev');
  });

  it('errors: a missing file or a non-library exit 1 without a stack trace', () => {
    const missing = cli(['inspect', './no/such/lib.so']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('no such file');
    expect(missing.stderr).toContain('ERR_FFIKIT_LIBRARY_LOAD');
    noStack(missing.stderr);
    const text = cli(['inspect', path.join(ROOT, 'package.json')]);
    expect(text.status).toBe(1);
    expect(text.stdout).toContain('not a shared library');
  });
});

describe('ffikit call', () => {
  it('parses arguments by the prototype and prints the result', () => {
    expect(cli(['call', 'libm.so.6', 'double cos(double x)', '0']).stdout).toBe('1\n');
    expect(cli(['call', 'libm.so.6', 'double fabs(double)', '-2.5']).stdout).toBe('2.5\n');
    expect(cli(['call', 'libc.so.6', 'size_t strlen(const char *s)', 'hello']).stdout).toBe('5\n');
    // Negative decimals pass as they are; anything else that starts with '-' goes after '--'.
    expect(cli(['call', 'libc.so.6', 'int abs(int)', '--', '-0x2a']).stdout).toBe('42\n');
    // 64-bit integers travel as bigint: 2**53 + 1 survives.
    expect(cli(['call', 'libc.so.6', 'long long llabs(long long v)', '-9007199254740993']).stdout).toBe('9007199254740993\n');
    expect(cli(['call', REF, 'const char *ffikit_error_name(int32_t code)', '-2']).stdout).toBe('"ERR_INVALID_SIZE"\n');
    expect(cli(['call', REF, 'int32_t ffikit_simd_supported(const char *isa)', 'scalar']).stdout).toBe('1\n');
    expect(cli(['call', REF, 'int32_t process_1d(double *data, size_t len)', 'NULL', '0']).stdout).toBe('0\n');
    const voidCall = cli(['call', REF, 'void free_array(double *arr)', 'NULL']);
    expect(voidCall).toMatchObject({ status: 0, stdout: '' });
  });

  it('arguments that do not fit the prototype are usage errors (exit 2)', () => {
    const word = cli(['call', 'libc.so.6', 'int abs(int)', 'abc']);
    expect(word.status).toBe(2);
    expect(word.stderr).toContain("argument 'arg0' (int) expects an integer");
    const arity = cli(['call', 'libc.so.6', 'int abs(int v)', '1', '2']);
    expect(arity.status).toBe(2);
    expect(arity.stderr).toContain('abs() takes 1 argument(s) (int v), got 2');
    const array = cli(['call', REF, 'int32_t process_1d(double *data, size_t len)', '1', '0']);
    expect(array.status).toBe(2);
    expect(array.stderr).toContain('only strings (char *), NULL or a 0x address');
  });

  it('ffikit errors print their message and exit 1; --verbose adds the stack', () => {
    const range = cli(['call', 'libc.so.6', 'int abs(int)', '99999999999']);
    expect(range.status).toBe(1);
    expect(range.stderr).toContain('expects an integer (int) in [-2147483648, 2147483647]');
    expect(range.stderr).toContain('ERR_FFIKIT_ARG');
    noStack(range.stderr);
    const missing = cli(['call', 'libc.so.6', 'size_t strlne(const char *s)', 'x']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("does not export 'strlne'");
    expect(missing.stderr).toContain('Did you mean: strlen');
    const bad = cli(['call', 'libc.so.6', 'int abs(int', '1']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('ERR_FFIKIT_DECLARATION');
    const verbose = cli(['--verbose', 'call', '/no/such/lib.so', 'int f(void)']);
    expect(verbose.status).toBe(1);
    expect(verbose.stderr).toMatch(/^\s+at .+/m);
    const native = cli(['call', REF, 'int32_t ffikit_simd_force(const char *isa)', 'sse9']);
    expect(native).toMatchObject({ status: 0, stdout: '-4\n' }); // no errcheck on the command line: the raw status
  });
});

describe('ffikit build', () => {
  let out: string;
  // One compiler process at a time: the other jest worker may be running timing-sensitive tests.
  const serial = { CMAKE_BUILD_PARALLEL_LEVEL: '1' };
  beforeAll(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'ffikit-cli-build-'));
  });
  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

  // The plain-CMake path (--no-cmake-js, what an installed package without cmake-js uses) is covered by
  // tests/package.test.ts, which runs `ffikit build` inside a scratch install.
  it('builds the reference library from the sources with cmake-js, showing progress', () => {
    const r = cli(['build', '--out', path.join(out, 'a')], serial, 120000);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const built = path.join(out, 'a', 'Release', libraryFileName());
    expect(fs.existsSync(built)).toBe(true);
    expect(r.stdout).toContain('with cmake-js');
    expect(r.stdout).toContain(`ffikit build: built ${built}`);
    expect(r.stdout).toContain(`FFIKIT_LIBRARY_PATH=${built}`); // the default order still prefers another candidate
    const loaded = cli(['call', built, 'uint32_t ffikit_abi_version(void)']);
    expect(loaded.stdout).toBe(`${ffikit.REFERENCE_ABI_VERSION}\n`);
  }, 120000);

  it('names the prerequisites when cmake or a compiler is missing (exit 1)', () => {
    const r = cli(['build', '--out', path.join(out, 'c')], { PATH: path.join(out, 'empty-path'), CXX: '' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('cmake was not found on PATH');
    expect(r.stderr).toContain('CMake 3.15 or newer');
    expect(r.stderr).toContain('C++17 compiler');
    noStack(r.stderr);
  });
});
