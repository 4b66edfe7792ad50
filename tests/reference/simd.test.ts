// SIMD kernels: every supported ISA against the scalar reference, exactly or within the bounds ffikit_ref.h documents.
import * as ffikit from '../../ts/index';
import type { SimdLevel } from '../../ts/index';
import { childPool } from '../helpers/child-pool';

const ref = ffikit.reference();
const original = ref.simdLevel;
const levels = ref.supportedSimdLevels();
afterAll(() => {
  ref.forceSimd(original);
  ref.close();
});

// Globals are slow to look up inside jest's vm context, and these run tens of millions of times.
const { imul, abs, max, fround, floor, log2 } = Math;
const { isNaN } = Number;
const same = Object.is;

const FLT_EPSILON = 2 ** -23;
const FLT_MIN = 2 ** -126;
const FLT_TRUE_MIN = 2 ** -149;
const FLT_MAX = fround(3.4028234663852886e38);
const DBL_EPSILON = Number.EPSILON;

const SMALL = Array.from({ length: 68 }, (_, n) => n);
// 2_100_003 floats (8.01 MiB) reach simd_add's non-temporal store path (>= 8 MiB, output not an input).
const LARGE = [1000, 4099, 1 << 20, 2_100_003];
const SENTINEL = -7777.5;
const LEAD = 16; // floats before the view: 64 bytes, so offset 0 keeps the base allocation's alignment
const TAIL = 16;

/** mulberry32: a tiny seeded PRNG, uniform in [0, 1). */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = imul(s ^ (s >>> 15), s | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** spread: signed, magnitudes 2^-40..2^40 (so double sums round); shifted: 100 ± 1; cancel: ±2^20-sized pairs that nearly cancel. */
function floats(n: number, seed: number, kind: 'spread' | 'shifted' | 'cancel' = 'spread'): Float32Array {
  const r = prng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = r() * 2 - 1;
    if (kind === 'shifted') out[i] = 100 + u;
    else if (kind === 'cancel') out[i] = i % 2 === 1 ? -out[i - 1]! + u / 16 : (r() < 0.5 ? -1 : 1) * 2 ** 20 * (1 + r());
    else out[i] = u * 2 ** floor(r() * 80 - 40);
  }
  return out;
}

type Placed = { view: Float32Array; whole: Float32Array; start: number; fill: number };
/** Copies `data` into a larger buffer, `offset` floats past a 64-byte lead, every other element `fill`. */
function place(data: Float32Array, offset: number, fill: number): Placed {
  const start = LEAD + offset;
  const whole = new Float32Array(start + data.length + TAIL).fill(fill);
  whole.set(data, start);
  return { view: whole.subarray(start, start + data.length), whole, start, fill };
}
function guardsIntact(p: Placed): boolean {
  const ok = (x: number): boolean => same(x, p.fill) || (isNaN(p.fill) && isNaN(x));
  for (let i = 0; i < p.start; i++) if (!ok(p.whole[i]!)) return false;
  for (let i = p.start + p.view.length; i < p.whole.length; i++) if (!ok(p.whole[i]!)) return false;
  return true;
}

/** First index where the float bits differ (any NaN matches any NaN), or -1. */
function firstMismatch(x: Float32Array, y: Float32Array): number {
  if (x.length !== y.length) return Math.min(x.length, y.length);
  const bx = new Uint32Array(x.buffer, x.byteOffset, x.length);
  const by = new Uint32Array(y.buffer, y.byteOffset, y.length);
  for (let i = 0; i < x.length; i++) if (bx[i] !== by[i] && !(isNaN(x[i]) && isNaN(y[i]))) return i;
  return -1;
}

