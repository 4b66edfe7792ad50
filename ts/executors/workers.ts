// The workers of a pool: start them, send them tasks, take their replies, replace the ones that die, stop them.

import { unsendableArgumentError } from '../core/errors';
import { debug } from '../core/debug';
import { Balancer, type Slot } from './balancer';
import { fromWireError, nativeCrashError, startupCrashError } from './errors';
import type { Mode } from './marshal';
import type { WorkerConfig } from './options';
import type { DoneMessage, FromWorker, WireMeta } from './protocol';
import { kReplyPollMs, ReplyPolls } from './reply-poll';
import type { Task } from './task-queue';
import type { Spawner, WorkerHandle } from './worker-handle';

/** What the worker set tells its executor. */
export interface WorkerHost {
  /** A worker became ready or free: dispatch what is queued. */
  pump(): void;
  /** Every initial worker has loaded the library and bound the functions. */
  ready(): void;
  /** A worker could not start (bad library, missing symbol): nothing will ever run. */
  broken(err: unknown): void;
}

/** The pool's workers and their slots; the balancer decides which idle one gets the next task. */
export class WorkerSet {
  readonly balancer: Balancer;
  readonly #label: string;
  readonly #mode: Mode;
  readonly #spawn: Spawner;
  readonly #config: WorkerConfig;
  readonly #host: WorkerHost;
  readonly #where: string;
  /** Slots whose first worker reported ready (respawned workers do not count again). */
  readonly #readied = new Set<number>();
  #stopping = false;
  #refed = true;
  readonly #polls = new ReplyPolls();

  constructor(label: string, mode: Mode, spawn: Spawner, config: WorkerConfig, count: number, serial: boolean, host: WorkerHost) {
    this.#label = label;
    this.#mode = mode;
    this.#spawn = spawn;
    this.#config = config;
    this.#host = host;
    this.#where = mode === 'thread' ? 'worker thread' : 'worker process';
    this.balancer = new Balancer(count, serial);
  }

  /** Starts every worker (they load the library in the background; tasks queue meanwhile). */
  startAll(): void {
    for (const slot of this.balancer.slots) this.#start(slot);
  }

  /** Process ids of the live workers. */
  get pids(): number[] {
    return this.balancer.slots.flatMap((s) => (s.handle ? [s.handle.pid] : []));
  }

