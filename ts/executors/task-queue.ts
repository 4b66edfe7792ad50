// Tasks (a chunk of calls to one function) and the bounded FIFO queue where they wait for a worker.

import type { Payload } from './marshal';

/**
 * `waiting`: not admitted yet (the queue was full); `queued`: admitted, waiting for a worker;
 * `running`: sent to a worker; `done`: its promise settled (a cancelled running task may still
 * occupy its worker until the native call returns).
 */
export type TaskState = 'waiting' | 'queued' | 'running' | 'done';

/**
 * What a finished task delivers: a value per call (null when every call returned undefined), and the
 * error of each call that threw.
 */
export interface ChunkReply {
  readonly values: ArrayLike<unknown> | null;
  readonly errors: ReadonlyMap<number, Error> | undefined;
}

const noop = (): void => undefined;
let nextId = 1;

/** One unit of work for one worker: one call (`call`, `submit`) or a chunk of calls (`map`). */
export class Task {
  readonly id = nextId++;
  readonly fn: string;
  /** The calls, as they will be sent. */
  readonly payload: Payload;
  state: TaskState = 'waiting';
  /** Once settled: true when every call returned, false when the task failed or any call threw. */
  ok = false;
  /** Resolves once the task is in the queue (backpressure: `submit` waits for it). */
  readonly admitted: Promise<void>;
  /** Settles with the worker's reply, or rejects (cancelled, timed out, crashed, terminated). */
  readonly done: Promise<ChunkReply>;
  #admit!: () => void;
  #refuse!: (err: unknown) => void;
  #resolve!: (reply: ChunkReply) => void;
  #reject!: (err: unknown) => void;
  #cleanups: Array<() => void> = [];
  #released = false;
  readonly #finishReply: ((reply: ChunkReply) => ChunkReply) | undefined;

  /** `finishReply` turns the worker's reply into the calls' outcomes (handles, errcheck functions) before `done` resolves. */
  constructor(fn: string, payload: Payload, finishReply?: (reply: ChunkReply) => ChunkReply) {
    this.fn = fn;
    this.payload = payload;
    this.#finishReply = finishReply;
    this.admitted = new Promise((resolve, reject) => {
      this.#admit = resolve;
      this.#refuse = reject;
    });
    this.done = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  /** True once `done` settled. */
  get settled(): boolean {
    return this.state === 'done';
  }

  /** Registers something to undo when the task settles (abort listener, timer). */
  onSettle(cleanup: () => void): void {
    if (this.settled) cleanup();
    else this.#cleanups.push(cleanup);
  }

  markAdmitted(): void {
    this.state = 'queued';
    this.#admit();
  }

  succeed(reply: ChunkReply): void {
    if (this.settled) return;
    let outcome = reply;
    if (this.#finishReply !== undefined) {
      try {
        outcome = this.#finishReply(reply);
      } catch (err) {
        this.fail(err);
        return;
      }
    }
    if (this.state === 'done') return;
    this.ok = outcome.errors === undefined || outcome.errors.size === 0;
    if (this.#finish()) this.#resolve(outcome);
  }

  /** Rejects the task; before admission this rejects `admitted` too (nobody holds `done` yet). */
  fail(err: unknown): void {
    const wasWaiting = this.state === 'waiting';
    if (!this.#finish()) return;
    if (wasWaiting) {
      this.#refuse(err);
      this.done.catch(noop);
    }
    this.#reject(err);
  }

  /** Releases what the calls hold (ManagedArray pins): only once no worker can touch their memory. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    if (this.payload.extras) for (const c of this.payload.extras.values()) c.release();
  }

  #finish(): boolean {
    if (this.state === 'done') return false;
    this.state = 'done';
    for (const c of this.#cleanups.splice(0)) c();
    return true;
  }
}

/** FIFO of admitted tasks (with O(1) amortized removal of cancelled ones) plus the tasks waiting for room. */
/** The value of call `k` of a reply. */
export function valueAt(reply: ChunkReply, k: number): unknown {
  return reply.values === null ? undefined : reply.values[k];
}

export class TaskQueue {
  #items: Array<Task | undefined> = [];
  #head = 0;
  #size = 0;
  #waiting: Task[] = [];

  /** Admitted tasks waiting for a worker. */
  get size(): number {
    return this.#size;
  }

  /** Tasks waiting for room in the queue. */
  get waitingCount(): number {
    return this.#waiting.length;
  }

  push(task: Task): void {
    task.markAdmitted();
    this.#items.push(task);
    this.#size++;
  }

  /** The oldest queued task, or undefined. */
  shift(): Task | undefined {
    while (this.#head < this.#items.length) {
      const task = this.#items[this.#head];
      this.#items[this.#head++] = undefined;
      if (task !== undefined && task.state === 'queued') {
        this.#size--;
        this.#compact();
        return task;
      }
    }
    return undefined;
  }

  /** Forgets a queued task that is being cancelled (call before its state changes). */
  remove(task: Task): void {
    if (task.state === 'queued') this.#size--;
    else if (task.state === 'waiting') {
      const i = this.#waiting.indexOf(task);
      if (i >= 0) this.#waiting.splice(i, 1);
    }
  }

  /** Parks a task until there is room. */
  wait(task: Task): void {
    this.#waiting.push(task);
  }

  /** The oldest task waiting for room. */
  nextWaiting(): Task | undefined {
    return this.#waiting.shift();
  }

  /** Empties both lists and returns every task still in them. */
  drain(): Task[] {
    const tasks = [...this.#waiting, ...this.#items.filter((t): t is Task => t !== undefined && t.state === 'queued')];
    this.#items = [];
    this.#head = 0;
    this.#size = 0;
    this.#waiting = [];
    return tasks;
  }

  #compact(): void {
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }
}
