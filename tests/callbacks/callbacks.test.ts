// Callbacks: transient and registered, exceptions never unwinding through C, slot accounting, progress.
import * as ffikit from '../../ts/index';
import { fixturePaths } from '../fixtures/build';

const IntOp = ffikit.callbackType('int IntOp(int x)');
const Progress = ffikit.callbackType('void ProgressCallback(int current, int total)');

const edge = ffikit.load(fixturePaths().edge);
const e = edge.bind({ apply_twice: 'int apply_twice(IntOp *op, int x)' });
const ref = ffikit.reference();

afterAll(() => {
  edge.close();
  ref.close();
});

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}

describe('transient callbacks', () => {
  it('an exception completes the native call, then surfaces as CallbackError with .cause (sync)', () => {
    const data = new Float64Array([1, 2, 3]);
    const boom = new RangeError('stop');
    let calls = 0;
    const err = caught(() =>
      ref.processWithCallback(data, () => {
        calls++;
        throw boom;
      }),
    ) as ffikit.CallbackError;
    expect(err).toBeInstanceOf(ffikit.CallbackError);
    expect(err.code).toBe('ERR_FFIKIT_CALLBACK');
    expect(err.cause).toBe(boom);
    expect(calls).toBe(1); // later calls return the neutral value without running the function again
    expect(Array.from(data)).toEqual([2, 4, 6]); // the native call completed
  });

  it('the same through .async', async () => {
    const data = new Float64Array([1, 2]);
    await expect(
      ref.fn.process_with_callback.async(data, undefined, () => {
        throw new Error('async boom');
      }),
    ).rejects.toMatchObject({ code: 'ERR_FFIKIT_CALLBACK' });
    expect(Array.from(data)).toEqual([2, 4]);
  });

  // The wrapper C calls is specialised by arity (0 to 3 parameters; more take the general one).
  describe.each([
    ['Nullary', 'int Nullary(void)', 'call_nullary', [[], []], 2 * 7],
    ['IntOp', 'int IntOp(int x)', 'apply_twice', [[5], [6]], 7],
    [
      'Ternary',
      'int Ternary(int a, int b, int c)',
      'call_ternary',
      [
        [1, 2, 3],
        [10, 20, 30],
      ],
      7 + 61,
    ],
    [
      'Quaternary',
      'int Quaternary(int a, int b, int c, int d)',
      'call_quaternary',
      [
        [1, 2, 3, 4],
        [10, 20, 30, 40],
      ],
      11 + 101,
    ],
  ] as const)('arity of %s', (name, proto, fnName, expectedArgs, expectedResult) => {
    const type = ffikit.callbackType(proto);
    const decl = fnName === 'apply_twice' ? 'int apply_twice(IntOp *op, int x)' : `int ${fnName}(${name} *f)`;
    const bound = edge.bind({ f: decl }).f as unknown as (...args: unknown[]) => number;
    const extra = fnName === 'apply_twice' ? [5] : [];

    it('gets exactly its arguments, and C gets what it returns', () => {
      const seen: unknown[][] = [];
      const result = bound(
        (...args: number[]) => {
          seen.push(args);
          return args.length === 0 ? 7 : args.reduce((x, y) => x + y, 0) + 1;
        },
        ...extra,
      );
      expect(seen).toEqual(expectedArgs);
      expect(result).toBe(expectedResult);
    });

    it('a throw or a value C cannot take is a CallbackError once C has returned; the function is not called again', () => {
      const boom = new Error('boom');
      let calls = 0;
      const thrown = caught(() =>
        bound(
          () => {
            calls++;
            throw boom;
          },
          ...extra,
        ),
      ) as ffikit.CallbackError;
      expect(thrown).toBeInstanceOf(ffikit.CallbackError);
      expect(thrown.cause).toBe(boom);
      expect(calls).toBe(1);
      const refused = caught(() => bound(() => 'seven', ...extra)) as ffikit.CallbackError;
      expect(refused).toBeInstanceOf(ffikit.CallbackError);
      expect(refused.message).toContain(`expected the ${name} callback passed as`);
    });

    it('registered: the same arguments and result; a throw is a CallbackError', () => {
      const seen: unknown[][] = [];
      let fail = false;
      // The callback types of this table differ in arity: one function for all of them takes unknown[].
      using cb = edge.register(type, (...args: unknown[]) => {
        seen.push(args);
        if (fail) throw new Error('registered boom');
        return args.length === 0 ? 7 : (args as number[]).reduce((x, y) => x + y, 0) + 1;
      });
      expect(bound(cb, ...extra)).toBe(expectedResult);
      expect(seen).toEqual(expectedArgs);
      fail = true;
      const thrown = caught(() => bound(cb, ...extra)) as ffikit.CallbackError;
      expect(thrown).toBeInstanceOf(ffikit.CallbackError);
      expect((thrown.cause as Error).message).toBe('registered boom');
    });
  });
});