  /** Sends `task` to the worker of `slot`; a value that cannot be cloned fails the task instead. */
  dispatch(slot: Slot, task: Task): void {
    slot.state = 'busy';
    slot.task = task;
    task.state = 'running';
    const { n, cols, args, extras } = task.payload;
    let meta: WireMeta[] | undefined;
    const transfer: ArrayBuffer[] = [];
    // Thread workers get the staged copies and columns by transfer (no second copy); never caller memory.
    if (cols !== undefined && this.#mode === 'thread') for (const c of cols) transfer.push(c.buffer as ArrayBuffer);
    if (extras !== undefined) {
      for (const [k, c] of extras) {
        if (c.wire.b !== undefined || c.wire.r !== undefined) {
          (meta ??= []).push({ k, ...(c.wire.b ? { b: c.wire.b } : {}), ...(c.wire.r ? { r: c.wire.r } : {}) });
        }
        if (c.transfer.length > 0) transfer.push(...c.transfer);
      }
    }
    const handle = slot.handle as WorkerHandle;
    try {
      const run = cols ? { cols } : { args, ...(meta ? { meta } : {}) };
      handle.send({ t: 'run', id: task.id, fn: task.fn, n, ...run }, transfer);
    } catch (err) {
      slot.state = 'idle';
      slot.task = undefined;
      task.fail(unsendableArgumentError(task.fn, (err as Error).message));
      task.release();
      return;
    }
    // The pool's only running task (someone awaiting one call after another): take its reply without
    // waiting for the event loop to be woken. With more tasks running, polling would only take a core
    // from the workers.
    if (handle.poll !== undefined && this.balancer.busy === 1 && this.#polls.shouldPoll()) {
      setImmediate(() => {
        if (slot.task === task && slot.handle === handle) this.#polls.record((handle.poll as (budgetMs: number) => boolean)(kReplyPollMs));
      });
    }
  }

  /** Kills the worker running `task` (process pools: the only way to stop a running native call). */
  kill(task: Task): void {
    const slot = this.balancer.slotOf(task);
    if (slot !== undefined) this.#kill(slot);
  }

  /** Rejects every running task (their workers are about to be stopped). */
  failRunning(err: () => unknown): void {
    for (const slot of this.balancer.slots) slot.task?.fail(err());
  }

  /** Tells every worker to exit after its current message (or kills them); resolves when all have exited. */
  stop(kill: boolean): Promise<void> {
    this.#stopping = true;
    for (const slot of this.balancer.slots) {
      const h = slot.handle;
      if (h === undefined || (slot.state === 'stopping' && !kill)) continue;
      slot.state = 'stopping';
      if (kill) this.#kill(slot);
      else {
        // A worker still loading answers `init` first: a close() right after construction still learns whether it could.
        try {
          h.send({ t: 'exit' }, []);
        } catch {
          this.#kill(slot);
        }
      }
    }
    return Promise.all(this.balancer.slots.map((s) => s.exited)).then(() => undefined);
  }

  /** Keeps the event loop alive only while the pool has work. */
  setRef(active: boolean): void {
    if (active === this.#refed) return;
    this.#refed = active;
    for (const slot of this.balancer.slots) {
      if (active) slot.handle?.ref();
      else slot.handle?.unref();
    }
  }

  #kill(slot: Slot): void {
    if (slot.handle === undefined) return;
    slot.killed = true;
    slot.handle.kill();
  }

  #start(slot: Slot): void {
    let handle: WorkerHandle;
    try {
      handle = this.#spawn({
        message: (msg) => this.#onMessage(slot, handle, msg),
        error: (err) => this.#onError(slot, handle, err),
        exit: (code, signal) => this.#onExit(slot, handle, code, signal),
      });
    } catch (err) {
      this.#host.broken(err);
      return;
    }
    slot.handle = handle;
    slot.state = 'starting';
    slot.reported = false;
    slot.killed = false;
    slot.exited = new Promise<void>((resolve) => (slot.markExited = resolve));
    if (!this.#refed) handle.unref();
    handle.send({ t: 'init', config: this.#config }, []);
  }

  #onMessage(slot: Slot, handle: WorkerHandle, msg: FromWorker): void {
    if (slot.handle !== handle) return;
    if (msg.t === 'ready') {
      slot.reported = true;
      if (slot.state === 'starting') slot.state = 'idle';
      debug('%s: worker %d ready (pid %d)', this.#label, slot.index, msg.pid);
      this.#readied.add(slot.index);
      if (this.#readied.size === this.balancer.slots.length) this.#host.ready();
    } else if (msg.t === 'init-error') {
      slot.reported = true;
      this.#host.broken(fromWireError(msg.error, this.#where));
    } else {
      this.#complete(slot, msg);
    }
    this.#host.pump();
  }

  #complete(slot: Slot, msg: DoneMessage): void {
    const task = slot.task;
    if (task === undefined || task.id !== msg.id) return;
    slot.task = undefined;
    if (slot.state === 'busy') slot.state = 'idle';
    this.balancer.freed(slot);
    if (!task.settled) {
      try {
        // A task whose promise already settled (timed out, aborted) never writes into the caller's arrays.
        if (msg.backs) for (const [k, values] of msg.backs) task.payload.extras?.get(k)?.copyBack(values);
        const errors = msg.errors ? new Map(msg.errors.map(([k, e]) => [k, fromWireError(e, this.#where)])) : undefined;
        task.succeed({ values: msg.values, errors });
      } catch (err) {
        task.fail(err);
      }
    }
    task.release();
  }

  #onError(slot: Slot, handle: WorkerHandle, err: Error): void {
    if (slot.handle !== handle) return;
    debug('%s: worker %d failed: %s', this.#label, slot.index, err.message);
    if (!slot.reported && !slot.killed) this.#host.broken(err);
    else slot.task?.fail(err);
  }

  #onExit(slot: Slot, handle: WorkerHandle, code: number | null, signal: NodeJS.Signals | null): void {
    if (slot.handle !== handle) return;
    const task = slot.task;
    // Gone before answering `init`, and not by our hand: loading or binding the library killed it
    // (even during a close(), which lets every worker answer `init` first).
    const diedStarting = !slot.reported && !slot.killed;
    const expected = slot.state === 'stopping' || this.#stopping;
    slot.handle = undefined;
    slot.task = undefined;
    slot.state = 'dead';
    slot.markExited();
    if (task !== undefined) {
      task.fail(nativeCrashError(task.fn, signal, code, handle.pid, this.#mode));
      // Only now can nothing touch the task's memory any more (a thread may outlive its timeout).
      task.release();
    }
    if (diedStarting) {
      debug('%s: worker %d (pid %d) died while starting (code %s, signal %s)', this.#label, slot.index, handle.pid, code, signal);
      this.#host.broken(startupCrashError(this.#config.library.path, signal, code, handle.pid));
      return;
    }
    if (expected) return;
    debug('%s: worker %d (pid %d) exited (code %s, signal %s)', this.#label, slot.index, handle.pid, code, signal);
    this.#start(slot);
    this.#host.pump();
  }
}