const f1 = new Float32Array(1);
const i1 = new Int32Array(f1.buffer);
/** Position of a float on the number line in steps of one float (±0 → 0): adjacent floats differ by 1. */
function ord(v: number): number {
  f1[0] = v;
  const bits = i1[0]!;
  return bits < 0 ? -(bits & 0x7fffffff) : bits;
}
/** ulp(v) exactly as the header defines it. */
function ulp(v: number): number {
  const a = abs(v);
  if (a < FLT_MIN) return FLT_TRUE_MIN;
  let e = floor(log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  return FLT_EPSILON * 2 ** e;
}

const under = <T>(isa: SimdLevel, fn: () => T): T => (ref.forceSimd(isa), fn());

/** Every (length, offsets) case: all small lengths with `small` offsets, the large ones with `large`. */
function* cases<O>(small: readonly O[], large: readonly O[]): Generator<[number, O]> {
  for (const n of SMALL) for (const o of small) yield [n, o];
  for (const n of LARGE) for (const o of large) yield [n, o];
}

/** '12 30' → [[1, 2], [3, 0]]: each argument's offset in floats, one group per case. */
const offs = (spec: string): Array<[number, number, number]> => spec.split(' ').map((g) => [...g].map(Number) as [number, number, number]);

/** The scalar ISA's left-to-right double sum, and Σ|x|. */
function sumJs(x: Float32Array): { sum: number; absSum: number } {
  let [sum, absSum] = [0, 0];
  for (let i = 0; i < x.length; i++) [sum, absSum] = [sum + x[i]!, absSum + abs(x[i]!)];
  return { sum, absSum };
}

/** process_data's formula in double, as the header states it (scalar order). */
function normalizeJs(x: Float32Array): { out: Float32Array; m: number; std: number } {
  const { sum, absSum } = sumJs(x);
  const mean = sum / x.length;
  let q = 0;
  for (let i = 0; i < x.length; i++) q += (x[i]! - mean) * (x[i]! - mean);
  const std = Math.sqrt(q / x.length);
  const out = std > 0 ? x.map((v) => (v - mean) / std) : new Float32Array(x.length);
  return { out, m: absSum / x.length, std };
}

function longRunningJs(x: number): number {
  let v = fround(x);
  for (let i = 0; i < 64; i++) v = fround(fround(v * 0.5) + 1);
  return v;
}

describe('dispatch', () => {
  it("lists 'scalar' always, in SIMD_LEVELS order, and forceSimd switches the whole process", () => {
    expect([levels[0], ref.simdSupported('scalar'), levels.includes(original)]).toEqual(['scalar', true, true]);
    expect(ffikit.SIMD_LEVELS.filter((l) => levels.includes(l))).toEqual(levels);
    for (const isa of levels) expect(under(isa, () => ref.simdLevel)).toBe(isa);
  });

  it('an x86-64 build always has sse2 (the baseline), so the scalar reference is never the default there', () => {
    if (process.arch !== 'x64') {
      expect(levels).not.toContain('sse2');
      return;
    }
    expect(levels).toContain('sse2');
    // (The CI's scalar run forces it with FFIKIT_FORCE_ISA.)
    if (!process.env.FFIKIT_FORCE_ISA) expect(original).not.toBe('scalar');
  });

  it('forceSimd refuses unknown names (ArgumentError) and unsupported ISAs (UnsupportedError), changing nothing', () => {
    ref.forceSimd('scalar');
    for (const name of ['sse9', 'AVX2', 'Scalar', '']) expect(() => ref.forceSimd(name as SimdLevel)).toThrow(ffikit.ArgumentError);
    for (const isa of ffikit.SIMD_LEVELS.filter((l) => !levels.includes(l)))
      expect(() => ref.forceSimd(isa)).toThrow(ffikit.UnsupportedError);
    expect(ref.simdLevel).toBe('scalar');
  });
});

describe.each(levels)('%s against scalar', (isa) => {
  it('simd_add: bit-identical to fround(a + b) at every length and offset, also in place; nothing written outside', () => {
    const bad: string[] = [];
    let seed = 1;
    for (const [n, [oa, ob, oo]] of cases(offs('000 111 231 302 023'), offs('000 123 332'))) {
      const [a, b] = [floats(n, seed++), floats(n, seed++)];
      const [sum, twice] = [a.map((v, i) => v + b[i]!), a.map((v) => v + v)];
      for (const level of new Set<SimdLevel>(['scalar', isa])) {
        // 'new' writes a separate output (the streaming-store path at 2.1M); the others are in place.
        for (const mode of ['new', 'a', 'b', 'aaa'] as const) {
          const [pa, pb, po] = [place(a, oa, SENTINEL), place(b, ob, SENTINEL), place(new Float32Array(n), oo, SENTINEL)];
          const out = { new: po, a: pa, b: pb, aaa: pa }[mode];
          expect(under(level, () => ref.simdAdd(pa.view, mode === 'aaa' ? pa.view : pb.view, out.view))).toBe(out.view);
          const at = firstMismatch(out.view, mode === 'aaa' ? twice : sum);
          const tag = `${level} n=${n} offsets=${oa},${ob},${oo} out=${mode}`;
          if (at >= 0) bad.push(`${tag}: element ${at} is ${out.view[at]}, not ${(mode === 'aaa' ? twice : sum)[at]}`);
          if (![pa, pb, po].every(guardsIntact)) bad.push(`${tag}: wrote outside the arrays`);
          if (mode === 'new' && (firstMismatch(pa.view, a) >= 0 || firstMismatch(pb.view, b) >= 0)) bad.push(`${tag}: modified an input`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it('simd_add: special values (NaN, ±Inf, ±0, subnormals, overflow) are bit-identical', () => {
    const specials = [NaN, Infinity, -Infinity, 0, -0, FLT_TRUE_MIN, -FLT_TRUE_MIN, FLT_MIN, FLT_MAX, -FLT_MAX, 1, -1, 0.1, 3e38];
    const a = Float32Array.from(specials.flatMap((x) => specials.map(() => x)));
    const b = Float32Array.from(specials.flatMap(() => specials));
    const expected = a.map((v, i) => v + b[i]!);
    const scalar = under('scalar', () => ref.simdAdd(a, b));
    const vector = under(isa, () => ref.simdAdd(a, b));
    expect(firstMismatch(scalar, expected)).toBe(-1);
    expect(firstMismatch(vector, scalar)).toBe(-1);
  });

  it('simd_sum and simd_dot: scalar is the exact left-to-right double sum, the ISA within 2·len·DBL_EPSILON·Σ|·|', () => {
    const bad: string[] = [];
    let seed = 2000;
    for (const kind of ['spread', 'cancel'] as const) {
      for (const [n, [o1, o2]] of cases(offs('00 12 23 31'), offs('00 31'))) {
        const [x, y] = [floats(n, seed++, kind), floats(n, seed++)];
        const { sum, absSum } = sumJs(x);
        let [dot, pAbs, sqAbs] = [0, 0, 0];
        for (let i = 0; i < n; i++) {
          const p = x[i]! * y[i]!; // exact: a float times a float fits a double
          dot += p;
          pAbs += abs(p);
          sqAbs += x[i]! * x[i]!;
        }
        // NaN around every input: a read outside the views would poison the result.
        const [px, py] = [place(x, o1, NaN), place(y, o2, NaN)];
        const [s0, d0, q0] = under('scalar', () => [ref.simdSum(px.view), ref.simdDot(px.view, py.view), ref.simdDot(px.view, px.view)]);
        const [s1, d1, q1] = under(isa, () => [ref.simdSum(px.view), ref.simdDot(px.view, py.view), ref.simdDot(px.view, px.view)]);
        const tag = `${kind} n=${n} offsets=${o1},${o2}`;
        if (!same(s0, sum) || !same(d0, dot)) bad.push(`${tag}: scalar ${s0}/${d0} is not ${sum}/${dot}`);
        for (const [what, v, s, scale] of [
          ['sum', s1, s0, absSum],
          ['dot', d1, d0, pAbs],
          ['x·x', q1, q0, sqAbs],
        ] as const) {
          if (!(abs(v! - s!) <= 2 * n * DBL_EPSILON * scale))
            bad.push(`${tag}: ${what} ${v} vs ${s}, bound ${2 * n * DBL_EPSILON * scale}`);
        }
        // Same ISA, same len, other alignment: the order of the additions (so the result) must not change.
        const [ax, ay] = [x.slice(), y.slice()];
        const [s2, d2] = under(isa, () => [ref.simdSum(ax), ref.simdDot(ax, ay)]);
        if (!same(s2, s1) || !same(d2, d1)) bad.push(`${tag}: depends on alignment (${s1} vs ${s2}, ${d1} vs ${d2})`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('simd_axpy: scalar rounds twice, the ISA stays adjacent (same signs) or within the cancellation bound', () => {
    const bad: string[] = [];
    let seed = 3000;
    const alphas = [0, 1, -1, 2.5, -0.7, 2 ** -15, 1000.1].map((v) => fround(v));
    for (const [n, [ox, oy]] of cases(offs('00 13 32 21'), offs('00 31'))) {
      const alpha = alphas[seed % alphas.length]!;
      const r = prng(seed);
      const x = floats(n, seed++);
      // A third of y cancels alpha·x exactly (scalar gives 0, FMA the product's rounding error), a third nearly.
      const y = x.map((v, i) => (i % 3 === 0 ? -(alpha * v) : i % 3 === 1 ? -(alpha * v) * (1 + (r() - 0.5) * 2 ** -18) : r() * 4 - 2));
      for (const inPlace of [false, true]) {
        const xs = inPlace ? y : x;
        const expected = y.map((v, i) => fround(alpha * xs[i]!) + v);
        const results: Float32Array[] = [];
        for (const level of ['scalar', isa] as const) {
          const py = place(y, inPlace ? ox : oy, SENTINEL);
          under(level, () => ref.simdAxpy(alpha, inPlace ? py.view : place(x, ox, NaN).view, py.view));
          if (!guardsIntact(py)) bad.push(`${level} n=${n}: wrote outside y`);
          results.push(py.view);
        }
        const [ys, yv] = results as [Float32Array, Float32Array];
        const tag = `alpha=${alpha} n=${n} offsets=${ox},${oy}${inPlace ? ' x===y' : ''}`;
        const at = firstMismatch(ys, expected);
        if (at >= 0) bad.push(`${tag}: scalar element ${at} is ${ys[at]}, not ${expected[at]}`);
        for (let i = 0; i < n; i++) {
          const [p, y0, s, v] = [alpha * xs[i]!, y[i]!, ys[i]!, yv[i]!];
          const [diff, big] = [abs(v - s), max(abs(v), abs(s))];
          const sameSigns = !((p > 0 && y0 < 0) || (p < 0 && y0 > 0));
          if (sameSigns ? abs(ord(v) - ord(s)) > 1 || diff > ulp(big) : !(diff <= FLT_EPSILON * (abs(p) + big) + FLT_TRUE_MIN)) {
            bad.push(`${tag} i=${i}: x=${xs[i]} y=${y0}: ${isa} ${v} vs scalar ${s}`);
          }
        }
      }
    }
    expect(bad.slice(0, 20)).toEqual([]);
  });

  it("simd_axpy: the header's overflow example (2 · 3e38 − 3e38)", () => {
    const x = new Float32Array(37).fill(3e38);
    const run = (level: SimdLevel): number[] => {
      const y = new Float32Array(37).fill(-3e38);
      under(level, () => ref.simdAxpy(2, x, y));
      return Array.from(y);
    };
    expect(run('scalar')).toEqual(new Array(37).fill(Infinity));
    // sse2 has no fused multiply-add: it rounds twice, like scalar.
    const fused = isa === 'avx2' || isa === 'avx512';
    expect(run(isa)).toEqual(new Array(37).fill(fused ? fround(3e38) : Infinity));
  });

  it('process_data: scalar matches the formula exactly, the ISA stays within the documented bound', () => {
    const bad: string[] = [];
    let seed = 4000;
    for (const kind of ['shifted', 'spread'] as const) {
      for (const [n, offset] of cases([0, 1, 2, 3], [0, 3])) {
        const x = floats(n, seed++, kind);
        const { out: expected, m, std } = normalizeJs(x);
        const [ps, pv] = [place(x, offset, SENTINEL), place(x, 3 - offset, SENTINEL)];
        under('scalar', () => ref.processData(ps.view));
        under(isa, () => ref.processData(pv.view));
        const tag = `${kind} n=${n} offset=${offset}`;
        if (!guardsIntact(ps) || !guardsIntact(pv)) bad.push(`${tag}: wrote outside the array`);
        const at = firstMismatch(ps.view, expected);
        if (at >= 0) bad.push(`${tag}: scalar element ${at} is ${ps.view[at]}, not ${expected[at]}`);
        if (n === 0) continue;
        if (!(std > 0)) {
          if (firstMismatch(pv.view, expected) >= 0) bad.push(`${tag}: std 0 but ${isa} did not write exactly +0`);
          continue;
        }
        if ((n * DBL_EPSILON * m) / std > 1 / 8) bad.push(`${tag}: test data too close to constant (kappa > 1/8)`);
        const slack = 4 * n * DBL_EPSILON * (1 + m / std);
        for (let i = 0; i < n; i++) {
          const [s, v] = [ps.view[i]!, pv.view[i]!];
          const bound = FLT_EPSILON * max(abs(s), abs(v)) + slack * (1 + abs(s));
          if (!(abs(v - s) <= bound)) bad.push(`${tag} i=${i}: ${isa} ${v} vs scalar ${s}, bound ${bound}`);
        }
      }
    }
    expect(bad.slice(0, 20)).toEqual([]);
  });

  it('process_data: all-equal input gives exactly +0 in every ISA; non-finite input is refused untouched', () => {
    for (const value of [0, -0, 1e6, -3.25, 0.1, FLT_MAX, -FLT_TRUE_MIN]) {
      for (const n of [1, 2, 7, 8, 17, 67, 4099, 1 << 20]) {
        const data = new Float32Array(n).fill(value);
        under(isa, () => ref.processData(data));
        expect({ value, n, at: firstMismatch(data, new Float32Array(n)) }).toEqual({ value, n, at: -1 });
      }
    }
    for (const poison of [NaN, Infinity, -Infinity]) {
      const data = floats(67, 9);
      data[66] = poison;
      const before = data.slice();
      expect(() => under(isa, () => ref.processData(data))).toThrow(expect.objectContaining({ statusName: 'ERR_INVALID_ARGUMENT' }));
      expect(firstMismatch(data, before)).toBe(-1);
    }
  });

  it('batch_process normalises each row exactly like process_data does in the same ISA', () => {
    for (const [rows, item] of offs('15 36 73').map(([r, i]) => [r, i * 11] as const)) {
      const data = floats(rows * item, rows * 100 + item, 'shifted');
      const byRow = data.slice();
      under(isa, () => {
        ref.batchProcess(data, item);
        for (let r = 0; r < rows; r++) ref.processData(byRow.subarray(r * item, (r + 1) * item));
      });
      expect(firstMismatch(data, byRow)).toBe(-1);
    }
  });

  it('long_running_operation: bit-identical to the JS reproduction in every ISA', () => {
    const bad: string[] = [];
    const specials = [NaN, Infinity, -Infinity, 0, -0, FLT_TRUE_MIN, 2 ** 40, -(2 ** 40), 2 ** 41, 3e38, -3e38, 1e20];
    let seed = 5000;
    for (const [n, offset] of cases([0, 1, 2, 3], [1])) {
      if (n > 4099) continue;
      const x = floats(n, seed++).map((v, i) => (i % 5 === 0 ? specials[i % specials.length]! : v * 2 ** 30));
      const expected = x.map(longRunningJs);
      for (const level of new Set<SimdLevel>(['scalar', isa])) {
        const p = place(x, offset, SENTINEL);
        under(level, () => ref.longRunningOperation(p.view));
        const at = firstMismatch(p.view, expected);
        if (at >= 0 || !guardsIntact(p)) bad.push(`${level} n=${n} offset=${offset}: element ${at} is ${p.view[at]}, not ${expected[at]}`);
      }
    }
    const big = floats(1 << 20, 77).map((v) => v * 2 ** 60);
    const [s, v] = [big.slice(), big.slice()];
    under('scalar', () => ref.longRunningOperation(s));
    under(isa, () => ref.longRunningOperation(v));
    expect(firstMismatch(v, s)).toBe(-1);
    expect(bad).toEqual([]);
  });
});

describe('argument checks through ref.fn', () => {
  it('simd_sum/simd_dot: NULL with length 0 gives 0; a length past the array is an ArgumentError; NULL result fails', () => {
    const out: [number] = [123];
    ref.fn.simd_sum(null, 0, out);
    const dot: [number] = [123];
    ref.fn.simd_dot(null, null, 0, dot);
    expect([out[0], dot[0]]).toEqual([0, 0]);
    const data = new Float32Array([1, 2, 3]);
    for (const call of [
      () => ref.fn.simd_sum(data, 4, out),
      () => ref.fn.simd_sum(null, 1, out),
      () => ref.fn.simd_dot(data, data, 4, out),
      () => ref.fn.simd_dot(data, data.subarray(1), undefined, out),
      () => ref.fn.simd_dot(null, data, 3, out),
      () => ref.fn.simd_add(data, data, new Float32Array(2), undefined),
      () => ref.fn.simd_axpy(1, data, data, 5),
      () => ref.simdDot(data, data.subarray(1)),
      () => ref.simdAdd(data, data, new Float32Array(4)),
    ]) {
      out[0] = 123;
      expect(call).toThrow(ffikit.ArgumentError);
      expect(out[0]).toBe(123);
    }
    ref.fn.simd_sum(data, 2, out);
    expect(out[0]).toBe(3);
    const nullResult = expect.objectContaining({ code: 'ERR_FFIKIT_NATIVE', statusName: 'ERR_NULL_POINTER' });
    expect(() => ref.fn.simd_sum(data, 3, null)).toThrow(nullResult);
    expect(() => ref.fn.simd_sum(null, 0, null)).toThrow(nullResult); // checked before len == 0
    expect(() => ref.fn.simd_dot(null, null, 0, null)).toThrow(nullResult);
  });
});

describe('FFIKIT_FORCE_ISA (child processes)', () => {
  const run = childPool(4);
  const probe = `const f = require('./ts/index'); const r = {};
    try { const ref = f.reference(); r.level = ref.simdLevel; ref.close(); }
    catch (e) { r.error = { name: e.name, code: e.code, unsupported: e instanceof f.UnsupportedError, message: e.message }; }`;
  // In the error state the C kernels must refuse to run (no silent fallback) until ffikit_simd_force() succeeds.
  const raw = `const lib = f.load(${JSON.stringify(ref.path)}); const m = lib.bind({
      level: 'const char *ffikit_simd_level(void)', status: 'int32_t ffikit_simd_status(void)',
      sum: 'int32_t simd_sum(const float *d, size_t n, double *result)', force: 'int32_t ffikit_simd_force(const char *isa)' });
    const res = new Float64Array([42]);
    r.raw = { level: m.level(), status: m.status(), sum: m.sum(new Float32Array([1, 2]), 2, res), result: res[0] };
    r.raw.force = m.force('scalar'); r.raw.after = m.level(); r.raw.reference = f.reference().simdLevel;`;
  const childResult = async (value: string, extra = ''): Promise<Record<string, any>> => {
    const child = await run(`${probe}\n${extra}\nconsole.log(JSON.stringify(r));`, { env: { FFIKIT_FORCE_ISA: value } });
    expect({ status: child.status, stderr: child.stderr }).toEqual({ status: 0, stderr: '' });
    return JSON.parse(child.stdout) as Record<string, any>;
  };

  it('selects exactly the named ISA when supported, refuses it with UnsupportedError otherwise', async () => {
    const results = await Promise.all(ffikit.SIMD_LEVELS.map((isa) => childResult(isa)));
    ffikit.SIMD_LEVELS.forEach((isa, i) => {
      if (levels.includes(isa)) expect(results[i]).toEqual({ level: isa });
      else expect(results[i]!.error).toMatchObject({ name: 'UnsupportedError', code: 'ERR_FFIKIT_UNSUPPORTED', unsupported: true });
    });
  });

  it('an empty value picks the default (avx2 > sse2 > scalar, never avx512 on its own)', async () => {
    const expected = (['avx2', 'sse2'] as const).find((isa) => levels.includes(isa)) ?? 'scalar';
    expect(await childResult('')).toEqual({ level: expected });
  });

  it.each(['sse9', 'AVX2', 'avx512f', ' scalar'])(
    '%j: reference() throws UnsupportedError naming the variable; kernels refuse',
    async (value) => {
      const result = await childResult(value, raw);
      expect(result.level).toBeUndefined();
      expect(result.error).toMatchObject({ name: 'UnsupportedError', code: 'ERR_FFIKIT_UNSUPPORTED', unsupported: true });
      expect(result.error.message).toContain(`FFIKIT_FORCE_ISA=${value}`);
      expect(result.raw).toEqual({ level: 'none', status: -4, sum: -4, result: 42, force: 0, after: 'scalar', reference: 'scalar' });
    },
  );
});
