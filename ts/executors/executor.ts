// The executor core shared by the thread and process pools: the public API, admission (backpressure), cancellation, shutdown.

import '../core/polyfills';

import { argumentError } from '../core/errors';
import type { BindSpec, Bound } from '../call/infer';
import { callChannel } from '../core/channels';
import { debug } from '../core/debug';
import { executorClosedError, notReadyError, queueFullError, timeoutError } from './errors';
import { runMap, streamMap, type ChunkRunner } from './map';
import { preparePayload, type Mode, type Payload } from './marshal';
import { normalizeOptions, taskOptions, type FunctionPlan, type MapOptions, type NormalizedOptions, type TaskOptions } from './options';
import { publishQueued, publishStarted, traceCall, trackPool, untrackPool, type GaugedPool } from './observe';
import { replyFinisher } from './results';
import { Task, TaskQueue, valueAt } from './task-queue';
import type { Spawner } from './worker-handle';
import { WorkerSet } from './workers';

/** The argument list of bound function `K` of spec `S`. */
export type TaskArgs<S extends BindSpec, K extends keyof S> = Bound<S>[K] extends (...args: infer P) => unknown ? P : unknown[];
/** What bound function `K` of spec `S` returns. */
export type TaskResult<S extends BindSpec, K extends keyof S> = Bound<S>[K] extends (...args: never[]) => infer R ? Awaited<R> : unknown;

/** What `submit()` resolves to once the task is queued (wrapped so awaiting submit does not await the result). */
export interface Submitted<R> {
  /** Settles with the call's result. */
  readonly result: Promise<R>;
}

