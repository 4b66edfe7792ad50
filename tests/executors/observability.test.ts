// Pool observability: ffikit:call tracing of pool calls, ffikit:pool:* task events, and the pool gauges stats() reads.
import * as dc from 'node:diagnostics_channel';

import { callChannel, gauges, traceArguments, type CallContext, type PoolGauge } from '../../ts/core/channels';
import { errorCodes } from '../../ts/declare/errcheck';
import { NativeError } from '../../ts/core/errors';
import { ProcessPoolExecutor } from '../../ts/executors/process-pool';
import { ThreadPoolExecutor } from '../../ts/executors/thread-pool';
import { fixturePaths } from '../fixtures/build';

const library = fixturePaths().crash;
const bind = {
  add: 'int add(int a, int b)',
  spin_ms: 'int spin_ms(int ms)',
  fail_with: { fn: 'int fail_with(int status)', errcheck: errorCodes({ OK: 0, E_BAD: [-7, 'bad thing'] }) },
} as const;

type Event = readonly [string, CallContext & { result?: unknown; error?: unknown }];

/** Subscribes to every ffikit:call event, recording a snapshot of the context at each. */
function recordCalls(): { events: Event[]; stop: () => void } {
  const events: Event[] = [];
  const snap = (name: string) => (ctx: unknown) => events.push([name, { ...(ctx as CallContext) }]);
  const handlers = {
    start: snap('start'),
    end: snap('end'),
    asyncStart: snap('asyncStart'),
    asyncEnd: snap('asyncEnd'),
    error: snap('error'),
  };
  callChannel.subscribe(handlers);
  return { events, stop: () => callChannel.unsubscribe(handlers) };
}

interface PoolEvent {
  readonly pool: string;
  readonly fn: string;
  readonly id: number;
  readonly depth: number;
  readonly ok?: boolean;
}

function recordPool(): { events: Array<[string, PoolEvent]>; stop: () => void } {
  const events: Array<[string, PoolEvent]> = [];
  const subs = (['queued', 'started', 'finished'] as const).map((kind) => {
    const fn = (msg: unknown): void => void events.push([kind, msg as PoolEvent]);
    dc.subscribe(`ffikit:pool:${kind}`, fn);
    return () => dc.unsubscribe(`ffikit:pool:${kind}`, fn);
  });
  return { events, stop: () => subs.forEach((s) => s()) };
}

