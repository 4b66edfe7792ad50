// Random JS values into every reference-library function and a set of libc/libm functions, through the public API:
// every call must return or throw an FfikitError. Usage: node scripts/api-fuzz.js [--calls N] [--seed S]
'use strict';

const { spawn } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
// The package to fuzz: the built one, or FFIKIT_FUZZ_MODULE (an index.js compiled elsewhere, for tests).
const entry = process.env.FFIKIT_FUZZ_MODULE || path.join(root, 'dist', 'index.js');

function parseArgs(argv) {
  const out = { calls: 100000, seed: Math.floor(Math.random() * 2 ** 31), child: false, describe: -1, include: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--calls') out.calls = Number(argv[++i]);
    else if (a === '--seed') out.seed = Number(argv[++i]);
    else if (a === '--child') out.child = true;
    else if (a === '--describe') out.describe = Number(argv[++i]);
    // Puts an excluded function back (to watch the harness catch the crash it causes).
    else if (a === '--include') out.include.push(argv[++i]);
    else throw new Error(`api-fuzz: unknown argument '${a}' (options: --calls N, --seed S)`);
  }
  if (!Number.isSafeInteger(out.calls) || out.calls < 1) throw new Error('api-fuzz: --calls expects a positive integer');
  if (!Number.isSafeInteger(out.seed)) throw new Error('api-fuzz: --seed expects an integer');
  return out;
}

/** mulberry32: a small, fast, seedable PRNG (same seed, same sequence of calls). */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The functions under test. Excluded, and why: free_array (a deallocator: freeing memory it did not
 * allocate is undefined behaviour no declaration can rule out); process_batch (its offsets index `data`,
 * whose length C never receives, so no contract bounds the reads); ffikit_events_start (starts a thread
 * that calls back: covered by the callback tests); long_running_operation (deliberately slow).
 * Raw non-zero bigint addresses are never passed to pointer parameters: ffikit passes addresses through
 * unchecked by design (only checked mode refuses them).
 */
function declare(ffikit, include = []) {
  const ref = ffikit.reference();
  const skip = new Set(['free_array', 'process_batch', 'ffikit_events_start', 'long_running_operation', 'ffikit_events_stop']);
  for (const name of include) skip.delete(name);
  const fns = Object.entries(ref.fn)
    .filter(([name]) => !skip.has(name))
    .map(([name, fn]) => ({ name, fn, params: fn.info.params, pointers: pointerParams(fn.info.prototype) }));
  ffikit.callbackType('int FuzzCmp(const void *a, const void *b)');
  const libc = ffikit.load('libc.so.6').bind({
    strlen: 'size_t strlen(_Nonnull const char *s)',
    strcmp: 'int strcmp(_Nonnull const char *a, _Nonnull const char *b)',
    atoi: 'int atoi(_Nonnull const char *s)',
    getenv: 'const char *getenv(_Nonnull const char *name)',
    toupper: 'int toupper(int c)',
    labs: 'long labs(long x)',
    memset: { fn: 'void *memset(_Nonnull void *s, int c, size_t n)', arrays: { s: { dtype: 'uint8', length: 'n' } } },
    memcpy: {
      fn: 'void *memcpy(_Nonnull void *dst, _Nonnull const void *src, size_t n)',
      arrays: { dst: { dtype: 'uint8', length: 'n' }, src: { dtype: 'uint8', minLength: 'n' } },
    },
    strnlen: { fn: 'size_t strnlen(_Nonnull const char *s, size_t maxlen)' },
    snprintf: { fn: 'int snprintf(char *buf, size_t n, _Nonnull const char *fmt, ...)', arrays: { buf: { dtype: 'int8', length: 'n' } } },
  });
  const libm = ffikit.load('libm.so.6').bind({
    sqrt: 'double sqrt(double x)',
    pow: 'double pow(double x, double y)',
    floor: 'double floor(double x)',
    ldexp: 'double ldexp(double x, int e)',
  });
  // snprintf itself only with a fixed format below: a format naming arguments that were not passed
  // makes C read them anyway (a format-string bug no declaration can catch).
  for (const [name, fn] of [...Object.entries(libc), ...Object.entries(libm)]) {
    if (name === 'snprintf') continue;
    fns.push({ name, fn, params: fn.info.params, pointers: pointerParams(fn.info.prototype) });
  }
  // A fixed format keeps snprintf's variadic part honest: the format names exactly the declared types.
  const snprintf = libc.snprintf.variadic('int', 'double');
  fns.push({
    name: 'snprintf(int,double)',
    fn: (b, n, _f, i, d) => snprintf(b, n, '%d %f', i, d),
    params: ['buf', 'n', 'fmt', 'i', 'd'],
    pointers: new Set([0]),
  });
  return { ref, fns };
}

