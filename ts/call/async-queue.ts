// Admission control for `.async` calls: a small concurrency limit in front of koffi's async calls.

import { closedError } from '../core/errors';
import { debug } from '../core/debug';

/** Per-library bookkeeping the queue needs. */
export interface AsyncState {
  closed: boolean;
  /** Calls admitted to native code and not yet completed. */
  inflight: number;
  /** Called when `inflight` drops to 0 after close(), to unload the library safely. */
  onIdle?: () => void;
}

type Start = (done: (err: unknown, value?: unknown) => void) => void;

interface Pending {
  state: AsyncState;
  label: string;
  start: Start;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

function defaultLimit(): number {
  const fromEnv = Number.parseInt(process.env.FFIKIT_ASYNC_CONCURRENCY ?? '', 10);
  if (Number.isSafeInteger(fromEnv) && fromEnv > 0) return fromEnv;
  // koffi runs async calls on libuv's thread pool (4 threads unless UV_THREADPOOL_SIZE says otherwise),
  // the same pool fs, dns and crypto use. Keeping at most half of it busy leaves room for them, and
  // queueing here avoids koffi's hard error past its own max_async_calls.
  const pool = Number.parseInt(process.env.UV_THREADPOOL_SIZE ?? '', 10);
  return Math.max(1, Math.floor((Number.isSafeInteger(pool) && pool > 0 ? pool : 4) / 2));
}

const limit = defaultLimit();
let running = 0;
const queue: Pending[] = [];

function pump(): void {
  while (running < limit && queue.length > 0) {
    const task = queue.shift() as Pending;
    if (task.state.closed) {
      task.reject(closedError(task.label));
      continue;
    }
    running++;
    task.state.inflight++;
    let settled = false;
    const finish = (err: unknown, value?: unknown): void => {
      if (settled) return;
      settled = true;
      running--;
      task.state.inflight--;
      if (task.state.inflight === 0 && task.state.closed) task.state.onIdle?.();
      if (err !== undefined) task.reject(err);
      else task.resolve(value);
      // Schedule, not recurse: a burst of synchronous completions must not grow the stack.
      if (queue.length > 0) setImmediate(pump);
    };
    try {
      task.start(finish);
    } catch (err) {
      finish(err);
    }
  }
}

/** Runs `start` once a slot is free; the promise settles when `start` calls `done`. Never throws. */
export function runAsync(state: AsyncState, label: string, start: Start): Promise<unknown> {
  return new Promise((resolve, reject) => {
    queue.push({ state, label, start, resolve, reject });
    if (queue.length > 1) debug('async queue depth %d (limit %d)', queue.length, limit);
    pump();
  });
}
