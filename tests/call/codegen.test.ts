// The wrapper generator: its source is visible under NODE_DEBUG=ffikit, and a closure-built fallback behaves the same when code generation is forbidden.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

import * as ffikit from '../../ts/index';
import { ROOT, runChild } from '../helpers/child';
import { compiledDir } from '../helpers/compiled';

let out: string;
let libPath: string;

beforeAll(() => {
  // The children run compiled JS (tsx itself may need code generation).
  out = compiledDir();
  const ref = ffikit.reference();
  libPath = ref.path;
  ref.close();
}, 120000);

/** A workload over every wrapper feature: plain, checked status, contracts, ManagedArrays, transient callbacks, .async. */
const workload = (dir: string, lib: string): string => `
const ffikit = require(${JSON.stringify(path.join(dir, 'index.js'))});
const Codes = ffikit.errorCodes({ SUCCESS: 0, ERR_NULL_POINTER: [-1, 'Null pointer error'], ERR_INVALID_SIZE: [-2, 'Invalid size error'] });
ffikit.callbackType('void ProgressCallback(int current, int total)');
const lib = ffikit.load(${JSON.stringify(lib)});
const m = lib.bind({
  create_array: { fn: 'double *create_array(size_t len)', errcheck: 'null-is-failure' },
  free_array: 'void free_array(double *arr)',
  safe_operation: { fn: 'int32_t safe_operation(double *arr, size_t len)', errcheck: Codes },
  process_1d: { fn: 'int32_t process_1d(double *data, size_t len)', errcheck: Codes, arrays: { data: { length: 'len' } } },
  process_with_callback: 'int32_t process_with_callback(double *data, size_t len, ProgressCallback *callback)',
});
const results = [];
const tryIt = (f) => { try { return f(); } catch (e) { return e.name + ' ' + e.code + ' ' + e.message; } };
const data = new Float64Array([1, 2, 3, 4]);
results.push(tryIt(() => m.process_1d(data)), Array.from(data));
results.push(tryIt(() => m.process_1d(data, 9)));
results.push(tryIt(() => m.process_1d(new Float32Array(4))));
results.push(tryIt(() => m.safe_operation(data, 0)));
results.push(tryIt(() => m.process_1d()));
const arr = ffikit.ManagedArray.create('float64', 3, { alloc: m.create_array, free: m.free_array });
results.push(tryIt(() => m.process_1d(arr)), arr.read(0));
let calls = 0;
results.push(tryIt(() => m.process_with_callback(data, data.length, () => { calls++; })), calls > 0);
results.push(tryIt(() => m.process_with_callback(data, data.length, () => { throw new Error('boom'); })));
arr.dispose();
results.push(tryIt(() => m.process_1d(arr)));
m.process_1d.async(data).then(
  (v) => results.push('async ' + v),
  (e) => results.push('async ' + e.message),
).then(() => m.process_1d.async(new Int8Array(2)).catch((e) => results.push('async ' + e.message)))
 .then(() => { lib.close(); console.log(JSON.stringify(results)); });
`;

test('NODE_DEBUG=ffikit prints each generated wrapper with its sourceURL', () => {
  const r = runChild(
    `const ffikit = require('./ts/index'); const lib = ffikit.load(${JSON.stringify(libPath)});
     lib.bind({ add: 'int ffikit_abi_version(void)' });`,
    { env: { NODE_DEBUG: 'ffikit' } },
  );
  expect(r.status).toBe(0);
  expect(r.stderr).toContain('generated ffikit:bind/add');
  expect(r.stderr).toContain('//# sourceURL=ffikit:bind/add\n');
  expect(r.stderr).toContain('//# sourceURL=ffikit:bind/add.async');
  expect(r.stderr).toMatch(/return function bound\(\) \{/);
});

test('an error thrown by a generated wrapper names it in the stack', () => {
  const lib = ffikit.load(libPath);
  const m = lib.bind({ 'process 1d!': 'int32_t process_1d(double *data, size_t len)' });
  try {
    m['process 1d!'](new Int8Array(1) as never, 1);
    throw new Error('expected a throw');
  } catch (err) {
    expect((err as Error).stack).toContain('ffikit:bind/process_1d_');
  } finally {
    lib.close();
  }
});

/** Runs plain compiled JS (no TypeScript loader) with the given node flags. */
function runCompiled(
  code: string,
  nodeArgs: string[],
  env: NodeJS.ProcessEnv = {},
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...nodeArgs, '-e', code], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60000,
    env: { ...process.env, ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('with --disallow-code-generation-from-strings the closure-built wrappers give the same results', () => {
  const normal = runCompiled(workload(out, libPath), []);
  const closures = runCompiled(workload(out, libPath), ['--disallow-code-generation-from-strings'], { NODE_DEBUG: 'ffikit' });
  expect(normal.stderr).not.toContain('EvalError');
  expect(normal.status).toBe(0);
  expect(closures.status).toBe(0);
  expect(closures.stderr).toContain('code generation from strings is disallowed');
  const a = JSON.parse(normal.stdout) as unknown[];
  const b = JSON.parse(closures.stdout) as unknown[];
  expect(b).toEqual(a);
  // The workload really exercised success and failure paths.
  expect(a).toContainEqual(expect.stringContaining("process_1d(): argument 'len' expects an integer in [0, 4]"));
  expect(a).toContainEqual(expect.stringContaining('safe_operation() failed: ERR_INVALID_SIZE (-2)'));
  expect(a).toContainEqual(expect.stringContaining('CallbackError ERR_FFIKIT_CALLBACK'));
  expect(a).toContainEqual(expect.stringContaining('is a disposed ManagedArray(float64, 3)'));
  expect(a).toContainEqual('async undefined');
});

test('a call whose argument conversion throws keeps no ManagedArray reachable or pinned', () => {
  const r = runChild(
    `const ffikit = require('./ts/index');
     const lib = ffikit.load(${JSON.stringify(libPath)});
     const m = lib.bind({ simd_add: 'int32_t simd_add(const float *a, const float *b, float *result, size_t len)' });
     let ref;
     (() => {
       const a = ffikit.ManagedArray.create('float32', 4);
       ref = new WeakRef(a);
       try { m.simd_add(a, 'not an array', new Float32Array(4), 4); } catch (e) { if (e.code !== 'ERR_FFIKIT_ARG') throw e; }
       // Not pinned: disposing frees at once, and a later call sees it disposed.
       a.dispose();
     })();
     const held = ffikit.ManagedArray.create('float32', 4);
     try { m.simd_add(held, held, 1, 4); } catch (e) { if (e.code !== 'ERR_FFIKIT_ARG') throw e; }
     held.dispose();
     setImmediate(() => { gc(); setImmediate(() => { gc(); console.log(ref.deref() === undefined ? 'collected' : 'still reachable'); }); });`,
    { nodeArgs: ['--expose-gc'] },
  );
  expect(r.stderr).toBe('');
  expect(r.stdout.trim()).toBe('collected');
});
