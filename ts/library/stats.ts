// ffikit.enableStats() / ffikit.stats(): per-function call counts, errors and timings, gathered by
// subscribing to the `ffikit:call` tracing channel, plus the live figures of the layers below.

import { createHistogram, performance, type RecordableHistogram } from 'node:perf_hooks';

import { callChannel, gauges, type CallContext, type PoolGauge } from '../core/channels';

/** One bound function's figures since {@link enableStats} (or the last reset). Times in nanoseconds. */
export interface FunctionStats {
  /** The JS name it was bound under. */
  readonly fn: string;
  /** The library's path. */
  readonly library: string;
  /** Calls that finished (returned or threw), sync, `.async` and pool calls together. */
  readonly calls: number;
  /** Calls that threw or rejected (argument errors, errcheck failures, native errors). */
  readonly errors: number;
  /** Mean call time in ns (async calls: until the promise settled). */
  readonly meanNs: number;
  /** Median call time in ns. */
  readonly p50Ns: number;
  /** 99th percentile of the call time in ns. */
  readonly p99Ns: number;
  /** Fastest call in ns. */
  readonly minNs: number;
  /** Slowest call in ns. */
  readonly maxNs: number;
}

/** What {@link stats} returns. */
export interface Stats {
  /** Per bound function, most called first; empty unless {@link enableStats} ran. */
  readonly functions: readonly FunctionStats[];
  /** Live ManagedArrays and the bytes they hold. */
  readonly arrays: {
    /** ManagedArrays created and not yet freed. */
    readonly live: number;
    /** The bytes they hold. */
    readonly bytes: number;
  };
  /** Registered callbacks not yet released. */
  readonly callbacks: number;
  /** Open executors: workers, queued and running tasks. */
  readonly pools: readonly PoolGauge[];
}

interface Entry {
  readonly fn: string;
  readonly library: string;
  readonly histogram: RecordableHistogram;
  errors: number;
}

const kStarted = Symbol('ffikit.stats.started');
type Timed = CallContext & { [kStarted]?: number };

const entries = new Map<string, Entry>();

function entryOf(ctx: CallContext): Entry {
  const key = `${ctx.library}\0${ctx.fn}`;
  let entry = entries.get(key);
  if (entry === undefined) {
    entry = { fn: ctx.fn, library: ctx.library, histogram: createHistogram(), errors: 0 };
    entries.set(key, entry);
  }
  return entry;
}

function finish(ctx: Timed): void {
  const started = ctx[kStarted];
  if (started === undefined) return;
  ctx[kStarted] = undefined;
  const entry = entryOf(ctx);
  entry.histogram.record(Math.max(1, Math.round((performance.now() - started) * 1e6)));
  if (ctx.error !== undefined) entry.errors++;
}

const subscribers = {
  start(ctx: Timed): void {
    ctx[kStarted] = performance.now();
  },
  end(ctx: Timed): void {
    // A sync call is over at `end`; an async one has only been started (it ends at asyncEnd or error).
    if (ctx.mode === 'sync' || ctx.error !== undefined) finish(ctx);
  },
  asyncStart(): void {},
  asyncEnd(ctx: Timed): void {
    finish(ctx);
  },
  error(ctx: Timed): void {
    if (ctx.mode !== 'sync') finish(ctx);
  },
};

let enabled = false;

/**
 * Starts counting calls, errors and call times per bound function (sync, `.async` and pool calls).
 * Idempotent. While on, every call goes through the `ffikit:call` tracing channel, which costs a
 * few hundred nanoseconds per call: turn it on for diagnosis or sampling windows, not by default.
 * @example
 * ffikit.enableStats();
 * runWorkload();
 * console.table(ffikit.stats().functions);
 */
export function enableStats(): void {
  if (enabled) return;
  enabled = true;
  callChannel.subscribe(subscribers as never);
}

/** Stops counting (the figures gathered so far stay until {@link resetStats}). Idempotent. */
export function disableStats(): void {
  if (!enabled) return;
  enabled = false;
  callChannel.unsubscribe(subscribers as never);
}

/** Forgets the per-function figures. */
export function resetStats(): void {
  entries.clear();
}

function round(ns: number): number {
  return Number.isFinite(ns) ? Math.round(ns) : 0;
}

/**
 * The figures so far: per bound function (after {@link enableStats}), and the live ManagedArrays,
 * registered callbacks and executor queues (always).
 * @returns A snapshot; times in nanoseconds.
 */
export function stats(): Stats {
  const functions = [...entries.values()]
    .map((e): FunctionStats => {
      const h = e.histogram;
      return {
        fn: e.fn,
        library: e.library,
        calls: h.count,
        errors: e.errors,
        meanNs: round(h.mean),
        p50Ns: round(h.percentile(50)),
        p99Ns: round(h.percentile(99)),
        minNs: h.count === 0 ? 0 : round(h.min),
        maxNs: round(h.max),
      };
    })
    .sort((a, b) => b.calls - a.calls);
  return {
    functions,
    arrays: gauges.arrays?.() ?? { live: 0, bytes: 0 },
    callbacks: gauges.callbacks?.() ?? 0,
    pools: gauges.pools?.() ?? [],
  };
}
