// Named types in both pools: aliases, enums, structs, pointer typedefs and callback types declared in the workers; handles crossing with their type; errcheck functions on the calling thread.
import { ArgumentError, DeclarationError, DisposedError } from '../../ts/core/errors';
import type { ErrcheckContext } from '../../ts/declare/errcheck';
import { alias, array, callbackType, enumeration, opaque, pointer, sizeof, struct } from '../../ts/declare/named-types';
import type { Executor } from '../../ts/executors/executor';
import { ProcessPoolExecutor } from '../../ts/executors/process-pool';
import { ThreadPoolExecutor } from '../../ts/executors/thread-pool';
import { load } from '../../ts/library/library';
import { Handle, isHandle } from '../../ts/memory/handle';
import { fixturePaths } from '../fixtures/build';
import { rejection } from '../helpers/rejection';

const library = fixturePaths().edge;

alias('count_t', 'size_t');
alias('length_t', 'count_t');
const Level = enumeration('Level', { LOW: 1, MID: 2, HIGH: 3 });
struct('Point', { x: 'double', y: 'double' });
alias('Pt', 'Point');
struct('Inner', { a: 'uint8_t', b: 'uint8_t' });
const Blob = struct('Blob', { inner: 'Inner', tag: array('char', 4), last: 'uint8_t' }, { packed: true });
opaque('Counter');
opaque('Other');
pointer('CounterRef', 'Counter');
callbackType('int IntOp(int x)');
alias('Quad', array('int', 4));

const seen: ErrcheckContext[] = [];
/** A zstd-style check: a negative status is an error, anything else the result (scaled so the check visibly ran). */
function checkStatus(r: unknown, ctx: ErrcheckContext): unknown {
  seen.push(ctx);
  if ((r as number) < 0) throw new RangeError(`${ctx.fn}() reported status ${String(r)}`);
  return (r as number) * 10;
}

const bind = {
  sum_i32: { fn: 'int64_t sum_i32(const int32_t *p, length_t n)', arrays: { p: { dtype: 'int32', length: 'n' } } },
  status_of: 'int status_of(Level code)',
  checked: { fn: 'int status_of(int code)', errcheck: checkStatus },
  norm: 'double point_norm(Point p)',
  norm_alias: 'double point_norm(Pt p)',
  scale: 'void point_scale(_Inout_ Point *p, double k)',
  blob_bytes: 'uint64_t sum_bytes(const Blob *b, count_t n)',
  counter_new: 'Counter *counter_new(int start)',
  counter_next: 'int counter_next(CounterRef c)',
  counter_open: 'int counter_open(int start, _Out_ Counter **out)',
  counter_free: { fn: 'void counter_free(Counter *c)', disposes: 'c' },
  other_next: 'int counter_next(Other *o)',
  apply_twice: 'int apply_twice(IntOp *op, int x)',
  str_len: 'size_t str_len(_Nonnull const char *s)',
} as const;

/** What the same call throws on this thread (the pools must give exactly that text). */
function syncMessage(name: keyof typeof bind, args: unknown[]): string {
  using lib = load(library);
  const fns = lib.bind({ [name]: bind[name] }) as unknown as Record<string, (...a: unknown[]) => unknown>;
  try {
    (fns[name] as (...a: unknown[]) => unknown)(...args);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`expected ${name}() to throw`);
}

type Pool = Executor<typeof bind>;

