// Executor errors: queue full, timeout, native crash, closed or terminated before ready, and how ffikit errors cross a thread or process boundary.

import {
  ArgumentError,
  CallbackError,
  ClosedError,
  DeclarationError,
  DisposedError,
  FfikitError,
  LibraryLoadError,
  NativeError,
  UnsupportedError,
  type LoadFailureReason,
} from '../core/errors';

/** A task was refused because the executor's queue held `maxQueue` tasks (with `onFull: 'reject'`). */
export class QueueFullError extends FfikitError {
  /** The queue bound that was reached. */
  readonly maxQueue: number;

  constructor(message: string, maxQueue: number) {
    super('ERR_FFIKIT_QUEUE_FULL', message);
    this.maxQueue = maxQueue;
  }
}

/** A task did not settle within its `timeoutMs`. */
export class TimeoutError extends FfikitError {
  /** The bound function the task called. */
  readonly fn: string;
  /** The timeout that expired, in milliseconds. */
  readonly timeoutMs: number;
  /** Whether the native call had already started (a thread then stays busy until it returns). */
  readonly started: boolean;

  constructor(message: string, fn: string, timeoutMs: number, started: boolean) {
    super('ERR_FFIKIT_TIMEOUT', message);
    this.fn = fn;
    this.timeoutMs = timeoutMs;
    this.started = started;
  }
}

/** A native call killed its worker process (segfault, abort, ...). The executor restarted the worker. */
export class NativeCrashError extends FfikitError {
  /** The signal that ended the process (`'SIGSEGV'`, `'SIGABRT'`, ...), or null when it exited. */
  readonly signal: NodeJS.Signals | null;
  /** The exit code when the process exited instead of being signalled, else null. */
  readonly exitCode: number | null;
  /** The bound function that was running. */
  readonly fn: string;
  /** The worker process' id. */
  readonly pid: number;

  constructor(message: string, fn: string, signal: NodeJS.Signals | null, exitCode: number | null, pid: number) {
    super('ERR_FFIKIT_NATIVE_CRASH', message);
    this.fn = fn;
    this.signal = signal;
    this.exitCode = exitCode;
    this.pid = pid;
  }
}

/** The queue is full and the executor was told to refuse rather than wait. */
export function queueFullError(where: string, maxQueue: number): QueueFullError {
  return new QueueFullError(
    `${where}: the queue is full (${maxQueue} task${maxQueue === 1 ? '' : 's'} waiting for a worker). Await earlier results first, raise maxQueue, or use onFull: 'wait' to wait for room.`,
    maxQueue,
  );
}

/** A task's timeout expired; `running` tells what happened to the native call. */
export function timeoutError(fn: string, timeoutMs: number, state: 'queued' | 'thread' | 'process'): TimeoutError {
  const what =
    state === 'queued'
      ? 'it never started (it was still waiting for a worker) and was cancelled'
      : state === 'thread'
        ? 'the native call was running: a thread cannot be interrupted, so its worker stays busy until the call returns (its result is discarded)'
        : 'the native call was running: its worker process was killed and is being replaced';
  return new TimeoutError(`${fn}(): timed out after ${timeoutMs} ms; ${what}.`, fn, timeoutMs, state !== 'queued');
}

/**
 * A worker died while running `fn`. For a process this is a native crash (the usual case: a signal);
 * a worker thread can only exit on its own (a native crash in a thread takes the whole process down).
 */
export function nativeCrashError(
  fn: string,
  signal: NodeJS.Signals | null,
  exitCode: number | null,
  pid: number,
  mode: 'thread' | 'process' = 'process',
): NativeCrashError {
  const how = signal !== null ? `was killed by ${signal}` : `exited with code ${exitCode}`;
  const message =
    mode === 'process'
      ? `${fn}(): the native call crashed its worker process (pid ${pid} ${how}). The task is lost; the worker was restarted and the other tasks continue.`
      : `${fn}(): the worker thread running it ${how}. The task is lost; the worker was restarted and the other tasks continue.`;
  return new NativeCrashError(message, fn, signal, exitCode, pid);
}

/** A worker died before it was ready (while loading or binding the library): the executor is unusable. */
export function startupCrashError(library: string, signal: NodeJS.Signals | null, exitCode: number | null, pid: number): NativeCrashError {
  const how = signal !== null ? `was killed by ${signal}` : `exited with code ${exitCode}`;
  return new NativeCrashError(
    `A worker (pid ${pid}) ${how} while loading ${library}, before running any task. The executor cannot start workers; check that the library loads with ffikit.load() in a plain process.`,
    '',
    signal,
    exitCode,
    pid,
  );
}

