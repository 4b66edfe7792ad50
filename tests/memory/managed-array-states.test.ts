// ManagedArray state matrix (better-sqlite3 style): every operation × every state, one named test per cell.
import * as ffikit from '../../ts/index';
import { DisposedError, ManagedArray } from '../../ts/index';

const ref = ffikit.reference();
afterAll(() => ref.close());

const STATES = [
  'live',
  'disposed',
  'in use by an async call',
  'inside a withView callback',
  'inside a native callback during a sync call',
  "allocator's library closed",
] as const;
type State = (typeof STATES)[number];

const OPS = [
  'pointer',
  'read',
  'write',
  'toTypedArray',
  'withView',
  'pass to a sync call',
  'pass to an async call',
  'dispose',
  'metadata',
] as const;
type Op = (typeof OPS)[number];

/** The array's contents when the operation runs (process_with_callback has doubled element 0 by then). */
const snapshotIn = (state: State): number[] => (state === 'inside a native callback during a sync call' ? [2, 2, 3, 4] : [1, 2, 3, 4]);

/** Runs an operation; whatever it returns or throws is captured for the assertions. */
const OPERATIONS: Record<Op, (arr: ManagedArray<'float64'>, live: () => number) => unknown> = {
  pointer: (arr) => arr.pointer,
  read: (arr) => arr.read(1),
  write: (arr) => (arr.write(3, 40), arr.read(3)),
  toTypedArray: (arr) => {
    const copy = arr.toTypedArray();
    const contents = Array.from(copy);
    copy[0] = -1;
    return { contents, independent: arr.read(0) === contents[0] };
  },
  withView: (arr) => arr.withView((v) => ({ contents: Array.from(v), writesThrough: ((v[2] = 30), arr.read(2)) })),
  'pass to a sync call': (arr) => (ref.fn.process_1d(arr), arr.read(1)),
  'pass to an async call': (arr) => ref.fn.process_1d.async(arr),
  dispose: (arr, live) => (arr.dispose(), arr.dispose(), { disposed: arr.disposed, live: live() }),
  metadata: (arr) => [arr.length, arr.dtype, arr.byteLength, arr.disposed],
};

/** States in which a native call or a view holds the array, so a dispose() must wait. */
const BUSY: ReadonlySet<State> = new Set<State>([
  'in use by an async call',
  'inside a withView callback',
  'inside a native callback during a sync call',
]);

type Outcome = { threw: false; value: unknown } | { threw: true; error: unknown };

interface Cell {
  /** Test-name suffix: what the cell expects. */
  readonly expect: string;
  /** Checks the synchronous outcome (and, for promises, how they settled). */
  readonly check: (outcome: Outcome, settled: PromiseSettledResult<unknown> | undefined, arr: ManagedArray<'float64'>) => void;
}

function disposedError(error: unknown): void {
  expect(error).toBeInstanceOf(DisposedError);
  expect((error as DisposedError).code).toBe('ERR_FFIKIT_DISPOSED');
}

