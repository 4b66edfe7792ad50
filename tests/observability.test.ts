// Observability: the ffikit:call tracing channel (sync, .async, failing and nested calls), the library
// and callback channels, and enableStats()/stats().
import * as dc from 'node:diagnostics_channel';

import * as ffikit from '../ts/index';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const fx = require('./fixtures/build').fixturePaths() as Record<'edge' | 'checked', string>;

type Event = [string, string, string, unknown?];

/** Subscribes to ffikit:call for the duration of `fn`; returns the events as [channel, fn, mode, result|error]. */
async function traced(fn: () => unknown): Promise<Event[]> {
  const events: Event[] = [];
  const on =
    (name: string) =>
    (ctx: ffikit.CallContext): void => {
      events.push([name, ctx.fn, ctx.mode, name === 'error' ? (ctx.error as Error).name : ctx.result]);
    };
  const handlers = { start: on('start'), end: on('end'), asyncStart: on('asyncStart'), asyncEnd: on('asyncEnd'), error: on('error') };
  const channel = dc.tracingChannel<string, ffikit.CallContext>('ffikit:call');
  channel.subscribe(handlers as never);
  try {
    await fn();
  } finally {
    channel.unsubscribe(handlers as never);
  }
  return events;
}

let lib: ffikit.Library;
let edge: {
  add: (a: number, b: number) => number;
  status: (code: number) => void;
};

beforeAll(() => {
  lib = ffikit.load(fx.edge);
  edge = lib.bind({
    add: 'int add(int a, int b)',
    status: { fn: 'int status_of(int code)', errcheck: ffikit.errorCodes({ OK: 0, BAD: 1 }) },
  }) as unknown as typeof edge;
});
afterAll(() => lib.close());

describe('ffikit:call', () => {
  it('publishes start and end with the result for a sync call, with fn, symbol, library and mode', async () => {
    const contexts: ffikit.CallContext[] = [];
    const start = (ctx: ffikit.CallContext): number => contexts.push(ctx);
    dc.subscribe('tracing:ffikit:call:start', start as never);
    let events: Event[];
    try {
      events = await traced(() => edge.add(2, 3));
    } finally {
      dc.unsubscribe('tracing:ffikit:call:start', start as never);
    }
    expect(events).toEqual([
      ['start', 'add', 'sync', undefined],
      ['end', 'add', 'sync', 5],
    ]);
    expect(contexts[0]).toMatchObject({ fn: 'add', symbol: 'add', library: lib.path, mode: 'sync' });
    expect(contexts[0]).not.toHaveProperty('arguments');
  });

  it('publishes error for argument errors and errcheck failures, then end', async () => {
    const events = await traced(() => {
      expect(() => edge.add('x' as never, 1)).toThrow(ffikit.ArgumentError);
      expect(() => edge.status(1)).toThrow(ffikit.NativeError);
    });
    expect(events).toEqual([
      ['start', 'add', 'sync', undefined],
      ['error', 'add', 'sync', 'ArgumentError'],
      ['end', 'add', 'sync', undefined],
      ['start', 'status', 'sync', undefined],
      ['error', 'status', 'sync', 'NativeError'],
      ['end', 'status', 'sync', undefined],
    ]);
  });

  it('publishes asyncStart/asyncEnd for .async, and error before them when it rejects', async () => {
    const asyncAdd = (edge.add as unknown as { async: (a: number, b: number) => Promise<number> }).async;
    const asyncStatus = (edge.status as unknown as { async: (c: number) => Promise<void> }).async;
    const events = await traced(async () => {
      expect(await asyncAdd(20, 22)).toBe(42);
      await expect(asyncStatus(1)).rejects.toBeInstanceOf(ffikit.NativeError);
    });
    expect(events).toEqual([
      ['start', 'add', 'async', undefined],
      ['end', 'add', 'async', undefined],
      ['asyncStart', 'add', 'async', 42],
      ['asyncEnd', 'add', 'async', 42],
      ['start', 'status', 'async', undefined],
      ['end', 'status', 'async', undefined],
      ['error', 'status', 'async', 'NativeError'],
      ['asyncStart', 'status', 'async', undefined],
      ['asyncEnd', 'status', 'async', undefined],
    ]);
  });

  it('traces a call made from a callback inside a traced call', async () => {
    const checked = ffikit.load(fx.checked);
    try {
      const Hook = ffikit.callbackType('void hook_fn(int value)');
      const h = checked.bind({ set: 'void set_hook(hook_fn hook)', fire: 'int fire_hook(int value)' });
      using cb = checked.register(Hook, (v: number) => {
        edge.add(v, 1);
      });
      h.set(cb);
      const events = await traced(() => h.fire(7));
      expect(events.map((e) => `${e[0]}:${e[1]}`)).toEqual(['start:fire', 'start:add', 'end:add', 'end:fire']);
      h.set(null);
    } finally {
      checked.close();
    }
  });

  it('carries the arguments only when asked', async () => {
    const seen: unknown[] = [];
    const start = (ctx: ffikit.CallContext): number => seen.push(ctx.arguments);
    dc.subscribe('tracing:ffikit:call:start', start as never);
    ffikit.traceArguments(true);
    try {
      edge.add(4, 5);
    } finally {
      ffikit.traceArguments(false);
      dc.unsubscribe('tracing:ffikit:call:start', start as never);
    }
    expect(seen).toEqual([[4, 5]]);
  });

  it('publishes nothing once the subscribers are gone', async () => {
    const events = await traced(() => undefined);
    expect(events).toEqual([]);
    expect(dc.tracingChannel('ffikit:call').hasSubscribers).toBe(false);
    expect(edge.add(1, 1)).toBe(2);
  });
});

