// The messages an executor and its workers exchange (structured-clone / advanced-IPC safe).

import type { WireError } from './errors';
import type { WorkerConfig } from './options';

/** Per-call extras of a `run` message, only for calls that need them. */
export interface WireMeta {
  /** Index of the call in the chunk. */
  readonly k: number;
  /** Argument indices whose values go back after the call (copied arrays, out-params). */
  readonly b?: readonly number[];
  /** Argument indices holding ManagedArray / NDArray markers to rebuild. */
  readonly r?: readonly number[];
}

/** Main → worker. */
export type ToWorker =
  | { readonly t: 'init'; readonly config: WorkerConfig }
  /**
   * Runs `fn` once per call, in order; one `done` reply for the whole chunk. The calls come as argument
   * lists (`args`), or for all-number chunks as one Float64Array per parameter (`cols`, `n` calls).
   */
  | {
      readonly t: 'run';
      readonly id: number;
      readonly fn: string;
      readonly n: number;
      readonly args?: readonly unknown[][];
      readonly cols?: readonly Float64Array[];
      readonly meta?: readonly WireMeta[];
    }
  | { readonly t: 'exit' };

/** The answer to one `run` message. */
export interface DoneMessage {
  readonly t: 'done';
  readonly id: number;
  /** Return value per call (undefined where it threw): a Float64Array when all are numbers, null when all are undefined. */
  readonly values: unknown[] | Float64Array | null;
  /** `[k, error]` for each call that threw. */
  readonly errors?: Array<readonly [number, WireError]>;
  /** `[k, values]` for each call with write-back arguments, values in the order of its meta `b`. */
  readonly backs?: Array<readonly [number, unknown[]]>;
}

/** Worker → main. */
export type FromWorker =
  { readonly t: 'ready'; readonly pid: number } | { readonly t: 'init-error'; readonly error: WireError } | DoneMessage;
