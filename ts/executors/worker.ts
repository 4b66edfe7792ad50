// Executor worker entry (a worker thread or a child process): loads the library once, binds, runs tasks.

import '../core/polyfills';
import * as os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';

import { errorCodes, type ErrorCodeTable } from '../declare/errcheck';
import { CallbackError, NativeError } from '../core/errors';
import { dtypeInfo } from '../declare/dtype';
import { load, type Library } from '../library/library';
import { viewBytes } from '../native/koffi';
import { adoptHandle, isHandle } from '../memory/handle';
import { NDArray } from '../memory/ndarray';
import { reference, type ReferenceLibrary } from '../reference/reference';
import type { BindSpec } from '../call/infer';
import { toWireError, type WireError } from './errors';
import { handleMarker, kMarker, type HandleMarker, type ManagedMarker, type NDMarker } from './marshal';
import { serveDoorbell, type DoorbellEnd, type WorkerReplies } from './doorbell';
import { declareTypes } from './type-shipping';
import type { WireErrcheck, WorkerConfig } from './options';
import { decodeRunFrame, encodeDoneFrame, type DoneMessage, type FromWorker, type ToWorker } from './protocol';

type Send = (msg: FromWorker, transfer?: ArrayBuffer[]) => void;
type BoundFn = (...args: unknown[]) => unknown;

const inThread = parentPort !== null;
let fns: Record<string, BoundFn> = {};
/** The bound names in `config.bind` order: run frames name the function by its index here. */
let names: string[] = [];
let library: Library | undefined;
let ref: ReferenceLibrary | undefined;

function rebuildErrcheck(e: WireErrcheck | undefined): ErrorCodeTable | string | undefined {
  if (e === undefined || typeof e === 'string') return e;
  const table = Object.fromEntries(
    e.table.map(([name, value, message]) => [name, message === undefined ? value : ([value, message] as const)]),
  );
  return errorCodes(table, { ok: e.ok });
}

function init(config: WorkerConfig): void {
  if (config.library.reference) {
    ref = reference({ path: config.library.path });
    library = ref.library;
  } else {
    library = load(config.library.path);
  }
  // Before binding: prototypes resolve named types as they are parsed.
  declareTypes(config.types, 'executor worker');
  const spec: Record<string, unknown> = {};
  names = Object.keys(config.bind);
  for (const [name, f] of Object.entries(config.bind)) {
    // Shared memory is the zero-copy path of thread pools: accept it on every pointer parameter,
    // those with array contracts included (bind's `shared` option does not reach contracts).
    const arrays = f.arrays && Object.fromEntries(Object.entries(f.arrays).map(([param, c]) => [param, { ...c, shared: true }]));
    spec[name] = {
      fn: f.fn,
      ...(f.errcheck !== undefined ? { errcheck: rebuildErrcheck(f.errcheck) } : {}),
      ...(arrays ? { arrays } : {}),
    };
  }
  fns = library.bind(spec as BindSpec, { shared: true }) as unknown as Record<string, BoundFn>;
  lowerPriority(config.nice);
}

/**
 * Gives this worker the nice value `nice` (never a higher priority than it has: that needs privileges).
 * `setpriority(PRIO_PROCESS, 0)` acts on the calling thread on Linux, where each thread has its own
 * nice value; elsewhere it acts on the whole process, so only worker processes use it there.
 */
function lowerPriority(nice: number): void {
  if (nice === 0 || (inThread && process.platform !== 'linux')) return;
  try {
    if (os.getPriority(0) < nice) os.setPriority(0, nice);
  } catch {
    // A sandbox that forbids it (seccomp) leaves the worker at its priority; the calls still run.
  }
}

/** Turns wire markers back into what the bound function accepts. */
function revive(args: unknown[], indices: readonly number[]): void {
  for (const i of indices) {
    const m = args[i] as ManagedMarker | NDMarker | HandleMarker;
    if (m[kMarker] === 'handle') {
      // A Handle of this worker (never freed here: no disposer is bound in workers), checked by the bound function.
      args[i] = adoptHandle(m.type, m.ptr);
    } else if (m[kMarker] === 'managed') {
      const info = dtypeInfo('executor', m.dtype);
      // A view of the caller's native memory: the caller keeps the array pinned until this task is answered.
      args[i] = m.length === 0 ? new info.ctor(0) : new info.ctor(viewBytes(m.ptr, m.length * info.bytes));
    } else {
      args[i] = new NDArray(m.data as never, m.shape, { readonly: m.readonly });
    }
  }
}

/** A result or out-value as it crosses back: Handles become markers (a class instance would not survive cloning). */
function toWire(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (isHandle(v)) return handleMarker(v);
  if (Array.isArray(v) && v.some(isHandle)) return v.map((x) => (isHandle(x) ? handleMarker(x) : x));
  return v;
}

/** The value to send back for argument `x` (typed arrays, NDArrays and `{ data }` objects give their data; structs themselves). */
function backValue(x: unknown): unknown {
  if (ArrayBuffer.isView(x) || Array.isArray(x)) return toWire(x);
  const data = (x as { data?: unknown } | null)?.data;
  if (ArrayBuffer.isView(data)) return data;
  return x;
}