function pointerParams(prototype) {
  const inner = prototype.slice(prototype.indexOf('(') + 1, prototype.lastIndexOf(')'));
  const set = new Set();
  inner.split(',').forEach((p, i) => {
    if (p.includes('*')) set.add(i);
  });
  return set;
}

/** Builds the value pool once; `pick` draws from it. */
function values(ffikit, rand, made) {
  const detached = new Float64Array(new ArrayBuffer(16));
  structuredClone(detached.buffer, { transfer: [detached.buffer] });
  const disposed = ffikit.ManagedArray.create('float64', 4);
  disposed.dispose();
  const ctors = [
    Int8Array,
    Uint8Array,
    Int16Array,
    Uint16Array,
    Int32Array,
    Uint32Array,
    BigInt64Array,
    BigUint64Array,
    Float32Array,
    Float64Array,
  ];
  ffikit.opaque('FuzzThing');
  const pool = [
    () => undefined,
    () => null,
    () => true,
    () => false,
    () => 0,
    () => -0,
    () => 1,
    () => -1,
    () => 3,
    () => 1.5,
    () => NaN,
    () => Infinity,
    () => -Infinity,
    () => 2 ** 31,
    () => -(2 ** 31) - 1,
    () => 2 ** 53,
    () => Number.MAX_VALUE,
    () => Math.floor(rand() * 64),
    () => 0n,
    () => -1n,
    () => 2n ** 63n,
    () => -(2n ** 63n),
    () => 2n ** 64n - 1n,
    () => 2n ** 64n,
    () => '',
    () => 'text',
    () => 'nul\0inside',
    () => 'ü'.repeat(40),
    () => '%s%s%n',
    () => Symbol('s'),
    () => ({}),
    () => ({ x: 1 }),
    () => [1, 2, 3],
    () => [],
    () => () => 1,
    () => () => {
      throw new Error('callback threw');
    },
    () => detached,
    () => new Float64Array(new ArrayBuffer(32, { maxByteLength: 64 })),
    () => new Float32Array(new SharedArrayBuffer(16)),
    () => disposed,
    () => {
      const a = ffikit.ManagedArray.create(['float64', 'float32', 'int32', 'uint8'][Math.floor(rand() * 4)], Math.floor(rand() * 8));
      made.push(a);
      return a;
    },
    () => new ffikit.NDArray(new Float64Array(6), [2, 3]),
    () => new ffikit.NDArray(new Float32Array(6), [3, 2]).transpose(),
    () => new ffikit.NDArray(new Float64Array(4), [4]),
    () => ({ data: new Float32Array(4), shape: [2, 2] }),
    () => ({ data: new Float32Array(4), shape: [3, 3] }),
    () => ffikit.handle('FuzzThing', 16n),
    () => Buffer.from('buffer\0'),
    () => new DataView(new ArrayBuffer(8)),
    () => new ArrayBuffer(8),
    () => {
      const C = ctors[Math.floor(rand() * ctors.length)];
      return new C(Math.floor(rand() * 40));
    },
  ];
  return () => pool[Math.floor(rand() * pool.length)]();
}

/** The i-th call of a run: which function and which arguments (deterministic per seed). */
function* calls(ffikit, fns, seed, made = []) {
  const rand = prng(seed);
  const pick = values(ffikit, rand, made);
  for (let i = 0; ; i++) {
    const f = fns[Math.floor(rand() * fns.length)];
    // Usually the declared arity, sometimes one fewer or one more.
    const r = rand();
    const n = Math.max(0, f.params.length + (r < 0.05 ? -1 : r > 0.95 ? 1 : 0));
    const args = [];
    for (let j = 0; j < n; j++) {
      let v = pick();
      if (f.pointers.has(j) && typeof v === 'bigint' && v !== 0n) v = null;
      args.push(v);
    }
    yield { index: i, f, args };
  }
}