/** Base class of {@link ThreadPoolExecutor} and {@link ProcessPoolExecutor}; not constructed directly. */
export abstract class Executor<S extends BindSpec = BindSpec> implements AsyncDisposable {
  readonly #label: string;
  readonly #mode: Mode;
  readonly #opts: NormalizedOptions;
  readonly #queue = new TaskQueue();
  readonly #workers: WorkerSet;
  readonly #runner: ChunkRunner;
  readonly #gauged: GaugedPool;
  readonly #queued = (): number => this.#queue.size;
  #closing = false;
  #terminated = false;
  #stopping = false;
  #stopped = false;
  #broken: unknown = undefined;
  #feeders = 0;
  #pumping = false;
  #resolveStopped!: () => void;
  readonly #whenStopped = new Promise<void>((resolve) => (this.#resolveStopped = resolve));
  #readySettled = false;
  #resolveReady!: () => void;
  #rejectReady!: (err: unknown) => void;
  readonly #ready = new Promise<void>((resolve, reject) => {
    this.#resolveReady = resolve;
    this.#rejectReady = reject;
  });

  /** @internal */
  protected constructor(label: string, mode: Mode, spawn: Spawner, options: unknown) {
    this.#label = label;
    this.#mode = mode;
    this.#opts = normalizeOptions(`new ${label}`, options);
    this.#runner = {
      mode,
      workers: this.#opts.workers,
      plan: (where, name) => this.#plan(where, name),
      check: (where) => this.#refusal(where, false),
      schedule: (where, fn, payload, internal) => this.#schedule(where, fn, payload, internal),
      cancel: (task, reason, running) => this.#cancel(task, reason, running),
      feeder: (delta) => {
        this.#feeders += delta;
        this.#pump();
      },
    };
    // Nobody has to look at `ready`: a startup failure also rejects every call, so it must not be an unhandled rejection.
    this.#ready.catch(() => undefined);
    const { workers, serial, worker } = this.#opts;
    this.#workers = new WorkerSet(label, mode, spawn, worker, workers, serial, {
      pump: () => this.#pump(),
      ready: () => this.#settleReady(),
      broken: (err) => this.#break(err),
    });
    this.#workers.startAll();
    this.#updateRef();
    const kind = mode;
    const library = this.#opts.worker.library.path;
    this.#gauged = {
      gauge: () => ({ kind, library, workers: this.#opts.workers, queued: this.queueSize, running: this.running }),
    };
    trackPool(this.#gauged);
  }

  /**
   * Settles once the workers have started: resolves when every initial worker has loaded the library
   * and bound every function of `bind` (calls may be submitted before; they queue meanwhile).
   *
   * Rejects when a worker cannot: with the {@link LibraryLoadError} (`.reason`, `.path`) or
   * {@link DeclarationError} (a symbol the library does not export) the worker hit, rebuilt on this
   * thread as the same class with the same `.code` and message (the worker's own cause, when it had
   * one, as `.cause`), or with NativeCrashError when loading the library killed a worker. The pool is
   * then unusable: every call, queued or made later, rejects with this very error object, and its
   * workers are stopped (`close()` and `terminate()` still resolve once they have exited).
   * `terminate()` before every worker answered rejects it with ClosedError.
   *
   * The same promise every time; never an unhandled rejection when left unobserved. While it is
   * pending it keeps the event loop alive, so `await pool.ready` works on its own.
   * @example
   * const pool = new ffikit.ThreadPoolExecutor({ library: './libfoo.so', bind: { add: 'int add(int a, int b)' } });
   * await pool.ready; // DeclarationError here if libfoo.so does not export add
   */
  get ready(): Promise<void> {
    return this.#ready;
  }

  /** Number of workers. */
  get workers(): number {
    return this.#opts.workers;
  }

  /** Tasks not started yet: queued, plus those waiting for room in the queue. */
  get queueSize(): number {
    return this.#queue.size + this.#queue.waitingCount;
  }

  /** Workers running a task right now. */
  get running(): number {
    return this.#workers.balancer.busy;
  }

  /** True after `close()` or `terminate()` was called. */
  get closed(): boolean {
    return this.#closing;
  }

  /** @internal the process ids of the live workers */
  protected get workerPids(): number[] {
    return this.#workers.pids;
  }

  /**
   * Runs one call on a worker.
   * @param name A function declared in `bind`.
   * @param args Its arguments, as for the bound function (typed arrays are copied in and back,
   * SharedArrayBuffer-backed ones and ManagedArrays are shared with thread workers).
   * @param options `signal` and `timeoutMs` cancel it (see {@link TaskOptions}).
   * @returns The function's result; rejects with its NativeError or ArgumentError, TimeoutError,
   * `signal.reason`, QueueFullError, ClosedError, NativeCrashError (process pools), or the error
   * {@link Executor.ready} rejected with when the workers could not load the library or bind.
   * @example
   * await using pool = new ffikit.ThreadPoolExecutor({ library: './libfoo.so', bind: { add: 'int add(int a, int b)' } });
   * await pool.call('add', [2, 3]); // 5
   */
  call<K extends keyof S & string>(name: K, args: TaskArgs<S, K>, options?: TaskOptions): Promise<TaskResult<S, K>> {
    const where = `${this.#label}.call`;
    const run = (): Promise<TaskResult<S, K>> =>
      this.#submitOne(where, name, args, options).then((task) => single(task) as Promise<TaskResult<S, K>>);
    const traced = this.#traced(name, args);
    return traced === undefined ? run() : traceCall(traced, run);
  }

  /**
   * Queues one call and resolves as soon as it is queued, applying backpressure: while the queue
   * holds `maxQueue` tasks this waits for room (or rejects with QueueFullError under `onFull: 'reject'`).
   * @returns `{ result }`, the promise of the call's result.
   */
  submit<K extends keyof S & string>(name: K, args: TaskArgs<S, K>, options?: TaskOptions): Promise<Submitted<TaskResult<S, K>>> {
    const queued = this.#submitOne(`${this.#label}.submit`, name, args, options);
    const traced = this.#traced(name, args);
    if (traced === undefined) return queued.then((task) => ({ result: single(task) as Promise<TaskResult<S, K>> }));
    // Traced from submission to the result: one ffikit:call, as for call().
    const result = traceCall(traced, () => queued.then((task) => single(task) as Promise<TaskResult<S, K>>));
    return queued.then(
      () => ({ result }),
      (err: unknown) => {
        // The same error rejects submit() itself; the traced result promise must not be unhandled.
        result.catch(() => undefined);
        throw err;
      },
    );
  }

  /**
   * Runs `name` once per argument list, spread over the workers in chunks, and returns the results in
   * input order. Rejects with the first error; chunks not started yet are then cancelled.
   */
  map<K extends keyof S & string>(name: K, listOfArgs: Iterable<TaskArgs<S, K>>, options?: MapOptions): Promise<Array<TaskResult<S, K>>> {
    return runMap(this.#runner, `${this.#label}.map`, name, listOfArgs as Iterable<unknown>, options) as Promise<Array<TaskResult<S, K>>>;
  }

  /** Like {@link Executor.map}, as an async iterator yielding results in input order as they become available. */
  imap<K extends keyof S & string>(
    name: K,
    listOfArgs: Iterable<TaskArgs<S, K>>,
    options?: MapOptions,
  ): AsyncIterableIterator<TaskResult<S, K>> {
    return streamMap(this.#runner, `${this.#label}.imap`, name, listOfArgs as Iterable<unknown>, options, true) as AsyncIterableIterator<
      TaskResult<S, K>
    >;
  }

  /** Like {@link Executor.imap}, yielding results in completion order. */
  imapUnordered<K extends keyof S & string>(
    name: K,
    listOfArgs: Iterable<TaskArgs<S, K>>,
    options?: MapOptions,
  ): AsyncIterableIterator<TaskResult<S, K>> {
    return streamMap(
      this.#runner,
      `${this.#label}.imapUnordered`,
      name,
      listOfArgs as Iterable<unknown>,
      options,
      false,
    ) as AsyncIterableIterator<TaskResult<S, K>>;
  }

  /**
   * Stops accepting tasks, lets every queued and running task finish, then stops the workers.
   * Resolves once every worker has exited. Idempotent.
   */
  close(): Promise<void> {
    this.#closing = true;
    this.#pump();
    return this.#whenStopped;
  }

  /**
   * Rejects every pending task with ClosedError and stops the workers now: threads are terminated
   * (a thread inside a native call only stops when the call returns), processes are SIGKILLed.
   * Resolves once every worker has exited.
   */
  terminate(): Promise<void> {
    if (!this.#terminated) {
      this.#terminated = this.#closing = true;
      const err = (): Error => executorClosedError(`${this.#label}.terminate()`, this.#label, true);
      for (const task of this.#queue.drain()) this.#drop(task, err());
      this.#workers.failRunning(err);
      this.#stop(true);
    }
    return this.#whenStopped;
  }

  /** Same as {@link Executor.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** What a traced call of `name` reports, or undefined when nobody subscribes to ffikit:call or `name` is unknown (the call then rejects). */
  #traced(name: unknown, args: unknown): { fn: string; symbol: string; library: string; mode: Mode; args: readonly unknown[] } | undefined {
    if (!callChannel.hasSubscribers) return undefined;
    const plan = typeof name === 'string' ? this.#opts.plans.get(name) : undefined;
    if (plan === undefined) return undefined;
    return {
      fn: plan.name,
      symbol: plan.symbol,
      library: this.#opts.worker.library.path,
      mode: this.#mode,
      args: Array.isArray(args) ? args : [],
    };
  }

  #submitOne(where: string, name: unknown, args: unknown, options: unknown): Promise<Task> {
    let task: Task;
    try {
      const { signal, timeoutMs } = taskOptions(where, options);
      const plan = this.#plan(where, name);
      if (!Array.isArray(args)) throw argumentError(where, 'args', `an array of arguments for ${plan.name}()`, args);
      const refusal = this.#refusal(where, false);
      if (refusal !== undefined) throw refusal;
      if (signal?.aborted) throw signal.reason;
      // A copy: the caller may reuse its array before the task is dispatched.
      task = this.#schedule(where, plan.name, preparePayload(plan, [args.slice()], this.#mode), false);
      if (signal) {
        const onAbort = (): void => this.#cancel(task, () => signal.reason, true);
        signal.addEventListener('abort', onAbort, { once: true });
        task.onSettle(() => signal.removeEventListener('abort', onAbort));
      }
      if (timeoutMs !== undefined) {
        const fn = plan.name;
        const timer = setTimeout(
          () => this.#cancel(task, (started) => timeoutError(fn, timeoutMs, started ? this.#mode : 'queued'), true),
          timeoutMs,
        );
        task.onSettle(() => clearTimeout(timer));
      }
    } catch (err) {
      return Promise.reject(err);
    }
    return task.admitted.then(() => task);
  }

  #plan(where: string, name: unknown): FunctionPlan {
    const plan = typeof name === 'string' ? this.#opts.plans.get(name) : undefined;
    if (plan === undefined) {
      throw argumentError(where, 'name', `the name of a function declared in bind (${[...this.#opts.plans.keys()].join(', ')})`, name);
    }
    return plan;
  }

  /** Why a new task cannot be accepted now, or undefined. Internal tasks (a running map) pass while closing. */
  #refusal(where: string, internal: boolean): unknown {
    if (this.#broken !== undefined) return this.#broken;
    if (this.#terminated || (this.#closing && !internal)) return executorClosedError(`${where}()`, this.#label, false);
    return undefined;
  }

  #hasRoom(): boolean {
    return this.#queue.size < this.#opts.maxQueue || (this.#queue.size === 0 && this.#workers.balancer.pick() !== undefined);
  }

  #schedule(where: string, fn: string, payload: Payload, internal: boolean): Task {
    const plan = this.#opts.plans.get(fn);
    const task = new Task(fn, payload, plan && replyFinisher(plan, payload));
    const refusal = this.#refusal(where, internal);
    if (refusal !== undefined) {
      this.#drop(task, refusal);
    } else if (this.#queue.waitingCount === 0 && this.#hasRoom()) {
      this.#queue.push(task);
      publishQueued(this.#mode, task, this.#queue.size, this.#queued);
      this.#pump();
    } else if (this.#opts.rejectWhenFull && !internal) {
      this.#drop(task, queueFullError(`${where}()`, this.#opts.maxQueue));
    } else {
      this.#queue.wait(task);
      this.#updateRef();
    }
    return task;
  }

  /** Fails a task that no worker holds, and releases its pins. */
  #drop(task: Task, err: unknown): void {
    task.fail(err);
    task.release();
  }

  /**
   * Cancels a task. Waiting or queued: it never runs. Running (only when `running`): the promise
   * rejects; a process worker is killed (and replaced), a thread finishes the call and is ignored.
   */
  #cancel(task: Task, reason: (started: boolean) => unknown, running: boolean): void {
    if (task.state === 'waiting' || task.state === 'queued') {
      this.#queue.remove(task);
      this.#drop(task, reason(false));
      this.#pump();
    } else if (task.state === 'running' && running) {
      task.fail(reason(true));
      if (this.#mode === 'process') this.#workers.kill(task);
    }
  }

  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      for (let progressed = true; progressed;) {
        progressed = false;
        while (this.#queue.size > 0) {
          const slot = this.#workers.balancer.pick();
          if (slot === undefined) break;
          const task = this.#queue.shift();
          if (task === undefined) break;
          publishStarted(this.#mode, task, this.#queue.size);
          this.#workers.dispatch(slot, task);
          progressed = true;
        }
        while (this.#queue.waitingCount > 0 && this.#hasRoom()) {
          const task = this.#queue.nextWaiting() as Task;
          this.#queue.push(task);
          publishQueued(this.#mode, task, this.#queue.size, this.#queued);
          progressed = true;
        }
      }
    } finally {
      this.#pumping = false;
    }
    this.#updateRef();
    if (this.#closing && !this.#stopping && this.#idle()) this.#stop(false);
  }

  #idle(): boolean {
    return this.#queue.size === 0 && this.#queue.waitingCount === 0 && this.#feeders === 0 && this.#workers.balancer.busy === 0;
  }

  /** Resolves `ready`, or rejects it with `failure.err`; only the first outcome counts. */
  #settleReady(failure?: { readonly err: unknown }): void {
    if (this.#readySettled) return;
    this.#readySettled = true;
    if (failure === undefined) this.#resolveReady();
    else this.#rejectReady(failure.err);
    this.#updateRef();
  }

  /** A worker could not start (bad library, missing symbol): fail everything now and from now on. */
  #break(err: unknown): void {
    if (this.#broken !== undefined) return;
    this.#broken = err;
    debug('%s: unusable: %s', this.#label, (err as Error)?.message);
    this.#settleReady({ err });
    for (const task of this.#queue.drain()) this.#drop(task, err);
    this.#workers.failRunning(() => err);
    // Worker threads are told to exit after their current message rather than terminated: one still
    // binding its functions may be inside the FFI layer throwing an error, and terminating a thread
    // then is a fatal N-API error for the whole process. Processes can be killed at any point.
    this.#stop(this.#mode === 'process');
  }

  /** Tells every worker to exit (or kills them); the close/terminate promise resolves once all exited. */
  #stop(kill: boolean): void {
    if (this.#stopping && !kill) return;
    const first = !this.#stopping;
    this.#stopping = true;
    const exited = this.#workers.stop(kill);
    this.#updateRef();
    if (!first) return;
    void exited.then(() => {
      // Only terminate() stops workers that never answered `init` (close() lets them answer first).
      if (!this.#readySettled) this.#settleReady({ err: notReadyError(this.#label, this.#opts.worker.library.path) });
      this.#stopped = true;
      untrackPool(this.#gauged);
      this.#updateRef();
      this.#resolveStopped();
    });
  }

  /** Keeps the event loop alive only while there is work, a close in progress, or `ready` pending. */
  #updateRef(): void {
    this.#workers.setRef(!this.#stopped && (!this.#idle() || this.#stopping || !this.#readySettled));
  }
}

/** The single call of a `call`/`submit` task: its value, or its error. */
function single(task: Task): Promise<unknown> {
  return task.done.then((reply) => {
    const err = reply.errors?.get(0);
    if (err !== undefined) throw err;
    return valueAt(reply, 0);
  });
}