/** The executor was closed or terminated. */
export function executorClosedError(what: string, executor: string, terminated: boolean): ClosedError {
  return new ClosedError(
    terminated
      ? `${what}: the ${executor} was terminated before the task completed.`
      : `${what}: the ${executor} was closed. Create a new executor to keep submitting tasks.`,
  );
}

/** `terminate()` stopped the workers before every one had answered whether it could load and bind. */
export function notReadyError(executor: string, library: string): ClosedError {
  return new ClosedError(
    `${executor}.ready: the ${executor} was terminated before every worker had loaded ${library} and bound its functions, so whether they could is unknown. Await ready before terminate() to find out.`,
  );
}

/** An error as it crosses a thread or process boundary (structured-clone safe). */
export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly stack?: string;
  readonly props: Readonly<Record<string, unknown>>;
  /** The error's `.cause`, when it is an Error (a few levels at most). */
  readonly cause?: WireError;
}

const kProps = ['status', 'statusName', 'fn', 'reason', 'path', 'signal', 'exitCode', 'pid', 'timeoutMs', 'started', 'maxQueue'];

/** How many `.cause` levels cross: enough for a load error's dlopen/ENOENT detail, never a cycle. */
const kCauseDepth = 3;

/** Flattens an error for postMessage/IPC: class name, code, message, the known extra properties and its cause. */
export function toWireError(err: unknown, depth = 0): WireError {
  if (!(err instanceof Error)) return { name: 'Error', message: `a non-Error value was thrown: ${String(err)}`, props: {} };
  const props: Record<string, unknown> = {};
  for (const key of kProps) {
    const v = (err as unknown as Record<string, unknown>)[key];
    if (v !== undefined && typeof v !== 'function' && typeof v !== 'object') props[key] = v;
  }
  const code = (err as { code?: unknown }).code;
  const cause = depth < kCauseDepth && err.cause instanceof Error ? toWireError(err.cause, depth + 1) : undefined;
  return {
    name: err.name,
    message: err.message,
    ...(typeof code === 'string' ? { code } : {}),
    ...(err.stack ? { stack: err.stack } : {}),
    props,
    ...(cause ? { cause } : {}),
  };
}

/**
 * Rebuilds the ffikit error class a worker threw, so `instanceof NativeError` and `.status` work on
 * the caller's side. Other errors become plain Errors keeping name, code and message. The worker's
 * stack is kept under the caller's, after a `-- in the worker --` marker; its cause becomes `.cause`.
 */
export function fromWireError(wire: WireError, where: string): Error {
  const p = wire.props;
  let err: Error;
  switch (wire.name) {
    case 'NativeError':
      err = new NativeError(String(p.fn ?? ''), Number(p.status), String(p.statusName ?? 'UNKNOWN'), wire.message);
      break;
    case 'ArgumentError':
      err = new ArgumentError(wire.message);
      break;
    case 'DeclarationError':
      err = new DeclarationError(wire.message);
      break;
    case 'DisposedError':
      err = new DisposedError(wire.message);
      break;
    case 'ClosedError':
      err = new ClosedError(wire.message);
      break;
    case 'UnsupportedError':
      err = new UnsupportedError(wire.message);
      break;
    case 'CallbackError':
      err = new CallbackError(wire.message, undefined);
      break;
    case 'LibraryLoadError':
      err = new LibraryLoadError(p.reason as LoadFailureReason, String(p.path ?? ''), wire.message);
      break;
    default: {
      err = new Error(wire.message);
      Object.defineProperty(err, 'name', { value: wire.name, configurable: true, writable: true });
      if (wire.code !== undefined) (err as Error & { code?: string }).code = wire.code;
      for (const [k, v] of Object.entries(p)) (err as unknown as Record<string, unknown>)[k] = v;
    }
  }
  if (wire.stack) {
    const remote = wire.stack.split('\n').slice(1).join('\n');
    err.stack = `${err.stack ?? `${err.name}: ${err.message}`}\n    -- in the ${where} --\n${remote}`;
  }
  // Defined as the Error constructor defines it (own, not enumerable), whatever the class' constructor takes.
  if (wire.cause) Object.defineProperty(err, 'cause', { value: fromWireError(wire.cause, where), configurable: true, writable: true });
  return err;
}
