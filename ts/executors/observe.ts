// What pools tell observers: task events on the ffikit:pool:* channels, calls on ffikit:call, and the live pools stats() reads.

import {
  argumentsTraced,
  callChannel,
  gauges,
  poolFinishedChannel,
  poolQueuedChannel,
  poolStartedChannel,
  type CallContext,
  type PoolGauge,
} from '../core/channels';
import type { Mode } from './marshal';
import type { Task } from './task-queue';

/** A pool as the gauge reader sees it. */
export interface GaugedPool {
  gauge(): PoolGauge;
}

/** Open pools: added when constructed, removed once closed or terminated. */
const live = new Set<GaugedPool>();

gauges.pools = () => Array.from(live, (p) => p.gauge());

/** Counts `pool` in `ffikit.stats()` until {@link untrackPool}. */
export function trackPool(pool: GaugedPool): void {
  live.add(pool);
}

/** Stops counting `pool`. */
export function untrackPool(pool: GaugedPool): void {
  live.delete(pool);
}

/**
 * A task entered the queue (`depth`: tasks queued, this one included). Its `finished` event follows
 * when it settles, whether it ran or was cancelled while queued (`depth` then read from `queued`),
 * provided someone listened for finished events when it was queued.
 */
export function publishQueued(pool: Mode, task: Task, depth: number, queued: () => number): void {
  if (poolQueuedChannel.hasSubscribers) poolQueuedChannel.publish({ pool, fn: task.fn, id: task.id, depth });
  // Only tasks queued while someone listens get a finished event (no closure per task otherwise).
  if (poolFinishedChannel.hasSubscribers) {
    task.onSettle(() => poolFinishedChannel.publish({ pool, fn: task.fn, id: task.id, depth: queued(), ok: task.ok }));
  }
}

/** A task was handed to a worker (`depth`: tasks still queued). */
export function publishStarted(pool: Mode, task: Task, depth: number): void {
  if (poolStartedChannel.hasSubscribers) poolStartedChannel.publish({ pool, fn: task.fn, id: task.id, depth });
}

/** What a traced pool call reports. */
export interface TracedCall {
  readonly fn: string;
  readonly symbol: string;
  readonly library: string;
  readonly mode: Mode;
  readonly args: readonly unknown[];
}

/**
 * Runs `submit` as one `ffikit:call` (start and end now, asyncStart/asyncEnd with `result` when the
 * promise settles, `error` first when it rejects), as `tracingChannel.tracePromise` reports it.
 * Without subscribers it only calls `submit`.
 */
export function traceCall<T>(call: TracedCall, submit: () => Promise<T>): Promise<T> {
  if (!callChannel.hasSubscribers) return submit();
  const ctx: CallContext = { fn: call.fn, symbol: call.symbol, library: call.library, mode: call.mode };
  if (argumentsTraced()) ctx.arguments = call.args;
  return callChannel.tracePromise(submit, ctx);
}
