// The thread pools' transport: a MessagePort read when a shared counter (the doorbell) moves, plus number frames in shared memory.

import { MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';

/** Index of the counter the main thread bumps after each message to the worker. */
const kToWorker = 0;
/** Index of the counter the worker bumps after each message to the main thread. */
const kToMain = 1;
/** Index of the length + 1 of the frame waiting for the worker (0: none). */
const kFrameToWorker = 2;
/** Index of the length + 1 of the frame waiting for the main thread (0: none). */
const kFrameToMain = 3;
/** Most numbers one frame holds. */
export const kFrameMax = 16;
/** Bytes before the frames: the four Int32 slots above. */
const kHeader = 16;
/** Where each direction's frame starts, in Float64 slots. */
const kFrameAt = { toWorker: kHeader / 8, toMain: kHeader / 8 + kFrameMax };

/**
 * How long an idle worker keeps polling the doorbell before it sleeps in `Atomics.wait`, at first.
 * Waking a sleeping thread costs tens of microseconds on a busy machine (the scheduler), more than the
 * whole call; a caller awaiting one call after another submits the next within a few microseconds of
 * the last reply, so the worker is still awake to take it.
 */
export const kSpinMs = 0.05;
/**
 * The longest a worker polls. A worker that slept and was rung less than this after it gave up
 * doubles its polling time (the caller's own wake-ups are slow: a busy or virtualised machine); one
 * left asleep longer than {@link kIdleMs} goes back to {@link kSpinMs}. So an idle pool burns at most
 * this much CPU per worker after its last task, and {@link kSpinMs} once it has been idle a while.
 */
export const kMaxSpinMs = 0.4;
/** A sleep this long means the pool went idle: the worker's polling time starts again from {@link kSpinMs}. */
const kIdleMs = 20;

/**
 * How long a worker polls before its next sleep, given how long it polled before the last one and
 * how long that sleep lasted (see {@link kMaxSpinMs}).
 */
export function nextSpinMs(spinMs: number, sleptMs: number): number {
  if (sleptMs >= kIdleMs) return kSpinMs;
  if (sleptMs < kMaxSpinMs) return Math.min(kMaxSpinMs, spinMs * 2);
  return spinMs;
}

/** `Atomics.waitAsync` (Node 16+; typed in lib es2024, newer than this project's lib). */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(a: Int32Array, index: number, value: number): { async: false; value: string } | { async: true; value: Promise<string> };
  }
).waitAsync;

/**
 * One direction of the frame lane: at most one frame in flight, which holds for a pool (one task per
 * worker, its reply only after the task was taken). `Atomics.store` of the length publishes the
 * numbers written before it; `Atomics.load` of it makes them visible.
 */
function frameLane(
  counters: Int32Array,
  numbers: Float64Array,
  flag: number,
  at: number,
): { put(values: ArrayLike<number>): boolean; take(): Float64Array | undefined } {
  return {
    put(values) {
      if (values.length > kFrameMax || Atomics.load(counters, flag) !== 0) return false;
      for (let i = 0; i < values.length; i++) numbers[at + i] = values[i] as number;
      Atomics.store(counters, flag, values.length + 1);
      return true;
    },
    take() {
      const len = Atomics.load(counters, flag) - 1;
      if (len < 0) return undefined;
      const frame = numbers.slice(at, at + len);
      Atomics.store(counters, flag, 0);
      return frame;
    },
  };
}

/** What a thread worker receives as its `workerData`. */
export interface DoorbellEnd {
  readonly port: MessagePort;
  readonly bell: SharedArrayBuffer;
}

/** The main thread's end of one worker's doorbell. */
export interface MainDoorbell {
  /** Pass as `workerData`, with {@link MainDoorbell.transferList} as the Worker's transferList. */
  readonly workerEnd: DoorbellEnd;
  readonly transferList: readonly MessagePort[];
  /** Posts a message to the worker and rings (throws, ringing nothing, when a value cannot be cloned). */
  send(msg: unknown, transfer: readonly ArrayBuffer[]): void;
  /**
   * Writes up to {@link kFrameMax} numbers for the worker and rings: no cloning on either side.
   * @returns false (nothing sent) when there are too many or the worker has not taken the last frame.
   */
  sendFrame(values: ArrayLike<number>): boolean;
  /**
   * Waits on this thread, polling, up to `budgetMs` for the worker to send anything not delivered yet,
   * and delivers it at once when it does: this thread then never sleeps and needs no wake-up. It
   * blocks this thread meanwhile, so keep the budget to microseconds.
   * @returns whether something arrived (false at once after {@link MainDoorbell.close}).
   */
  poll(budgetMs: number): boolean;
  /**
   * Delivers the worker's messages, then its frame, until {@link MainDoorbell.close}. The completion
   * wait is `Atomics.waitAsync`: one platform task per wake-up, no 'message' event machinery.
   */
  listen(onMessage: (msg: unknown) => void, onFrame: (frame: Float64Array) => void): void;
  /** Delivers what the worker sent before it exited, then stops listening. */
  close(): void;
}

