// SIMD kernels: each supported ISA's simd_add vs scalar (the plain reference loop) in cache (n=2048), and n=1e7
// vs a STREAM-like C add.
'use strict';

const { execFileSync } = require('node:child_process');
const path = require('node:path');
const ffikit = require('../../dist/index.js');

const ROOT = path.resolve(__dirname, '..', '..');
const SMALL = 2048;
const LARGE = 10_000_000;
const CALLS = 100;

/** Builds the STREAM-like baseline with CMake (a separate build tree) and runs it once. */
function streamBaseline() {
  const dir = path.join(ROOT, 'build', 'bench');
  execFileSync('cmake', ['-S', ROOT, '-B', dir, '-DFFIKIT_BUILD_BENCH=ON', '-DCMAKE_BUILD_TYPE=Release'], { stdio: 'ignore' });
  execFileSync('cmake', ['--build', dir, '--target', 'ffikit_stream'], { stdio: 'ignore' });
  const exe = path.join(dir, process.platform === 'win32' ? 'ffikit_stream.exe' : 'ffikit_stream');
  const out = execFileSync(exe, [String(LARGE)], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop());
}

module.exports = {
  title: 'SIMD kernels (simd_add through ffikit; n=1e7 against a STREAM-like C add in the same run)',
  setup() {
    const ref = ffikit.reference();
    // The kernels are compared through the lightest ffikit binding (no array contract), so the fixed
    // per-call cost dilutes the kernel ratio as little as possible; the contract-bound ref.fn.simd_add
    // is measured next to it.
    const lib = ffikit.load(ref.path);
    const plain = lib.bind({ simd_add: 'int32_t simd_add(const float *a, const float *b, float *result, size_t len)' });
    const levels = ref.supportedSimdLevels();
    const initial = ref.simdLevel;
    const stream = streamBaseline();
    const small = [new Float32Array(SMALL).fill(1.5), new Float32Array(SMALL).fill(2.25), new Float32Array(SMALL)];
    const large = [new Float32Array(LARGE).fill(1.5), new Float32Array(LARGE).fill(2.25), new Float32Array(LARGE)];
    return { ref, lib, plain, levels, initial, stream, small, large };
  },
  external: (c) => ({ [`STREAM-like C add, n=1e7 (${c.stream.gbps.toFixed(1)} GB/s)`]: c.stream.median_ns }),
  tasks: (c) => {
    const add = c.plain.simd_add;
    const checked = c.ref.fn.simd_add;
    const force = c.ref.fn.ffikit_simd_force;
    const [a, b, out] = c.small;
    const [A, B, OUT] = c.large;
    const tasks = c.levels.map((isa) => ({
      name: `simd_add n=2048 ${isa}`,
      callsPerIteration: CALLS,
      fn: () => {
        force(isa);
        for (let i = 0; i < CALLS; i++) add(a, b, out, SMALL);
      },
    }));
    tasks.push({
      name: `simd_add n=2048 ${c.initial}, with array contracts (ref.fn)`,
      callsPerIteration: CALLS,
      fn: () => {
        force(c.initial);
        for (let i = 0; i < CALLS; i++) checked(a, b, out);
      },
    });
    tasks.push({
      name: `simd_add n=1e7 ${c.initial} (default)`,
      timeMs: 600,
      fn: () => {
        force(c.initial);
        add(A, B, OUT, LARGE);
      },
    });
    return tasks;
  },
  ratios: (c) => {
    const r = [];
    if (c.levels.includes('avx2')) {
      r.push({
        label: 'avx2 speedup over scalar, n=2048',
        num: 'simd_add n=2048 scalar',
        den: 'simd_add n=2048 avx2',
        target: 2.5,
        higherIsBetter: true,
      });
    }
    if (c.levels.includes('avx2') && c.levels.includes('sse2')) {
      // What a CPU with AVX2 gains over one without: sse2 is what the latter runs (x86-64's baseline).
      r.push({
        label: 'avx2 speedup over sse2, n=2048',
        num: 'simd_add n=2048 sse2',
        den: 'simd_add n=2048 avx2',
        higherIsBetter: true,
      });
    }
    if (c.levels.includes('avx512')) {
      r.push({
        label: 'avx512 speedup over scalar, n=2048',
        num: 'simd_add n=2048 scalar',
        den: 'simd_add n=2048 avx512',
        higherIsBetter: true,
      });
      r.push({
        label: 'avx512 speedup over avx2, n=2048',
        num: 'simd_add n=2048 avx2',
        den: 'simd_add n=2048 avx512',
        higherIsBetter: true,
      });
    }
    r.push({
      label: 'n=1e7 bandwidth vs STREAM-like C add',
      num: Object.keys(module.exports.external(c))[0],
      den: `simd_add n=1e7 ${c.initial} (default)`,
      target: 0.9,
      higherIsBetter: true,
    });
    return r;
  },
  teardown(c) {
    c.ref.forceSimd(c.initial);
    c.lib.close();
    c.ref.close();
  },
};