describe('registered callbacks', () => {
  it('pass as the handle or its pointer, and are called by C', () => {
    using cb = edge.register(IntOp, (x: number) => x * 10);
    expect(e.apply_twice(cb, 2)).toBe(200);
    expect(e.apply_twice(cb.pointer, 1)).toBe(100);
    expect(ffikit.registeredCallbackCount()).toBe(1);
  });

  it('rethrow an exception as CallbackError from the call that was running', () => {
    const cause = new Error('registered boom');
    const cb = edge.register(IntOp, () => {
      throw cause;
    });
    const err = caught(() => e.apply_twice(cb, 1)) as ffikit.CallbackError;
    expect(err).toBeInstanceOf(ffikit.CallbackError);
    expect(err.cause).toBe(cause);
    expect(e.apply_twice((x: number) => x + 1, 1)).toBe(3); // nothing left pending
    cb.dispose();
  });

  it('double dispose is a no-op; a disposed handle is refused before the call', () => {
    const cb = edge.register(IntOp, (x: number) => x);
    cb.dispose();
    cb.dispose();
    expect(cb.disposed).toBe(true);
    expect(() => cb.pointer).toThrow(ffikit.DisposedError);
    expect(() => e.apply_twice(cb, 1)).toThrow(ffikit.DisposedError);
  });

  it('a stale pointer called by C after dispose is detected (DisposedError), not a crash', () => {
    const cb = edge.register(IntOp, (x: number) => x);
    const stale = cb.pointer;
    cb.dispose();
    expect(caught(() => e.apply_twice(stale, 1))).toMatchObject({ code: 'ERR_FFIKIT_DISPOSED' });
  });

  it('refuses bad types, functions, options, and non-void foreign-thread callbacks', () => {
    expect(() => edge.register('NoSuchType', () => 0)).toThrow(ffikit.ArgumentError);
    expect(() => edge.register(IntOp, 5 as never)).toThrow("argument 'fn' expects a function");
    expect(() => edge.register(IntOp, () => 0, { thread: 'gpu' as never })).toThrow("'main' or 'any'");
    expect(() => edge.register(IntOp, () => 0, { thread: 'any' })).toThrow(ffikit.DeclarationError);
    expect(() => e.apply_twice(edge.register(Progress, () => undefined) as never, 1)).toThrow('It is a ProgressCallback callback');
  });

  it('100k register/call/unregister cycles leave the registry empty and the full capacity usable', () => {
    const start = ffikit.registeredCallbackCount();
    for (let i = 0; i < 100_000; i++) {
      const cb = edge.register(IntOp, (x: number) => x + i);
      if (i % 1000 === 0) expect(e.apply_twice(cb, 0)).toBe(2 * i);
      cb.dispose();
    }
    expect(ffikit.registeredCallbackCount()).toBe(start);
    const all: ffikit.RegisteredCallback[] = [];
    for (let i = ffikit.registeredCallbackCount(); i < ffikit.callbackCapacity(); i++) all.push(edge.register(IntOp, (x: number) => x));
    expect(ffikit.registeredCallbackCount()).toBe(ffikit.callbackCapacity());
    // Capacity pressure is our typed error, before koffi's own limit; transient callbacks still work.
    expect(caught(() => edge.register(IntOp, (x: number) => x))).toBeInstanceOf(ffikit.CallbackLimitError);
    expect(e.apply_twice((x: number) => x + 1, 0)).toBe(2);
    for (const cb of all) cb.dispose();
    expect(ffikit.registeredCallbackCount()).toBe(start);
  });

  it('closing the library releases its callbacks; register after close throws ClosedError', () => {
    const lib = ffikit.load(fixturePaths().edge);
    const before = ffikit.registeredCallbackCount();
    const cb = lib.register(IntOp, (x: number) => x);
    expect(ffikit.registeredCallbackCount()).toBe(before + 1);
    lib.close();
    expect(ffikit.registeredCallbackCount()).toBe(before);
    expect(cb.disposed).toBe(true);
    expect(() => lib.register(IntOp, (x: number) => x)).toThrow(ffikit.ClosedError);
  });
});

describe('foreign-thread callbacks and progress', () => {
  it('queues events from a native thread to the main thread; stop() joins off the main thread', async () => {
    const seen: number[] = [];
    const source = ref.startEvents((_kind, value) => void seen.push(Number(value)), { intervalUs: 100 });
    while (seen.length < 20) await new Promise((r) => setTimeout(r, 5));
    await source.stop();
    const count = seen.length;
    expect(seen.slice(0, 5)).toEqual([1, 2, 3, 4, 5]);
    expect(source.callback.disposed).toBe(true);
    expect(source.emitted).toBe(count);
    await new Promise((r) => setTimeout(r, 20));
    expect(seen.length).toBe(count); // nothing after stop
    await source.stop(); // idempotent
  });

  it('reports exceptions from a native thread to onError or an error event, never losing them', async () => {
    const errors: ffikit.CallbackError[] = [];
    const source = ref.startEvents(
      () => {
        throw new Error('from the event thread');
      },
      { intervalUs: 100, maxEvents: 3, onError: (err) => errors.push(err) },
    );
    while (errors.length < 3) await new Promise((r) => setTimeout(r, 5));
    await source.stop();
    expect(errors[0]).toBeInstanceOf(ffikit.CallbackError);
    expect((errors[0]?.cause as Error).message).toBe('from the event thread');
  });

  it('a second source while one runs is refused by the library', async () => {
    const source = ref.startEvents(() => undefined, { intervalUs: 1000 });
    expect(caught(() => ref.startEvents(() => undefined))).toMatchObject({ statusName: 'ERR_INVALID_ARGUMENT' });
    await source.stop();
  });

  it('polls a shared progress counter instead of calling back per item', async () => {
    const data = new Float64Array(2_000_000).fill(1);
    const updates: number[] = [];
    await ref.processWithProgress(
      data,
      (done, total) => {
        expect(total).toBe(data.length);
        updates.push(done);
      },
      { intervalMs: 1 },
    );
    expect(updates[updates.length - 1]).toBe(data.length);
    expect(updates).toEqual([...updates].sort((a, b) => a - b));
    expect(data[data.length - 1]).toBe(2);
  });
});