/** Creates the doorbell of a new thread worker. */
export function mainDoorbell(): MainDoorbell {
  const { port1, port2 } = new MessageChannel();
  // Read only with receiveMessageOnPort: without a 'message' listener the port never holds the event loop.
  port1.unref();
  const bell = new SharedArrayBuffer(kHeader + 2 * 8 * kFrameMax);
  const counters = new Int32Array(bell, 0, kHeader / 4);
  const numbers = new Float64Array(bell);
  const toWorker = frameLane(counters, numbers, kFrameToWorker, kFrameAt.toWorker);
  const toMain = frameLane(counters, numbers, kFrameToMain, kFrameAt.toMain);
  let deliver: ((msg: unknown) => void) | undefined;
  let deliverFrame: ((frame: Float64Array) => void) | undefined;
  let closed = false;
  /** The counter's value before the last drain: everything the worker sent up to it has been delivered. */
  let drainedAt = 0;
  const guarded = (fn: () => void): void => {
    try {
      fn();
    } catch (err) {
      // As a throwing 'message' listener would: an uncaught exception, and the next messages still arrive.
      queueMicrotask(() => {
        throw err;
      });
    }
  };
  const drain = (): void => {
    for (let m = receiveMessageOnPort(port1); m !== undefined; m = receiveMessageOnPort(port1)) guarded(() => deliver?.(m.message));
    const frame = toMain.take();
    if (frame !== undefined) guarded(() => deliverFrame?.(frame));
  };
  const wait = (): void => {
    while (!closed) {
      // Read the counter before draining: a message posted after the drain moves it, so the wait returns at once.
      const seen = Atomics.load(counters, kToMain);
      drainedAt = seen;
      drain();
      if (closed) return;
      const w = waitAsync(counters, kToMain, seen);
      if (w.async) {
        void w.value.then(wait);
        return;
      }
    }
  };
  return {
    workerEnd: { port: port2, bell },
    transferList: [port2],
    send(msg, transfer) {
      port1.postMessage(msg, transfer as ArrayBuffer[]);
      Atomics.add(counters, kToWorker, 1);
      Atomics.notify(counters, kToWorker, 1);
    },
    sendFrame(values) {
      if (!toWorker.put(values)) return false;
      Atomics.add(counters, kToWorker, 1);
      Atomics.notify(counters, kToWorker, 1);
      return true;
    },
    poll(budgetMs) {
      if (closed) return false;
      if (Atomics.load(counters, kToMain) === drainedAt) {
        const until = performance.now() + budgetMs;
        for (let k = 1; Atomics.load(counters, kToMain) === drainedAt; k++) if ((k & 15) === 0 && performance.now() > until) return false;
      }
      // The pending waitAsync returns too (the counter moved) and finds nothing left to deliver.
      drainedAt = Atomics.load(counters, kToMain);
      drain();
      return true;
    },
    listen(onMessage, onFrame) {
      deliver = onMessage;
      deliverFrame = onFrame;
      wait();
    },
    close() {
      if (closed) return;
      drain();
      closed = true;
      // Settles the pending waitAsync, whose continuation then sees `closed`.
      Atomics.notify(counters, kToMain);
      port1.close();
    },
  };
}

/** The worker's way back: messages, and frames of numbers (false when the frame lane cannot take them). */
export interface WorkerReplies {
  send(msg: unknown, transfer?: readonly ArrayBuffer[]): void;
  sendFrame(values: ArrayLike<number>): boolean;
}

/** The worker's end of the way back: each message or frame rings the main thread's counter. */
export function workerReplies(end: DoorbellEnd): WorkerReplies {
  const { port, bell } = end;
  const counters = new Int32Array(bell, 0, kHeader / 4);
  const toMain = frameLane(counters, new Float64Array(bell), kFrameToMain, kFrameAt.toMain);
  const ring = (): void => {
    Atomics.add(counters, kToMain, 1);
    Atomics.notify(counters, kToMain, 1);
  };
  return {
    send(msg, transfer) {
      port.postMessage(msg, (transfer ?? []) as ArrayBuffer[]);
      ring();
    },
    sendFrame(values) {
      if (!toMain.put(values)) return false;
      ring();
      return true;
    },
  };
}

/**
 * Runs a thread worker's message loop on its own thread until `stop` is called: takes each message,
 * then the frame, as the doorbell rings, polling for {@link kSpinMs} to {@link kMaxSpinMs}
 * before sleeping in `Atomics.wait`. `worker.terminate()` interrupts the wait.
 */
export function serveDoorbell(
  end: DoorbellEnd,
  onMessage: (msg: unknown, replies: WorkerReplies, stop: () => void) => void,
  onFrame: (frame: Float64Array, replies: WorkerReplies) => void,
): void {
  const { port, bell } = end;
  const counters = new Int32Array(bell, 0, kHeader / 4);
  const toWorker = frameLane(counters, new Float64Array(bell), kFrameToWorker, kFrameAt.toWorker);
  const replies = workerReplies(end);
  let running = true;
  const stop = (): void => {
    running = false;
  };
  let seen = 0;
  let spinMs = kSpinMs;
  while (running) {
    if (Atomics.load(counters, kToWorker) === seen) {
      let now = performance.now();
      const until = now + spinMs;
      for (let k = 1; Atomics.load(counters, kToWorker) === seen; k++) if ((k & 63) === 0 && (now = performance.now()) > until) break;
      if (Atomics.wait(counters, kToWorker, seen) === 'ok') spinMs = nextSpinMs(spinMs, performance.now() - now);
    }
    seen = Atomics.load(counters, kToWorker);
    for (let m = receiveMessageOnPort(port); running && m !== undefined; m = receiveMessageOnPort(port))
      onMessage(m.message, replies, stop);
    const frame = running ? toWorker.take() : undefined;
    if (frame !== undefined) onFrame(frame, replies);
  }
  port.close();
}
