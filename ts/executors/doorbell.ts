// The thread pools' transport: messages on a MessagePort that nobody listens to, read when a shared counter (the doorbell) moves.

import { MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';

/** Index of the counter the main thread bumps after each message to the worker. */
const kToWorker = 0;
/** Index of the counter the worker bumps after each message to the main thread. */
const kToMain = 1;

/**
 * How long an idle worker keeps polling the doorbell before it sleeps in `Atomics.wait`. Waking a
 * sleeping thread costs tens of microseconds on a busy machine (the scheduler), more than the whole
 * call; a caller awaiting one call after another submits the next within a few microseconds of the
 * last reply, so the worker is still awake to take it. An idle pool burns at most this much CPU per
 * worker after each task.
 */
const kSpinMs = 0.05;

/** `Atomics.waitAsync` (Node 16+; typed in lib es2024, newer than this project's lib). */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(a: Int32Array, index: number, value: number): { async: false; value: string } | { async: true; value: Promise<string> };
  }
).waitAsync;

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
   * Delivers the worker's messages, in order, until {@link MainDoorbell.close}. The completion wait is
   * `Atomics.waitAsync`: one platform task per wake-up, no 'message' event machinery.
   */
  listen(onMessage: (msg: unknown) => void): void;
  /** Delivers what the worker sent before it exited, then stops listening. */
  close(): void;
}

/** Creates the doorbell of a new thread worker. */
export function mainDoorbell(): MainDoorbell {
  const { port1, port2 } = new MessageChannel();
  // Read only with receiveMessageOnPort: without a 'message' listener the port never holds the event loop.
  port1.unref();
  const bell = new SharedArrayBuffer(8);
  const counters = new Int32Array(bell);
  let deliver: ((msg: unknown) => void) | undefined;
  let closed = false;
  const drain = (): void => {
    for (let m = receiveMessageOnPort(port1); m !== undefined; m = receiveMessageOnPort(port1)) {
      try {
        deliver?.(m.message);
      } catch (err) {
        // As a throwing 'message' listener would: an uncaught exception, and the next messages still arrive.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  };
  const wait = (): void => {
    while (!closed) {
      // Read the counter before draining: a message posted after the drain moves it, so the wait returns at once.
      const seen = Atomics.load(counters, kToMain);
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
    listen(onMessage) {
      deliver = onMessage;
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

/**
 * Runs a thread worker's message loop on its own thread until `handle` calls `stop`: takes each
 * message as the doorbell rings, polling for {@link kSpinMs} before sleeping in `Atomics.wait`.
 * `worker.terminate()` interrupts the wait.
 * @returns a `send` for the worker's replies (post, then ring).
 */
export function serveDoorbell(
  end: DoorbellEnd,
  handle: (msg: unknown, send: (msg: unknown, transfer?: readonly ArrayBuffer[]) => void, stop: () => void) => void,
): void {
  const { port, bell } = end;
  const counters = new Int32Array(bell);
  const send = (msg: unknown, transfer?: readonly ArrayBuffer[]): void => {
    port.postMessage(msg, (transfer ?? []) as ArrayBuffer[]);
    Atomics.add(counters, kToMain, 1);
    Atomics.notify(counters, kToMain, 1);
  };
  let running = true;
  const stop = (): void => {
    running = false;
  };
  let seen = 0;
  while (running) {
    if (Atomics.load(counters, kToWorker) === seen) {
      const until = performance.now() + kSpinMs;
      for (let k = 1; Atomics.load(counters, kToWorker) === seen; k++) if ((k & 63) === 0 && performance.now() > until) break;
    }
    Atomics.wait(counters, kToWorker, seen);
    seen = Atomics.load(counters, kToWorker);
    for (let m = receiveMessageOnPort(port); running && m !== undefined; m = receiveMessageOnPort(port)) handle(m.message, send, stop);
  }
  port.close();
}