describe('library and callback channels', () => {
  it('publishes load and close with the path', () => {
    const seen: unknown[] = [];
    const onLoad = (m: unknown): number => seen.push(['load', m]);
    const onClose = (m: unknown): number => seen.push(['close', m]);
    dc.subscribe('ffikit:library:load', onLoad);
    dc.subscribe('ffikit:library:close', onClose);
    try {
      const l = ffikit.load(fx.checked, { checked: true });
      l.close();
      l.close();
      expect(seen).toEqual([
        ['load', { path: l.path, deepBind: false, checked: true }],
        ['close', { path: l.path }],
      ]);
    } finally {
      dc.unsubscribe('ffikit:library:load', onLoad);
      dc.unsubscribe('ffikit:library:close', onClose);
    }
  });

  it('publishes callback register and dispose with the type', () => {
    const seen: unknown[] = [];
    const onRegister = (m: unknown): number => seen.push(['register', m]);
    const onDispose = (m: unknown): number => seen.push(['dispose', m]);
    dc.subscribe('ffikit:callback:register', onRegister);
    dc.subscribe('ffikit:callback:dispose', onDispose);
    try {
      const Tick = ffikit.callbackType('void obs_tick(int n)');
      const cb = lib.register(Tick, () => undefined);
      cb.dispose();
      cb.dispose();
      expect(seen).toEqual([
        ['register', { type: 'obs_tick', thread: 'main' }],
        ['dispose', { type: 'obs_tick', thread: 'main' }],
      ]);
    } finally {
      dc.unsubscribe('ffikit:callback:register', onRegister);
      dc.unsubscribe('ffikit:callback:dispose', onDispose);
    }
  });
});

describe('enableStats() / stats()', () => {
  afterEach(() => {
    ffikit.disableStats();
    ffikit.resetStats();
  });

  it('counts calls, errors and times per function, sync and async', async () => {
    ffikit.enableStats();
    ffikit.enableStats(); // idempotent: one subscription
    for (let i = 0; i < 100; i++) edge.add(i, 1);
    expect(() => edge.status(1)).toThrow(ffikit.NativeError);
    edge.status(0);
    await (edge.add as unknown as { async: (a: number, b: number) => Promise<number> }).async(1, 2);
    const s = ffikit.stats();
    const add = s.functions.find((f) => f.fn === 'add');
    const status = s.functions.find((f) => f.fn === 'status');
    expect(add).toMatchObject({ fn: 'add', library: lib.path, calls: 101, errors: 0 });
    expect(status).toMatchObject({ calls: 2, errors: 1 });
    expect(s.functions[0]?.fn).toBe('add'); // most called first
    for (const f of [add, status]) {
      expect(f?.p50Ns).toBeGreaterThan(0);
      expect(f?.p99Ns).toBeGreaterThanOrEqual(f?.p50Ns as number);
      expect(f?.maxNs).toBeGreaterThanOrEqual(f?.minNs as number);
      expect(f?.meanNs).toBeGreaterThan(0);
    }
  });

  it('stops counting after disableStats(), and reports live callbacks and arrays', () => {
    ffikit.enableStats();
    edge.add(1, 2);
    ffikit.disableStats();
    edge.add(1, 2);
    expect(ffikit.stats().functions.find((f) => f.fn === 'add')?.calls).toBe(1);
    const before = ffikit.stats().callbacks;
    const Tick = ffikit.callbackType('void obs_tick2(int n)');
    using cb = lib.register(Tick, () => undefined);
    expect(ffikit.stats().callbacks).toBe(before + 1);
    cb.dispose();
    expect(ffikit.stats().callbacks).toBe(before);
    expect(ffikit.stats().arrays).toEqual({ live: expect.any(Number), bytes: expect.any(Number) });
    expect(Array.isArray(ffikit.stats().pools)).toBe(true);
  });
});