describe.each([
  // Handles are addresses in one process: a process pool with handles wants one worker.
  ['ThreadPoolExecutor', (): Pool => new ThreadPoolExecutor({ library, bind, workers: 2 })],
  ['ProcessPoolExecutor', (): Pool => new ProcessPoolExecutor({ library, bind, workers: 1 })],
] as const)('%s with named types', (_label, make) => {
  let pool: Pool;
  beforeAll(() => {
    pool = make();
  });
  afterAll(() => pool.close());

  it('declares every type the spec names in the workers (ready resolves)', async () => {
    await expect(pool.ready).resolves.toBeUndefined();
  });

  it('alias ints work as array-contract lengths, given or filled in', async () => {
    const p = new Int32Array([1, 2, 3, 4]);
    await expect(pool.call('sum_i32', [p, 4])).resolves.toBe(10);
    await expect(pool.call('sum_i32', [p] as never)).resolves.toBe(10);
    await expect(
      pool.map('sum_i32', [
        [p, 2],
        [new Int32Array([5, 6]), 2],
      ]),
    ).resolves.toEqual([3, 11]);
    const err = await rejection(pool.call('sum_i32', [p, 9]));
    expect(err).toBeInstanceOf(ArgumentError);
    expect(err.message).toBe(syncMessage('sum_i32', [p, 9]));
  });

  it('an enum parameter takes a member name or value; anything else is the ArgumentError of a sync call', async () => {
    await expect(pool.call('status_of', ['MID'])).resolves.toBe(2);
    await expect(pool.call('status_of', [Level.HIGH])).resolves.toBe(3);
    await expect(pool.map('status_of', [['LOW'], [2], ['HIGH']])).resolves.toEqual([1, 2, 3]);
    // All numbers: the chunk crosses as columns, still checked by the worker.
    await expect(
      pool.map(
        'status_of',
        Array.from({ length: 20 }, (_, i) => [(i % 3) + 1]),
        { chunkSize: 20 },
      ),
    ).resolves.toEqual(Array.from({ length: 20 }, (_, i) => (i % 3) + 1));
    for (const bad of [7, 'VERY_HIGH']) {
      const err = await rejection(pool.call('status_of', [bad as never]));
      expect(err).toBeInstanceOf(ArgumentError);
      expect(err.message).toBe(syncMessage('status_of', [bad]));
    }
    await expect(pool.map('status_of', [['LOW'], [0]])).rejects.toThrow(syncMessage('status_of', [0]));
  });

  it('structs pass by value and through an _Inout_ pointer (C writes back into the object)', async () => {
    await expect(pool.call('norm', [{ x: 3, y: 4 }])).resolves.toBe(5);
    await expect(pool.call('norm_alias', [{ x: 6, y: 8 }])).resolves.toBe(10);
    const p = { x: 3, y: 4 };
    await expect(pool.call('scale', [p, 2])).resolves.toBeUndefined();
    expect(p).toEqual({ x: 6, y: 8 });
    const ps = [
      { x: 1, y: 1 },
      { x: 2, y: 0 },
    ];
    await pool.map(
      'scale',
      ps.map((q) => [q, 3]),
    );
    expect(ps).toEqual([
      { x: 3, y: 3 },
      { x: 6, y: 0 },
    ]);
    const err = await rejection(pool.call('norm', [{ x: 1 } as never]));
    expect(err.message).toBe(syncMessage('norm', [{ x: 1 }]));
  });

  it('a packed struct with a nested struct and a char array has the same layout in the workers', async () => {
    const b = { inner: { a: 1, b: 2 }, tag: 'abc', last: 9 };
    const bytes = 1 + 2 + 'a'.charCodeAt(0) + 'b'.charCodeAt(0) + 'c'.charCodeAt(0) + 9;
    expect(sizeof(Blob)).toBe(7);
    await expect(pool.call('blob_bytes', [b, 7])).resolves.toBe(bytes);
    await expect(
      pool.map('blob_bytes', [
        [b, 7],
        [{ ...b, last: 10 }, 7],
      ]),
    ).resolves.toEqual([bytes, bytes + 1]);
  });

  it('a callback type is declared in the workers (a NULL callback passes)', async () => {
    await expect(pool.call('apply_twice', [null, 5])).resolves.toBe(-1);
  });

  it('handles round-trip: results and _Out_ parameters come back as Handles, go in through a pointer typedef', async () => {
    const c = (await pool.call('counter_new', [10])) as unknown as Handle<'Counter'>;
    expect(isHandle(c)).toBe(true);
    expect(c).toBeInstanceOf(Handle);
    expect((c as Handle).type).toBe('Counter');
    await expect(pool.call('counter_next', [c as never])).resolves.toBe(11);
    // Two workers may take one call each: the counter moves by two, in either order.
    const next = (await pool.map('counter_next', [[c as never], [c as never]], { chunkSize: 1 })) as number[];
    expect(next.sort()).toEqual([12, 13]);
    const out: [Handle<'Counter'> | null] = [null];
    await expect(pool.call('counter_open', [5, out as never])).resolves.toBe(0);
    const h = out[0] as Handle<'Counter'>;
    expect(isHandle(h) && h.type).toBe('Counter');
    await expect(pool.call('counter_next', [h as never])).resolves.toBe(6);
    // Many handles from one map: each result is its own Handle, usable at once.
    const many = (await pool.map(
      'counter_new',
      Array.from({ length: 20 }, (_, i) => [i]),
      { chunkSize: 20 },
    )) as unknown as Handle[];
    expect(many.every((x) => isHandle(x) && x.type === 'Counter')).toBe(true);
    await expect(
      pool.map(
        'counter_next',
        many.map((x) => [x as never]),
      ),
    ).resolves.toEqual(many.map((_, i) => i + 1));
    await pool.map(
      'counter_free',
      [c, h, ...many].map((x) => [x as never]),
    );
    expect([c, h, ...many].every((x) => (x as Handle).disposed)).toBe(true);
  });

  it('a handle of another type is the ArgumentError of a sync call; a disposed one a DisposedError before sending', async () => {
    const c = (await pool.call('counter_new', [1])) as unknown as Handle<'Counter'>;
    const mixed = await rejection(pool.call('other_next', [c as never]));
    expect(mixed).toBeInstanceOf(ArgumentError);
    expect(mixed.message).toBe(syncMessage('other_next', [c]));
    expect(mixed.message).toContain("argument 'o' expects a Other handle, a bigint address or null");
    await expect(pool.call('counter_free', [c as never])).resolves.toBeUndefined();
    expect(c.disposed).toBe(true);
    const gone = await rejection(pool.call('counter_next', [c as never]));
    expect(gone).toBeInstanceOf(DisposedError);
    expect(gone.message).toBe("counter_next(): argument 'c' is a disposed Counter handle; its object is gone.");
    expect(gone.message).toBe(syncMessage('counter_next', [c]));
    await expect(pool.map('counter_free', [[c as never]])).rejects.toThrow(DisposedError);
  });

  it('an errcheck function runs on this thread with (result, { fn, prototype, args }); its throw rejects the call', async () => {
    seen.length = 0;
    await expect(pool.call('checked', [4])).resolves.toBe(40);
    expect(seen).toEqual([{ fn: 'checked', prototype: 'int status_of(int code)', args: [4] }]);
    const err = await rejection(pool.call('checked', [-2]));
    expect(err).toBeInstanceOf(RangeError);
    expect(err.message).toBe('checked() reported status -2');
    await expect(pool.map('checked', [[1], [2], [3]])).resolves.toEqual([10, 20, 30]);
    await expect(pool.map('checked', [[1], [-5], [3]])).rejects.toThrow('checked() reported status -5');
    const streamed: unknown[] = [];
    await expect(
      (async () => {
        for await (const v of pool.imap('checked', [[1], [-6]])) streamed.push(v);
      })(),
    ).rejects.toThrow('checked() reported status -6');
    expect(streamed).toEqual([10]);
  });

  it('a _Nonnull parameter refuses null with the ArgumentError of a sync call', async () => {
    await expect(pool.call('str_len', ['abc'])).resolves.toBe(3);
    const err = await rejection(pool.call('str_len', [null as never]));
    expect(err).toBeInstanceOf(ArgumentError);
    expect(err.message).toBe(syncMessage('str_len', [null]));
    await expect(pool.map('str_len', [['ab'], [null as never]])).rejects.toThrow(ArgumentError);
  });
});

