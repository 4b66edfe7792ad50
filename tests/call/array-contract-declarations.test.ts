// Array contracts in bind(): declaration errors at bind time, and arity when sizes are auto-filled.
import { bindOne, lib, P1, P2, ref, useReferenceMemory } from '../helpers/reference-memory';
import { DeclarationError, NDArray, type ArrayContract } from '../../ts/index';

useReferenceMemory();

const m = {
  p1: bindOne(P1, { data: { dtype: 'float64', length: 'len' } }),
  p2: bindOne(P2, { data: { dtype: 'float64', ndim: 2, shape: ['rows', 'cols'], order: 'C', writable: true } }),
};

describe('declaration errors (at bind time)', () => {
  it.each<[string, string, Record<string, unknown>, string]>([
    [
      'an unknown parameter',
      P1,
      { dat: { length: 'len' } },
      "'arrays' names 'dat', which is not a parameter of 'int32_t process_1d(double *data, size_t len)'.",
    ],
    ['an unknown option', P1, { data: { length: 'len', size: 3 } }, "'arrays.data' has unknown option size."],
    [
      'a dtype contradicting the C type',
      P1,
      { data: { dtype: 'float32' } },
      "'arrays.data.dtype' is float32 but the C type double * holds float64.",
    ],
    ['an unknown dtype', P1, { data: { dtype: 'float128' } }, "'arrays.data.dtype' must be one of int8, uint8,"],
    [
      'void * without a dtype',
      'int32_t process_1d(void *data, size_t len)',
      { data: { length: 'len' } },
      "'arrays.data' is a void * parameter; give its dtype.",
    ],
    [
      'length naming a pointer parameter',
      P1,
      { data: { length: 'data' } },
      "'arrays.data.length' names 'data', which is not an integer parameter",
    ],
    [
      'length naming a missing parameter',
      P1,
      { data: { length: 'n' } },
      "'arrays.data.length' names 'n', which is not an integer parameter",
    ],
    [
      'length naming a double parameter',
      'int32_t process_1d(double *data, double x)',
      { data: { length: 'x' } },
      "'arrays.data.length' names 'x', which is not an integer parameter",
    ],
    ['a shape naming a non-integer parameter', P2, { data: { shape: ['rows', 'data'] } }, "'arrays.data.shape[1]' names 'data'"],
    ["order 'F'", P1, { data: { order: 'F' } }, "'arrays.data.order' can only be 'C' (row-major); copy Fortran-order data first."],
    ['ndim 0', P1, { data: { ndim: 0 } }, "'arrays.data.ndim' must be an integer from 1 to 32."],
    ['a shape with the wrong rank', P2, { data: { ndim: 2, shape: [2] } }, "'arrays.data.shape' must list 2 entries"],
    [
      'a contract on a non-pointer',
      P1,
      { len: { length: 'len' } },
      "'arrays.len' needs a plain pointer to numbers, void or a struct (size_t is not one).",
    ],
    ['a contract that is not an object', P1, { data: 5 }, "'arrays.data' expects an object such as { dtype: 'float64', length: 'len' }."],
  ])('refuses %s', (_what, fn, arrays, message) => {
    let err: unknown;
    try {
      bindOne(fn, arrays as Record<string, ArrayContract>);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DeclarationError);
    expect((err as DeclarationError).code).toBe('ERR_FFIKIT_DECLARATION');
    expect((err as Error).message).toContain(`bind(): 'f': ${message}`);
  });

  it('refuses arrays on an _Out_ pointer and an arrays option that is not an object', () => {
    expect(() => bindOne('int32_t ffikit_processor_stats(_Out_ uint64_t *calls, _Out_ double *total)', { total: {} })).toThrow(
      DeclarationError,
    );
    expect(() => lib.bind({ f: { fn: P1, arrays: 5 } } as never)).toThrow(
      "'arrays' expects an object of parameter name to contract, got number 5.",
    );
  });
});

describe('arity with auto-filled parameters', () => {
  it('trailing auto-filled parameters may be omitted; too many are still refused', () => {
    expect([m.p1.length, m.p2.length, ref.fn.simd_add.length]).toEqual([1, 1, 3]);
    expect(() => m.p1(new Float64Array(1), 1, 2)).toThrow('f(): expected 2 arguments (data, len?), got 3.');
    expect(() => m.p1()).toThrow('f(): expected 2 arguments (data, len?), got 0.');
    expect(() => m.p2(NDArray.zeros([1, 1], 'float64'), 1, 1, 1)).toThrow('f(): expected 3 arguments (data, rows?, cols?), got 4.');
  });

  it('a filled parameter in the middle must be passed as undefined', () => {
    const seen: number[] = [];
    ref.fn.process_with_callback(new Float64Array(2), undefined, (cur: number) => void seen.push(cur));
    expect(seen).toEqual([1, 2]);
    expect(() => (ref.fn.process_with_callback as (...a: unknown[]) => unknown)(new Float64Array(2), null)).toThrow(
      'process_with_callback(): expected 3 arguments (data, len?, callback), got 2.',
    );
  });
});