function cell(state: State, op: Op): Cell {
  const snap = snapshotIn(state);
  const ok = (expectValue: (value: unknown) => void): Cell['check'] => {
    return (outcome) => {
      if (outcome.threw) throw outcome.error;
      expectValue(outcome.value);
    };
  };
  if (state === 'disposed') {
    if (op === 'pass to an async call') {
      return {
        expect: 'rejects with DisposedError (never throws synchronously)',
        check: (outcome, settled) => {
          expect(outcome.threw).toBe(false);
          expect(settled?.status).toBe('rejected');
          disposedError((settled as PromiseRejectedResult).reason);
        },
      };
    }
    if (op === 'dispose') return { expect: 'no-op', check: ok((v) => expect(v).toEqual({ disposed: true, live: 0 })) };
    if (op === 'metadata') return { expect: 'readable', check: ok((v) => expect(v).toEqual([4, 'float64', 32, true])) };
    return {
      expect: 'throws DisposedError',
      check: (outcome) => {
        expect(outcome.threw).toBe(true);
        if (outcome.threw) disposedError(outcome.error);
      },
    };
  }
  switch (op) {
    case 'pointer':
      return { expect: 'the address', check: ok((v) => expect(typeof v === 'bigint' && v > 0n).toBe(true)) };
    case 'read':
      return { expect: 'the element', check: ok((v) => expect(v).toBe(snap[1])) };
    case 'write':
      return { expect: 'written', check: ok((v) => expect(v).toBe(40)) };
    case 'toTypedArray':
      return { expect: 'an independent copy', check: ok((v) => expect(v).toEqual({ contents: snap, independent: true })) };
    case 'withView':
      return { expect: 'a zero-copy view', check: ok((v) => expect(v).toEqual({ contents: snap, writesThrough: 30 })) };
    case 'pass to a sync call':
      return { expect: 'C writes in place', check: ok((v) => expect(v).toBe(2 * (snap[1] as number))) };
    case 'pass to an async call':
      return {
        expect: 'resolves, C writes in place',
        check: (outcome, settled, arr) => {
          expect(outcome.threw).toBe(false);
          expect(settled).toEqual({ status: 'fulfilled', value: undefined });
          // Inside a native callback the outer sync call keeps doubling the same elements concurrently.
          if (state !== 'inside a native callback during a sync call') expect(arr.read(1)).toBe(4);
        },
      };
    case 'dispose':
      return BUSY.has(state)
        ? { expect: 'disposed at once, freed when the use ends', check: ok((v) => expect(v).toEqual({ disposed: true, live: 1 })) }
        : { expect: 'freed at once', check: ok((v) => expect(v).toEqual({ disposed: true, live: 0 })) };
    case 'metadata':
      return { expect: 'readable', check: ok((v) => expect(v).toEqual([4, 'float64', 32, false])) };
  }
}

/** Puts `arr` into `state`, runs `body` synchronously while it holds, then leaves the state. */
async function inState(state: State, arr: ManagedArray<'float64'>, lib: ffikit.Library, body: () => void): Promise<void> {
  switch (state) {
    case 'live':
      return body();
    case 'disposed':
      arr.dispose();
      return body();
    case 'in use by an async call': {
      const reading = ref.fn.thread_safe_process.async(arr); // only reads the array
      body();
      await expect(reading).resolves.toBeUndefined();
      return;
    }
    case 'inside a withView callback':
      return arr.withView(() => body());
    case 'inside a native callback during a sync call': {
      const seen: number[] = [];
      ref.fn.process_with_callback(arr, undefined, (current: number) => {
        seen.push(current);
        if (current === 1) body();
      });
      expect(seen).toEqual([1, 2, 3, 4]); // the call ran to completion
      return;
    }
    case "allocator's library closed":
      lib.close();
      return body();
  }
}

describe.each(STATES)('ManagedArray %s', (state) => {
  it.each(OPS.map((op) => [op, cell(state, op).expect]))('%s → %s', async (op) => {
    const base = ref.liveAllocations();
    const lib = ffikit.load(ref.path); // shares the dlopen handle (and the allocation counter) with ref
    const m = lib.bind({
      create_array: { fn: 'double *create_array(size_t len)', errcheck: 'null-is-failure' },
      free_array: 'void free_array(double *arr)',
    });
    const arr = ManagedArray.from(new Float64Array([1, 2, 3, 4]), { alloc: m.create_array, free: m.free_array });
    const live = (): number => ref.liveAllocations() - base;
    expect(live()).toBe(1);

    let outcome: Outcome | undefined;
    await inState(state, arr, lib, () => {
      try {
        outcome = { threw: false, value: OPERATIONS[op as Op](arr, live) };
      } catch (error) {
        outcome = { threw: true, error };
      }
    });
    const value = outcome?.threw === false ? outcome.value : undefined;
    const settled = value instanceof Promise ? (await Promise.allSettled([value]))[0] : undefined;
    cell(state, op as Op).check(outcome as Outcome, settled, arr);

    if (!arr.disposed) arr.dispose();
    lib.close();
    expect(live()).toBe(0); // freed exactly when the state ended, and only once
  });
});
