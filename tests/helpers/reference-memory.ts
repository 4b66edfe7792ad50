// Shared setup for the ManagedArray / array-contract tests: the reference library, its allocator pair,
// a per-test leak check on the live-allocation counter, and small assertion helpers.
import * as ffikit from '../../ts/index';
import type { ArrayContract } from '../../ts/index';

export const ref = ffikit.reference();
// Loading the same path again shares the dlopen handle, hence the allocation counter, with `ref`.
export const lib = ffikit.load(ref.path);
export const m = lib.bind({
  create_array: { fn: 'double *create_array(size_t len)', errcheck: 'null-is-failure' },
  create_void: { fn: 'void *create_array(size_t len)', errcheck: 'null-is-failure' },
  free_array: 'void free_array(double *arr)',
  process_1d: { fn: 'int32_t process_1d(double *data, size_t len)', arrays: { data: { length: 'len' } } },
  plain_1d: 'int32_t process_1d(double *data, size_t len)',
  any_1d: 'int32_t process_1d(void *data, size_t len)',
});
export const native = { alloc: m.create_array, free: m.free_array };

export const P1 = 'int32_t process_1d(double *data, size_t len)';
export const P2 = 'int32_t process_2d(double *data, size_t rows, size_t cols)';

/** Registers afterAll (close) and a per-test check that every test frees what it allocated. */
export function useReferenceMemory(): { live: () => number } {
  afterAll(() => {
    lib.close();
    ref.close();
  });
  let baseline = 0;
  beforeEach(() => {
    baseline = ref.liveAllocations();
  });
  afterEach(() => {
    expect(ref.liveAllocations()).toBe(baseline);
  });
  return { live: () => ref.liveAllocations() - baseline };
}

/** Asserts that `fn` throws an error of class `cls` with `code` and returns it. */
export function thrown<E extends Error>(fn: () => unknown, cls: new (...args: never[]) => E, code: string): E {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(cls);
  expect((caught as { code?: string }).code).toBe(code);
  return caught as E;
}

/** A free function that counts its calls and forwards to the bound free_array (plain JS: not library-held). */
export function countingFree(): { free: (p: bigint) => void; calls: bigint[] } {
  const calls: bigint[] = [];
  return { calls, free: (p) => (calls.push(p), m.free_array(p)) };
}

/** Binds one function with the given contracts (checked status: returns void). */
export function bindOne(fn: string, arrays: Record<string, ArrayContract>): (...args: unknown[]) => unknown {
  const bound = lib.bind({ f: { fn, errcheck: ffikit.ReferenceErrorCodes, arrays } } as never) as Record<string, unknown>;
  return bound.f as (...args: unknown[]) => unknown;
}