describe.each([
  ['thread', (o: object) => new ThreadPoolExecutor({ library, bind, workers: 2, ...o })],
  ['process', (o: object) => new ProcessPoolExecutor({ library, bind, workers: 2, ...o })],
] as const)('%s pool', (mode, make) => {
  let pool: ThreadPoolExecutor<typeof bind> | ProcessPoolExecutor<typeof bind>;
  beforeAll(async () => {
    pool = make({});
    await pool.ready;
  });
  afterAll(() => pool.close());

  it('a call is one ffikit:call: start and end at submission, asyncStart/asyncEnd with the result', async () => {
    const rec = recordCalls();
    try {
      const p = pool.call('add', [2, 3]);
      // start and end are published synchronously, before the call settles.
      expect(rec.events.map(([n]) => n)).toEqual(['start', 'end']);
      await expect(p).resolves.toBe(5);
    } finally {
      rec.stop();
    }
    expect(rec.events.map(([n]) => n)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd']);
    const [, start] = rec.events[0] as Event;
    expect(start).toEqual({ fn: 'add', symbol: 'add', library, mode });
    expect((rec.events[3] as Event)[1].result).toBe(5);
  });

  it('a failing call publishes error (with the error) before asyncStart/asyncEnd', async () => {
    const rec = recordCalls();
    let thrown: unknown;
    try {
      thrown = await pool.call('fail_with', [-7]).catch((e: unknown) => e);
    } finally {
      rec.stop();
    }
    expect(thrown).toBeInstanceOf(NativeError);
    expect(rec.events.map(([n]) => n)).toEqual(['start', 'end', 'error', 'asyncStart', 'asyncEnd']);
    const [, ctx] = rec.events[2] as Event;
    expect(ctx).toMatchObject({ fn: 'fail_with', symbol: 'fail_with', library, mode });
    expect(ctx.error).toBe(thrown);
  });

  it('carries the arguments only when traceArguments(true) asked for them; submit() is traced to its result', async () => {
    const rec = recordCalls();
    try {
      await pool.call('add', [1, 1]);
      traceArguments(true);
      const { result } = await pool.submit('add', [4, 5]);
      await expect(result).resolves.toBe(9);
    } finally {
      traceArguments(false);
      rec.stop();
    }
    expect((rec.events[0] as Event)[1].arguments).toBeUndefined();
    const second = rec.events.slice(4);
    expect(second.map(([n]) => n)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd']);
    expect((second[0] as Event)[1].arguments).toEqual([4, 5]);
    expect((second[3] as Event)[1].result).toBe(9);
  });

  it('publishes queued, started and finished per task with matching ids, depths and ok', async () => {
    const rec = recordPool();
    try {
      // Three 50 ms tasks on two workers: the third waits in the queue.
      const results = await Promise.all([
        pool.call('spin_ms', [50]),
        pool.call('spin_ms', [50]),
        pool.call('spin_ms', [50]),
        pool.call('fail_with', [-7]).catch(() => 'failed'),
      ]);
      expect(results[3]).toBe('failed');
    } finally {
      rec.stop();
    }
    const of = (kind: string) => rec.events.filter(([k]) => k === kind).map(([, e]) => e);
    const queued = of('queued');
    expect(queued).toHaveLength(4);
    expect(queued.every((e) => e.pool === mode)).toBe(true);
    expect(queued.map((e) => e.fn)).toEqual(['spin_ms', 'spin_ms', 'spin_ms', 'fail_with']);
    const ids = queued.map((e) => e.id);
    expect(new Set(ids).size).toBe(4);
    expect(of('started').map((e) => e.id)).toEqual(ids);
    expect(
      of('finished')
        .map((e) => e.id)
        .sort(),
    ).toEqual([...ids].sort());
    // Two were still queued when the last one was queued; none when the last one started.
    expect(queued.map((e) => e.depth)).toEqual([1, 1, 1, 2]);
    expect(of('started')[3]?.depth).toBe(0);
    const finished = new Map(of('finished').map((e) => [e.id, e]));
    expect(ids.map((id) => finished.get(id)?.ok)).toEqual([true, true, true, false]);
    // Each task's events come in order: queued, started, finished.
    for (const id of ids) {
      expect(rec.events.filter(([, e]) => e.id === id).map(([k]) => k)).toEqual(['queued', 'started', 'finished']);
    }
  });

  it('a task cancelled while queued is queued then finished (not ok), never started', async () => {
    const rec = recordPool();
    const controller = new AbortController();
    try {
      const busy = [pool.call('spin_ms', [60]), pool.call('spin_ms', [60])];
      const cancelled = pool.call('add', [1, 2], { signal: controller.signal }).catch((e: unknown) => e);
      controller.abort();
      await cancelled;
      await Promise.all(busy);
    } finally {
      rec.stop();
    }
    const addEvents = rec.events.filter(([, e]) => e.fn === 'add');
    expect(addEvents.map(([k]) => k)).toEqual(['queued', 'finished']);
    expect(addEvents[1]?.[1].ok).toBe(false);
  });

  it('gauges.pools reports the pool, saturated: every worker running, the rest queued', async () => {
    const mine = (): PoolGauge | undefined => gauges.pools?.().find((g) => g.kind === mode && g.queued + g.running > 0);
    const calls = Array.from({ length: 5 }, () => pool.call('spin_ms', [80]));
    try {
      await new Promise((r) => setTimeout(r, 20));
      expect(mine()).toEqual({ kind: mode, library, workers: 2, queued: 3, running: 2 });
    } finally {
      await Promise.all(calls);
    }
    expect(gauges.pools?.().filter((g) => g.kind === mode && g.library === library)).toContainEqual({
      kind: mode,
      library,
      workers: 2,
      queued: 0,
      running: 0,
    });
  });
});

it('a closed pool leaves gauges.pools', async () => {
  const pool = new ThreadPoolExecutor({ library, bind, workers: 1 });
  const count = (): number => gauges.pools?.().filter((g) => g.workers === 1 && g.kind === 'thread').length ?? 0;
  const before = count();
  expect(before).toBeGreaterThanOrEqual(1);
  await pool.close();
  expect(count()).toBe(before - 1);
});

it('publishes nothing, and traces nothing, without subscribers', async () => {
  const pool = new ThreadPoolExecutor({ library, bind, workers: 1 });
  try {
    expect(callChannel.hasSubscribers).toBe(false);
    expect(dc.channel('ffikit:pool:queued').hasSubscribers).toBe(false);
    await expect(pool.call('add', [2, 2])).resolves.toBe(4);
  } finally {
    await pool.close();
  }
});
