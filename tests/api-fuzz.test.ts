// The API fuzz harness (scripts/api-fuzz.js): a short seeded run passes, and a crash it provokes on purpose is caught and named.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

import * as ffikit from '../ts/index';
import { ROOT } from './helpers/child';
import { compiledDir } from './helpers/compiled';

let libPath = '';
beforeAll(() => {
  const ref = ffikit.reference();
  libPath = ref.path;
  ref.close();
});

function fuzz(...args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'api-fuzz.js'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120000,
    // The compiled copy lives outside the package root, so it is told where the reference library is.
    env: { ...process.env, FFIKIT_FUZZ_MODULE: path.join(compiledDir(), 'index.js'), FFIKIT_LIBRARY_PATH: libPath },
  });
  return { status: r.status, out: r.stdout + r.stderr };
}

test('a seeded run: every call returns or throws an FfikitError, and the seed is printed', () => {
  const r = fuzz('--calls', '5000', '--seed', '42');
  expect(r.out).toContain('seed 42, 5000 calls (reproduce: node scripts/api-fuzz.js --seed 42 --calls 5000)');
  expect(r.out).toMatch(/api-fuzz: \d+ calls returned; FfikitErrors: ERR_FFIKIT_ARG \d+/);
  expect(r.out).toContain('5000 calls, every one returned or threw an FfikitError');
  expect(r.status).toBe(0);
});

test('a crash (free_array fed JS memory) fails the run, naming the seed and the call', () => {
  const r = fuzz('--calls', '20000', '--seed', '1', '--include', 'free_array');
  expect(r.status).toBe(1);
  expect(r.out).toMatch(/api-fuzz: FAILED: the process died \(SIG[A-Z]+\) in call #\d+ \(or an earlier call corrupted memory\): \w+\(/);
  expect(r.out).toContain('seed 1');
});