describe.each([
  ['ThreadPoolExecutor', (o: object): Executor => new ThreadPoolExecutor(o as never)],
  ['ProcessPoolExecutor', (o: object): Executor => new ProcessPoolExecutor(o as never)],
] as const)('%s: types it cannot use', (label, make) => {
  it('an undeclared type is a DeclarationError from the constructor', () => {
    expect(() => make({ library, bind: { f: 'int add(Nowhere *a, int b)' } })).toThrow(DeclarationError);
    expect(() => make({ library, bind: { f: 'int add(Nowhere *a, int b)' } })).toThrow(
      `new ${label}(): bind 'f': unknown type 'Nowhere'. Declare it first with ffikit.struct(), ffikit.opaque(), ffikit.alias() or ffikit.callbackType().`,
    );
  });

  it('disposes must name a handle parameter', () => {
    expect(() => make({ library, bind: { f: { fn: 'int add(int a, int b)', disposes: 'a' } } })).toThrow(
      `new ${label}(): bind 'f': 'disposes' must name a handle parameter (a pointer to an opaque type) of 'int add(int a, int b)', got 'a'.`,
    );
  });

  it('a type the workers cannot declare rejects ready (and every call) with a DeclarationError', async () => {
    const pool = make({ library, bind: { f: 'int add(Quad *q, int b)', add: 'int add(int a, int b)' }, workers: 1 });
    const err = await rejection(pool.ready);
    expect(err).toBeInstanceOf(DeclarationError);
    expect(err.message).toBe(
      "executor worker: type 'Quad' cannot be described for another thread or process: expected a type declared with ffikit.struct, opaque, alias, pointer, enumeration or callbackType, got an alias of an anonymous array type. Declare it by name with one of those (an alias of a named type, not of an anonymous one).",
    );
    await expect(pool.call('add', [1, 2])).rejects.toBe(err);
    await pool.close();
  });
});
