// `ffikit gen` from the shell (tsx against ts/cli.ts): outputs, --report, --verify, --check, and each error's exit code.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { ROOT } from '../helpers/child';

const CLI = path.join(ROOT, 'ts', 'cli.ts');
const FIXTURES = path.join(__dirname, 'fixtures');
const HEADER = path.join(FIXTURES, 'shapes.h');
const OUT = path.join(ROOT, 'build', 'gen-test', 'cli');
const LIB = path.join(OUT, 'libshapes.so');

function gen(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['-r', 'tsx/cjs', CLI, 'gen', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  fs.rmSync(OUT, { recursive: true, force: true });
  fs.mkdirSync(OUT, { recursive: true });
  const cc = spawnSync('cc', ['-shared', '-fPIC', '-o', LIB, path.join(FIXTURES, 'shapes.c'), `-I${FIXTURES}`], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(cc.stderr);
});

it('-o out.js writes CommonJS with out.d.ts beside it; --verify checks layouts', () => {
  const r = gen([HEADER, '--lib', LIB, '-o', path.join(OUT, 'shapes.js'), '--verify']);
  expect(r.stderr).toContain("ffikit gen --verify: 8 structs, 17 fields match the C compiler's layout.");
  expect(r.stderr).toContain('ffikit gen: shapes.h: 16 of 16 functions bound');
  expect(r.status).toBe(0);
  expect(fs.readFileSync(path.join(OUT, 'shapes.js'), 'utf8')).toContain("const ffikit = require('ffikit');");
  expect(fs.readFileSync(path.join(OUT, 'shapes.d.ts'), 'utf8')).toContain(
    'export declare function load(path?: string): ffikit.Bound<typeof SPEC>;',
  );
});

it('--report prints the report as JSON, skips included', () => {
  const r = gen([HEADER, '--lib', LIB, '--report']);
  expect(r.status).toBe(0);
  const report = JSON.parse(r.stdout) as { functions: unknown; skipped: Array<{ name: string }> };
  expect(report.functions).toEqual({ declared: 16, exported: 16, bound: 16 });
  expect(report.skipped.map((s) => s.name)).toEqual(expect.arrayContaining(['BitUnion', 'UnnamedBits', 'SHAPES_CALL']));
});

it('--check passes when every bound symbol is exported, and lists the missing ones with near names otherwise', () => {
  const out = path.join(OUT, 'shapes.ts');
  expect(gen([HEADER, '--lib', LIB, '-o', out]).status).toBe(0);
  const ok = gen(['--check', out, '--lib', LIB]);
  expect(ok.stdout).toContain('all 16 functions bound by');
  expect(ok.status).toBe(0);
  // A library without them: the C library has none of the shapes_* functions.
  fs.writeFileSync(path.join(OUT, 'typo.ts'), "    strlenn: 'size_t strlenn(const char *s)',\n");
  const bad = gen(['--check', path.join(OUT, 'typo.ts'), '--lib', 'libc.so.6']);
  expect(bad.stderr).toMatch(/1 of 1 functions bound by .* are not exported by .*libc/);
  expect(bad.stderr).toMatch(/strlenn \(did you mean strlen/);
  expect(bad.status).toBe(1);
});

describe('bad input: a clear message and exit 1', () => {
  it('a missing header', () => {
    const r = gen([path.join(FIXTURES, 'missing.h')]);
    expect(r.stderr).toMatch(/expected a readable C header file, got '.*missing\.h' \(no such file\)/);
    expect(r.status).toBe(1);
  });

  it('an unknown -I path', () => {
    const r = gen([HEADER, '-I', path.join(OUT, 'nowhere')]);
    expect(r.stderr).toMatch(/ffikit gen -I: expected an existing directory, got '.*nowhere'/);
    expect(r.status).toBe(1);
  });

  it('a header that does not preprocess', () => {
    const broken = path.join(OUT, 'broken.h');
    fs.writeFileSync(broken, '#error this header is broken\n');
    const r = gen([broken]);
    expect(r.stderr).toMatch(/expected a header the C preprocessor accepts, got .*this header is broken/);
    expect(r.status).toBe(1);
  });

  it('an output path that cannot be written, leaving nothing behind', () => {
    const r = gen([HEADER, '-o', path.join(OUT, 'no-such-dir', 'x.js')]);
    expect(r.stderr).toMatch(
      /expected a writable output path, got '.*x\.js' \(ENOENT\)\. Create the directory or pick another path; nothing was written\./,
    );
    expect(r.status).toBe(1);
    expect(fs.existsSync(path.join(OUT, 'no-such-dir'))).toBe(false);
  });

  it('--check without --lib', () => {
    const r = gen(['--check', path.join(OUT, 'shapes.ts')]);
    expect(r.stderr).toContain('expected a --lib <library> to check against');
    expect(r.status).toBe(1);
  });
});