/** Calls `fn` with call `k` of a columnar chunk (direct calls for the usual arities: no spread). */
function callColumns(fn: BoundFn, cols: readonly Float64Array[], k: number): unknown {
  switch (cols.length) {
    case 0:
      return fn();
    case 1:
      return fn((cols[0] as Float64Array)[k]);
    case 2:
      return fn((cols[0] as Float64Array)[k], (cols[1] as Float64Array)[k]);
    case 3:
      return fn((cols[0] as Float64Array)[k], (cols[1] as Float64Array)[k], (cols[2] as Float64Array)[k]);
    default:
      return fn(...cols.map((c) => c[k]));
  }
}

/** The cheapest faithful encoding of the results: a Float64Array when all are numbers, null when all are undefined. */
function packValues(values: unknown[]): unknown[] | Float64Array | null {
  let numbers = true;
  let undef = true;
  for (let k = 0; k < values.length; k++) {
    const v = values[k];
    if (typeof v !== 'number') numbers = false;
    if (v !== undefined) undef = false;
    if (!numbers && !undef) return values;
  }
  if (undef) return null;
  if (values.length < 16) return values;
  const packed = new Float64Array(values.length);
  for (let k = 0; k < values.length; k++) packed[k] = values[k] as number;
  return packed;
}

function run(msg: Extract<ToWorker, { t: 'run' }>, send: Send): void {
  const fn = fns[msg.fn] as BoundFn;
  const n = msg.n;
  const values: unknown[] = new Array<unknown>(n).fill(undefined);
  let errors: Array<readonly [number, WireError]> | undefined;
  let backs: Array<readonly [number, unknown[]]> | undefined;
  const transfer: ArrayBuffer[] = [];
  if (msg.cols) {
    for (let k = 0; k < n; k++) {
      try {
        values[k] = toWire(callColumns(fn, msg.cols, k));
      } catch (err) {
        (errors ??= []).push([k, toWireError(err)]);
      }
    }
  } else {
    const meta = msg.meta ? new Map(msg.meta.map((m) => [m.k, m])) : undefined;
    for (let k = 0; k < n; k++) {
      const args = (msg.args as unknown[][])[k] as unknown[];
      const m = meta?.get(k);
      let called = true;
      try {
        if (m?.r) revive(args, m.r);
        values[k] = toWire(fn(...args));
      } catch (err) {
        (errors ??= []).push([k, toWireError(err)]);
        // Copy back only when C ran: argument errors leave the caller's arrays as they are.
        called = err instanceof NativeError || err instanceof CallbackError;
      }
      if (m?.b && called) {
        const out = m.b.map((i) => backValue(args[i]));
        (backs ??= []).push([k, out]);
        if (inThread)
          for (const v of out)
            if (ArrayBuffer.isView(v) && !transfer.includes(v.buffer as ArrayBuffer)) transfer.push(v.buffer as ArrayBuffer);
      }
    }
  }
  const packed = packValues(values);
  if (inThread && packed instanceof Float64Array) transfer.push(packed.buffer as ArrayBuffer);
  const reply: DoneMessage = { t: 'done', id: msg.id, values: packed, ...(errors ? { errors } : {}), ...(backs ? { backs } : {}) };
  try {
    send(reply, transfer);
  } catch (err) {
    // A result that cannot be cloned (it should not happen with C types) fails the calls, not the worker.
    const wire = toWireError(err);
    send({ t: 'done', id: msg.id, values: null, errors: Array.from({ length: n }, (_, k) => [k, wire] as const) });
  }
}

function shutdown(): void {
  try {
    if (ref) ref.close();
    else library?.close();
  } catch {
    // The process or thread is going away; nothing useful to report to.
  }
}

function handle(msg: ToWorker, send: Send, exit: () => void): void {
  switch (msg.t) {
    case 'init':
      try {
        init(msg.config);
        send({ t: 'ready', pid: process.pid });
      } catch (err) {
        send({ t: 'init-error', error: toWireError(err) });
      }
      return;
    case 'run':
      run(msg, send);
      return;
    case 'exit':
      shutdown();
      exit();
      return;
  }
}

// Loaded anywhere else (neither a worker thread nor a forked child) this module does nothing.
if (parentPort !== null) {
  let viaFrames: Send | undefined;
  // Answers to one call with a number (or no) result go back as a frame: nothing to clone.
  const reply = (replies: WorkerReplies): Send =>
    (viaFrames ??= (msg, transfer) => {
      const frame = transfer === undefined || transfer.length === 0 ? encodeDoneFrame(msg) : undefined;
      if (frame === undefined || !replies.sendFrame(frame)) replies.send(msg, transfer);
    });
  serveDoorbell(
    workerData as DoorbellEnd,
    (msg, replies, stop) => handle(msg as ToWorker, reply(replies), stop),
    (frame, replies) => run(decodeRunFrame(frame, names), reply(replies)),
  );
} else if (typeof process.send === 'function') {
  const send: Send = (msg) => {
    // The executor's process may be gone (it exited without close()): an unanswered send is no
    // error worth printing, and without a callback Node would throw it as an 'error' event (EPIPE).
    if (process.connected) process.send?.(msg, undefined, undefined, () => undefined);
  };
  let leaving = false;
  process.on('message', (msg: ToWorker) =>
    handle(msg, send, () => {
      leaving = true;
      // Disconnecting flushes the replies already sent; the process then exits on its own.
      process.disconnect();
    }),
  );
  // The executor's process is gone (or dropped us): nobody can use our results any more.
  process.on('disconnect', () => {
    if (!leaving) process.exit(0);
  });
}
