// ffikit.reference(): every function of ffikit_ref.h through the typed class, results and error codes checked.
import * as fs from 'node:fs';
import * as path from 'node:path';

import * as ffikit from '../../ts/index';
import { ROOT, runChild } from '../helpers/child';

const ref = ffikit.reference();
afterAll(() => ref.close());

function nativeError(fn: () => unknown): ffikit.NativeError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ffikit.NativeError);
    return err as ffikit.NativeError;
  }
  throw new Error('expected a NativeError');
}

/** Reproduces long_running_operation in JS, rounding to float after every step as the header documents. */
function longRunning(x: number): number {
  let v = Math.fround(x);
  for (let i = 0; i < 64; i++) v = Math.fround(Math.fround(v * 0.5) + 1);
  return v;
}

describe('meta functions', () => {
  it('reports ABI version, SIMD level and a clean allocation counter', () => {
    expect(ref.abiVersion).toBe(ffikit.REFERENCE_ABI_VERSION);
    expect(['scalar', 'avx2', 'avx512']).toContain(ref.simdLevel);
    expect(ref.simdSupported('scalar')).toBe(true);
    expect(ref.liveAllocations()).toBe(0);
  });

  it('mirrors the C X-macro table exactly in ReferenceErrorCodes', () => {
    const fromC = ref.errorCodes().map((code) => [ref.errorName(code), code, ref.errorMessage(code)]);
    const fromTs = ffikit.ReferenceErrorCodes.entries().map(([name, code]) => [name, code, ffikit.ReferenceErrorCodes.messageOf(code)]);
    expect(fromTs).toEqual(fromC);
    expect(ref.errorName(12345)).toBe('UNKNOWN');
    expect(ref.errorMessage(12345)).toBe('Unknown error');
  });

  it('mirrors the header text too (the table is parsed from ffikit_ref.h)', () => {
    const header = fs.readFileSync(path.join(ROOT, 'cpp/include/ffikit_ref.h'), 'utf8');
    const rows = [...header.matchAll(/X\((\w+), (-?\d+), "([^"]*)"\)/g)].map((m) => [m[1], Number(m[2]), m[3]]);
    expect(rows.length).toBeGreaterThanOrEqual(7);
    expect(ffikit.ReferenceErrorCodes.entries().map(([n, v]) => [n, v, ffikit.ReferenceErrorCodes.messageOf(v)])).toEqual(rows);
  });
});

describe('seed functions', () => {
  it('safe_operation: square roots, and the seed error codes as NativeError', () => {
    const arr = new Float64Array([1, 4, 9]);
    ref.safeOperation(arr);
    expect([...arr]).toEqual([1, 2, 3]);
    const neg = new Float64Array([4, -1]);
    const err = nativeError(() => ref.safeOperation(neg));
    expect(err).toMatchObject({ code: 'ERR_FFIKIT_NATIVE', status: -4, statusName: 'ERR_INVALID_ARGUMENT', fn: 'safe_operation' });
    expect([...neg]).toEqual([4, -1]); // validated before writing
    expect(nativeError(() => ref.fn.safe_operation(new Float64Array(1), 0)).message).toBe(
      'safe_operation() failed: ERR_INVALID_SIZE (-2): Invalid size error',
    );
    expect(nativeError(() => ref.fn.safe_operation(null, 0)).statusName).toBe('ERR_NULL_POINTER');
    expect(() => ref.fn.safe_operation(null, 3)).toThrow("argument 'len' expects an integer in [0, 0]");
  });

  it('create_array / free_array: owned memory, counted, zero-filled; free(NULL) is a no-op', () => {
    const ptr = ref.fn.create_array(16);
    expect(typeof ptr).toBe('bigint');
    expect(ref.liveAllocations()).toBe(1);
    expect(Array.from(ffikit.decode(ptr, 'double', 16) as Float64Array)).toEqual(new Array(16).fill(0));
    ref.fn.free_array(ptr);
    ref.fn.free_array(null);
    expect(ref.liveAllocations()).toBe(0);
    // len 0 returns NULL, which 'null-is-failure' turns into a NativeError
    expect(() => ref.fn.create_array(0)).toThrow(ffikit.NativeError);
  });

  it('process_1d and process_2d transform in place, row-major', () => {
    const d = new Float64Array([1, 2, 3]);
    ref.process1d(d);
    expect([...d]).toEqual([2, 4, 6]);
    const m = new Float64Array(6);
    ref.process2d(m, 2, 3);
    expect([...m]).toEqual([0, 1, 2, 1000, 1001, 1002]);
    expect(() => ref.process2d(m, 4, 2)).toThrow(ffikit.ArgumentError);
  });

  it('process_with_callback reports progress after each element', () => {
    const d = new Float64Array([1, 2, 3]);
    const seen: Array<[number, number, number]> = [];
    ref.processWithCallback(d, (cur, total) => seen.push([cur, total, d[cur - 1] as number]));
    expect(seen).toEqual([
      [1, 3, 2],
      [2, 3, 4],
      [3, 3, 6],
    ]);
    ref.processWithCallback(d, null);
    expect([...d]).toEqual([4, 8, 12]);
  });

  it('thread_safe_process accumulates in the mutex-guarded singleton', () => {
    ref.processorReset();
    ref.threadSafeProcess(new Float64Array([1, 2]));
    ref.threadSafeProcess(new Float64Array([3.5]));
    expect(ref.processorStats()).toEqual({ calls: 2, total: 6.5 });
    ref.processorReset();
    expect(ref.processorStats()).toEqual({ calls: 0, total: 0 });
  });

  it('simd_add, process_data and batch_process compute what the header documents', () => {
    const a = Float32Array.from({ length: 37 }, (_, i) => i * 0.25);
    const b = Float32Array.from({ length: 37 }, (_, i) => 1 - i);
    const sum = ref.simdAdd(a, b);
    sum.forEach((v, i) => expect(v).toBe(Math.fround((a[i] as number) + (b[i] as number))));
    expect(() => ref.simdAdd(a, b.subarray(1))).toThrow(ffikit.ArgumentError);

    const data = new Float32Array([1, 2, 3, 4]);
    ref.processData(data);
    const mean = data.reduce((s, x) => s + x, 0) / 4;
    const variance = data.reduce((s, x) => s + (x - mean) ** 2, 0) / 4;
    expect(mean).toBeCloseTo(0, 6);
    expect(variance).toBeCloseTo(1, 5);
    expect(nativeError(() => ref.processData(new Float32Array([1, NaN]))).statusName).toBe('ERR_INVALID_ARGUMENT');

    const batch = new Float32Array([1, 1, 1, 5, 6, 7]);
    ref.batchProcess(batch, 3);
    expect([...batch.subarray(0, 3)]).toEqual([0, 0, 0]);
    expect(batch[4]).toBe(0);
    expect(() => ref.batchProcess(batch, 4)).toThrow(ffikit.ArgumentError);
  });

  it('process_batch sums ragged items (single call, native threads for large batches)', () => {
    const data = new Float32Array([1, 2, 3, 4, 5, 6]);
    const offsets = new BigUint64Array([0n, 1n, 3n]);
    const lengths = new BigUint64Array([1n, 2n, 3n]);
    const results = new Float32Array(3);
    ref.fn.process_batch(data, offsets, lengths, 3, results);
    expect([...results]).toEqual([1, 5, 15]);
    const overflow = new BigUint64Array([2n ** 64n - 1n]);
    expect(nativeError(() => ref.fn.process_batch(data, overflow, new BigUint64Array([2n]), 1, new Float32Array(1))).statusName).toBe(
      'ERR_INVALID_SIZE',
    );
  });

  it('long_running_operation matches its documented formula, sync and async', async () => {
    const inputs = [0, 5, -3.25, 1e12, 3e38, Infinity];
    const data = Float32Array.from(inputs);
    ref.longRunningOperation(data);
    expect([...data]).toEqual(inputs.map(longRunning));
    const again = Float32Array.from(inputs);
    await ref.longRunningOperationAsync(again);
    expect([...again]).toEqual(inputs.map(longRunning));
  });
});

describe('loading', () => {
  it('accepts a user-supplied build of the same ABI and refuses other libraries', () => {
    const same = ffikit.reference({ path: ref.path });
    expect(same.path).toBe(ref.path);
    same.close();
    let caught: unknown;
    try {
      ffikit.reference({ path: 'libm.so.6' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ffikit.LibraryLoadError);
    expect((caught as ffikit.LibraryLoadError).reason).toBe('bad-format');
    expect((caught as Error).message).toContain('reference ABI');
  });

  it('lists where it looks, and honours FFIKIT_LIBRARY_PATH (absolute only)', () => {
    expect(ffikit.referenceCandidates().map((c) => c.source)).toEqual(expect.arrayContaining(['local build']));
    const ok = runChild(`const f = require('./ts/index'); console.log(f.reference().path)`, { env: { FFIKIT_LIBRARY_PATH: ref.path } });
    expect(ok.stdout.trim()).toBe(ref.path);
    const rel = runChild(`const f = require('./ts/index'); try { f.reference() } catch (e) { console.log(e.code, e.reason, e.message) }`, {
      env: { FFIKIT_LIBRARY_PATH: 'build/Release/libffikit_ref.so' },
    });
    expect(rel.stdout).toContain('ERR_FFIKIT_LIBRARY_LOAD not-found');
    expect(rel.stdout).toContain('must be an absolute path');
  });

  it('refuses to fall back when FFIKIT_FORCE_ISA names an unsupported instruction set', () => {
    const bogus = runChild(
      `const f = require('./ts/index'); try { f.reference(); console.log('loaded') } catch (e) { console.log(e.code, e.message) }`,
      {
        env: { FFIKIT_FORCE_ISA: 'sse9' },
      },
    );
    expect(bogus.status).toBe(0);
    expect(bogus.stdout).toContain('ERR_FFIKIT_UNSUPPORTED');
    expect(bogus.stdout).toContain('FFIKIT_FORCE_ISA=sse9');
    const scalar = runChild(`const f = require('./ts/index'); console.log(f.reference().simdLevel)`, {
      env: { FFIKIT_FORCE_ISA: 'scalar' },
    });
    expect(scalar.stdout.trim()).toBe('scalar');
  });
});