function describeArgs(ffikit, args) {
  return args
    .map((a) =>
      typeof a === 'bigint'
        ? `${a}n`
        : typeof a === 'string'
          ? JSON.stringify(a)
          : typeof a === 'symbol'
            ? 'Symbol()'
            : require('node:util').inspect(a, { depth: 1, maxArrayLength: 4 }),
    )
    .join(', ');
}

function runChild(opts) {
  const ffikit = require(entry);
  const { ref, fns } = declare(ffikit, opts.include);
  const progress = Buffer.alloc(4);
  let bad = 0;
  let returned = 0;
  const codes = new Map();
  const made = [];
  const gen = calls(ffikit, fns, opts.seed, made);
  for (let k = 0; k < opts.calls; k++) {
    for (const a of made.splice(0)) a.dispose();
    const { index, f, args } = gen.next().value;
    // The parent reads the index of the call in flight if this process dies.
    progress.writeUInt32LE(index);
    require('node:fs').writeSync(3, progress);
    try {
      const r = f.fn(...args);
      if (r instanceof Promise) r.catch(() => undefined);
      returned++;
    } catch (err) {
      if (err instanceof ffikit.FfikitError) codes.set(err.code, (codes.get(err.code) ?? 0) + 1);
      else {
        bad++;
        console.error(
          `api-fuzz: seed ${opts.seed}, call #${index}: ${f.name}(${describeArgs(ffikit, args)}) threw ${err && err.name}: ${err && err.message}`,
        );
        if (bad >= 5) break;
      }
    }
  }
  const thrown = [...codes].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${n}`);
  console.log(`api-fuzz: ${returned} calls returned; FfikitErrors: ${thrown.join(', ')}`);
  ref.close();
  process.exitCode = bad === 0 ? 0 : 1;
}

function describeCall(opts) {
  const ffikit = require(entry);
  const { fns } = declare(ffikit, opts.include);
  const gen = calls(ffikit, fns, opts.seed);
  for (;;) {
    const { index, f, args } = gen.next().value;
    if (index === opts.describe) {
      console.log(`${f.name}(${describeArgs(ffikit, args)})`);
      return;
    }
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.child) {
    try {
      return runChild(opts);
    } catch (err) {
      // Exit code 2: the harness could not run (not a finding about the calls).
      console.error(err);
      process.exit(2);
    }
  }
  if (opts.describe >= 0) return describeCall(opts);
  console.log(
    `api-fuzz: seed ${opts.seed}, ${opts.calls} calls (reproduce: node scripts/api-fuzz.js --seed ${opts.seed} --calls ${opts.calls})`,
  );
  const started = Date.now();
  const extra = opts.include.flatMap((n) => ['--include', n]);
  const child = spawn(process.execPath, [__filename, '--child', '--seed', String(opts.seed), '--calls', String(opts.calls), ...extra], {
    stdio: ['ignore', 'inherit', 'inherit', 'pipe'],
  });
  let last = -1;
  child.stdio[3].on('data', (chunk) => {
    if (chunk.length >= 4) last = chunk.readUInt32LE(chunk.length - 4 - (chunk.length % 4));
  });
  const [code, signal] = await new Promise((resolve) => child.on('exit', (c, s) => resolve([c, s])));
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (code === 2) {
    console.error(`api-fuzz: FAILED: the harness itself failed (see above); seed ${opts.seed}`);
    process.exit(2);
  }
  if (signal || (code !== 0 && code !== 1)) {
    const { execFileSync } = require('node:child_process');
    const what = execFileSync(process.execPath, [__filename, '--seed', String(opts.seed), '--describe', String(last), ...extra], {
      encoding: 'utf8',
    }).trim();
    console.error(
      `api-fuzz: FAILED: the process died (${signal ?? `exit ${code}`}) in call #${last} (or an earlier call corrupted memory): ${what}\n  seed ${opts.seed}`,
    );
    process.exit(1);
  }
  if (code !== 0) {
    console.error(`api-fuzz: FAILED: calls threw errors that are not FfikitErrors (seed ${opts.seed}); see above.`);
    process.exit(1);
  }
  console.log(`api-fuzz: ${opts.calls} calls, every one returned or threw an FfikitError (${seconds} s, seed ${opts.seed})`);
}

main().catch((err) => {
  console.error(err);
  process.exit(2);
});
