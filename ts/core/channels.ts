// ffikit's diagnostics channels (node:diagnostics_channel): the names code outside ffikit subscribes to.
// Every publisher tests `hasSubscribers` first, so an application that subscribes to nothing pays one
// property read per event site.

import * as dc from 'node:diagnostics_channel';

/** The message of every `ffikit:call` event: which function of which library. */
export interface CallContext {
  /** The JS name the function was bound under. */
  readonly fn: string;
  /** The C symbol. */
  readonly symbol: string;
  /** The library's path. */
  readonly library: string;
  /** `'sync'`, `'async'` (`.async`), `'thread'` or `'process'` (a pool). */
  readonly mode: 'sync' | 'async' | 'thread' | 'process';
  /** The arguments, for subscribers that asked for them (see {@link traceArguments}). */
  arguments?: readonly unknown[];
  /** The call's result (set before `end` / `asyncEnd`). */
  result?: unknown;
  /** What the call threw or rejected with (set before `error`). */
  error?: unknown;
}

/** start / end / asyncStart / asyncEnd / error for every bound call. */
export const callChannel = dc.tracingChannel<'ffikit:call', CallContext>('ffikit:call');

/** `{ path, deepBind, checked }` after a library was opened. */
export const loadChannel = dc.channel('ffikit:library:load');
/** `{ path }` when a library is closed (before it is unloaded). */
export const closeChannel = dc.channel('ffikit:library:close');
/** `{ dtype, length, bytes, allocator }` when a ManagedArray is created. */
export const arrayAllocChannel = dc.channel('ffikit:array:alloc');
/** `{ dtype, length, bytes, allocator }` when a ManagedArray's memory is freed (dispose or GC). */
export const arrayFreeChannel = dc.channel('ffikit:array:free');
/** `{ type, threads }` when a callback is registered. */
export const callbackRegisterChannel = dc.channel('ffikit:callback:register');
/** `{ type }` when a callback is disposed. */
export const callbackDisposeChannel = dc.channel('ffikit:callback:dispose');
/** `{ pool, fn, id, depth }` when a pool task is queued. */
export const poolQueuedChannel = dc.channel('ffikit:pool:queued');
/** `{ pool, fn, id, depth }` when a pool task is handed to a worker. */
export const poolStartedChannel = dc.channel('ffikit:pool:started');
/** `{ pool, fn, id, depth, ok }` when a pool task settled. */
export const poolFinishedChannel = dc.channel('ffikit:pool:finished');

let argumentsWanted = false;

/**
 * Asks for the arguments in `ffikit:call` contexts (`ctx.arguments`). Off by default: keeping them costs
 * an array per call and holds the values until the subscribers let go of the context.
 */
export function traceArguments(on: boolean): void {
  argumentsWanted = on;
}

/** Whether `ffikit:call` contexts carry the arguments. */
export function argumentsTraced(): boolean {
  return argumentsWanted;
}

/** One pool as `ffikit.stats()` reports it. */
export interface PoolGauge {
  /** A ThreadPoolExecutor or a ProcessPoolExecutor. */
  readonly kind: 'thread' | 'process';
  /** The path of the library its workers load. */
  readonly library: string;
  /** Workers running now. */
  readonly workers: number;
  /** Tasks waiting for a worker. */
  readonly queued: number;
  /** Tasks a worker is running. */
  readonly running: number;
}

/**
 * Readers for the live figures `ffikit.stats()` reports, set by the layer that owns each figure
 * (memory, callbacks, executors), so that stats needs no import of the layers above it.
 */
export const gauges: {
  arrays?: () => { readonly live: number; readonly bytes: number };
  callbacks?: () => number;
  pools?: () => readonly PoolGauge[];
} = {};
