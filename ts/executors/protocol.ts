// The messages an executor and its workers exchange (structured-clone / advanced-IPC safe).

import { kFrameMax } from './doorbell';
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

/** A `run` message. */
export type RunMessage = Extract<ToWorker, { t: 'run' }>;

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

// Frames: the thread pools' shared-memory form of the commonest messages, one call with number
// arguments and its number (or void) result, which then need no structured clone on either side.

/** Most arguments a run frame carries (the rest of the frame is its id and function index). */
const kMaxFrameArgs = kFrameMax - 2;

/** `[id, function index, ...args]` for a run of one call whose arguments are all numbers, else undefined. */
export function encodeRunFrame(msg: ToWorker, names: readonly string[]): number[] | undefined {
  if (msg.t !== 'run' || msg.n !== 1 || msg.cols !== undefined || msg.meta !== undefined) return undefined;
  const args = msg.args?.[0];
  if (args === undefined || args.length > kMaxFrameArgs) return undefined;
  const fn = names.indexOf(msg.fn);
  if (fn < 0) return undefined;
  const frame = [msg.id, fn];
  for (const a of args) {
    if (typeof a !== 'number') return undefined;
    frame.push(a);
  }
  return frame;
}

/** The run message a run frame stands for. */
export function decodeRunFrame(frame: Float64Array, names: readonly string[]): RunMessage {
  return { t: 'run', id: frame[0] as number, fn: names[frame[1] as number] as string, n: 1, args: [Array.from(frame.subarray(2))] };
}

/** `[id]` (void) or `[id, value]` for the answer to one call that returned a number or nothing, else undefined. */
export function encodeDoneFrame(msg: FromWorker): number[] | undefined {
  if (msg.t !== 'done' || msg.errors !== undefined || msg.backs !== undefined) return undefined;
  if (msg.values === null) return [msg.id];
  if (Array.isArray(msg.values) && msg.values.length === 1 && typeof msg.values[0] === 'number') return [msg.id, msg.values[0]];
  return undefined;
}

/** The done message a done frame stands for. */
export function decodeDoneFrame(frame: Float64Array): DoneMessage {
  return { t: 'done', id: frame[0] as number, values: frame.length > 1 ? [frame[1]] : null };
}
