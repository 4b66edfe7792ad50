// map / imap / imapUnordered: feed argument lists to the pool in chunks (with backpressure) and collect the results.

import { argumentError, closedStateError } from '../core/errors';
import { timeoutError } from './errors';
import { preparePayload, type Mode, type Payload } from './marshal';
import { taskOptions, type FunctionPlan, type MapOptions } from './options';
import { valueAt, type ChunkReply, type Task } from './task-queue';

/** What the feeding code needs from an executor (its private machinery, passed in by closures). */
export interface ChunkRunner {
  readonly mode: Mode;
  readonly workers: number;
  plan(where: string, name: unknown): FunctionPlan;
  /** Why the executor refuses new operations now (closed, broken), or undefined. */
  check(where: string): unknown;
  /** Queues a chunk; `internal` chunks wait for room (never QueueFullError) and pass while closing. */
  schedule(where: string, fn: string, payload: Payload, internal: boolean): Task;
  cancel(task: Task, reason: (started: boolean) => unknown, running: boolean): void;
  /** Counts running feeds: close() waits for them to hand over their last chunk. */
  feeder(delta: 1 | -1): void;
}

/** Where a feed reports results: per chunk of items (by input index), or for the whole operation. */
interface Sink {
  /** Items `start .. start + count - 1` finished (each with its value or its error). */
  chunk(start: number, count: number, reply: ChunkReply): void;
  /** Items `start .. start + count - 1` failed together (crash, timeout, cancellation). */
  chunkError(start: number, count: number, err: unknown): void;
  fatal(err: unknown): void;
  /** Every input was queued; `total` items will be reported. */
  end(total: number): void;
}

/** Takes up to `size` inputs at a time: slices for arrays, the iterator protocol for other iterables. */
function chunker(list: Iterable<unknown>): (size: number) => unknown[] {
  if (Array.isArray(list)) {
    let pos = 0;
    return (size) => {
      const chunk = list.slice(pos, pos + size);
      pos += chunk.length;
      return chunk;
    };
  }
  const it = list[Symbol.iterator]();
  return (size) => {
    const chunk: unknown[] = [];
    while (chunk.length < size) {
      const next = it.next();
      if (next.done === true) break;
      chunk.push(next.value);
    }
    return chunk;
  };
}

type Outcome = { readonly ok: true; readonly v: unknown } | { readonly ok: false; readonly e: unknown };

/** Pulls argument lists, prepares and queues them chunk by chunk; waits for room before preparing more. */
class Feed {
  readonly #live = new Set<Task>();
  readonly #cleanups: Array<() => void> = [];
  #stopped = false;

  constructor(
    private readonly runner: ChunkRunner,
    private readonly where: string,
    private readonly plan: FunctionPlan,
    private readonly take: (size: number) => unknown[],
    private readonly chunkSize: number,
    private readonly sink: Sink,
  ) {}

  start(signal: AbortSignal | undefined, timeoutMs: number | undefined): void {
    this.runner.feeder(1);
    if (signal?.aborted) {
      this.#abort(() => signal.reason);
    } else if (signal) {
      const onAbort = (): void => this.#abort(() => signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      this.#cleanups.push(() => signal.removeEventListener('abort', onAbort));
    }
    if (timeoutMs !== undefined) {
      const timer = setTimeout(
        () => this.#abort((started) => timeoutError(this.plan.name, timeoutMs, started ? this.runner.mode : 'queued')),
        timeoutMs,
      );
      this.#cleanups.push(() => clearTimeout(timer));
    }
    void this.#run();
  }

  /** Stops feeding and cancels chunks not started yet (running ones too when `running`). */
  stop(reason: (started: boolean) => unknown, running: boolean): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.settle();
    for (const task of [...this.#live]) this.runner.cancel(task, reason, running);
  }

  /** Drops the abort listener and the timer (the operation is over). */
  settle(): void {
    for (const c of this.#cleanups.splice(0)) c();
  }

  #abort(reason: (started: boolean) => unknown): void {
    if (this.#stopped) return;
    const started = [...this.#live].some((t) => t.state === 'running');
    this.stop(reason, true);
    this.sink.fatal(reason(started));
  }

  async #run(): Promise<void> {
    let index = 0;
    try {
      for (;;) {
        if (this.#stopped) return;
        const chunk = this.take(this.chunkSize);
        if (chunk.length === 0) break;
        for (let k = 0; k < chunk.length; k++) {
          if (!Array.isArray(chunk[k])) {
            throw argumentError(this.where, `listOfArgs[${index + k}]`, `an array of arguments for ${this.plan.name}()`, chunk[k]);
          }
        }
        await this.#send(index, chunk as unknown[][]);
        index += chunk.length;
      }
      if (!this.#stopped) this.sink.end(index);
    } catch (err) {
      if (!this.#stopped) {
        this.stop(() => err, false);
        this.sink.fatal(err);
      }
    } finally {
      this.runner.feeder(-1);
    }
  }

  async #send(start: number, chunk: unknown[][]): Promise<void> {
    const task = this.runner.schedule(this.where, this.plan.name, preparePayload(this.plan, chunk, this.runner.mode), true);
    this.#live.add(task);
    task.done.then(
      (reply) => {
        this.#live.delete(task);
        this.sink.chunk(start, chunk.length, reply);
      },
      (err: unknown) => {
        this.#live.delete(task);
        if (!this.#stopped) this.sink.chunkError(start, chunk.length, err);
      },
    );
    await task.admitted;
  }
}

function setup(
  runner: ChunkRunner,
  where: string,
  name: unknown,
  list: unknown,
  options: unknown,
): { plan: FunctionPlan; opts: ReturnType<typeof taskOptions> } {
  const opts = taskOptions(where, options);
  const plan = runner.plan(where, name);
  if (typeof (list as Iterable<unknown> | null)?.[Symbol.iterator] !== 'function' || typeof list === 'string') {
    throw argumentError(where, 'listOfArgs', 'an array (or iterable) of argument arrays', list);
  }
  const refusal = runner.check(where);
  if (refusal !== undefined) throw refusal;
  return { plan, opts };
}

/** `map`: every result in input order, or the first error. */
export function runMap(
  runner: ChunkRunner,
  where: string,
  name: unknown,
  list: unknown,
  options: MapOptions | undefined,
): Promise<unknown[]> {
  try {
    const { plan, opts } = setup(runner, where, name, list, options);
    const items = Array.from(list as Iterable<unknown>);
    // As Python's Pool.map: about four chunks per worker, so tiny calls share a message.
    const size = opts.chunkSize ?? Math.max(1, Math.ceil(items.length / (runner.workers * 4)));
    return new Promise((resolve, reject) => {
      const results: unknown[] = new Array(items.length);
      let received = 0;
      let total = -1;
      let failed = false;
      const finish = (): void => {
        if (failed || total < 0 || received !== total) return;
        feed.settle();
        resolve(results);
      };
      const fail = (err: unknown): void => {
        if (failed) return;
        failed = true;
        feed.stop(() => err, false);
        reject(err);
      };
      const feed = new Feed(runner, where, plan, chunker(items), size, {
        chunk: (start, count, reply) => {
          if (reply.errors !== undefined) return fail(reply.errors.get(Math.min(...reply.errors.keys())));
          const values = reply.values;
          if (values !== null) for (let k = 0; k < count; k++) results[start + k] = values[k];
          received += count;
          finish();
        },
        chunkError: (_, __, err) => fail(err),
        fatal: fail,
        end: (n) => {
          total = n;
          finish();
        },
      });
      feed.start(opts.signal, opts.timeoutMs);
    });
  } catch (err) {
    return Promise.reject(err);
  }
}

/** The async iterator behind `imap` (input order) and `imapUnordered` (completion order). */
class ResultStream implements AsyncIterableIterator<unknown> {
  readonly #ordered: boolean;
  readonly #byIndex = new Map<number, Outcome>();
  readonly #ready: Outcome[] = [];
  readonly #pulls: Array<{ resolve: (r: IteratorResult<unknown>) => void; reject: (e: unknown) => void }> = [];
  #delivered = 0;
  #total = -1;
  #fatal: { err: unknown } | undefined;
  #finished = false;
  feed: Feed | undefined;

  constructor(ordered: boolean, setupError?: { err: unknown }) {
    this.#ordered = ordered;
    this.#fatal = setupError;
  }

  readonly sink: Sink = {
    chunk: (start, count, reply) => {
      for (let k = 0; k < count; k++) {
        const e = reply.errors?.get(k);
        this.#push(start + k, e === undefined ? { ok: true, v: valueAt(reply, k) } : { ok: false, e });
      }
    },
    chunkError: (start, count, e) => {
      for (let k = 0; k < count; k++) this.#push(start + k, { ok: false, e });
    },
    fatal: (err) => {
      this.#fatal ??= { err };
      this.#drain();
    },
    end: (total) => {
      this.#total = total;
      this.#drain();
    },
  };

  next(): Promise<IteratorResult<unknown>> {
    return new Promise((resolve, reject) => {
      this.#pulls.push({ resolve, reject });
      this.#drain();
    });
  }

  /** Called by `break` / `return` in for-await: cancels the chunks not started yet. */
  return(): Promise<IteratorResult<unknown>> {
    this.#finish();
    this.#drain();
    return Promise.resolve({ done: true, value: undefined });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<unknown> {
    return this;
  }

  #push(index: number, outcome: Outcome): void {
    if (this.#finished) return;
    if (this.#ordered) this.#byIndex.set(index, outcome);
    else this.#ready.push(outcome);
    this.#drain();
  }

  #take(): Outcome | undefined {
    if (this.#ordered) {
      const o = this.#byIndex.get(this.#delivered);
      if (o !== undefined) {
        this.#byIndex.delete(this.#delivered);
        this.#delivered++;
      }
      return o;
    }
    const o = this.#ready.shift();
    if (o !== undefined) this.#delivered++;
    return o;
  }

  #drain(): void {
    for (;;) {
      const pull = this.#pulls[0];
      if (pull === undefined) return;
      if (this.#finished) {
        this.#pulls.shift();
        pull.resolve({ done: true, value: undefined });
        continue;
      }
      if (this.#fatal !== undefined) {
        this.#pulls.shift();
        this.#finish();
        pull.reject(this.#fatal.err);
        continue;
      }
      const o = this.#take();
      if (o !== undefined) {
        this.#pulls.shift();
        if (o.ok) pull.resolve({ done: false, value: o.v });
        else {
          this.#finish();
          pull.reject(o.e);
        }
        continue;
      }
      if (this.#total >= 0 && this.#delivered >= this.#total) {
        this.#finish();
        continue;
      }
      return;
    }
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#byIndex.clear();
    this.#ready.length = 0;
    this.feed?.stop(() => closedStateError('imap(): iteration ended early; this chunk was cancelled before it started.'), false);
    this.feed?.settle();
  }
}

/** `imap` / `imapUnordered`: results as an async iterator; feeding starts at once (as in Python). */
export function streamMap(
  runner: ChunkRunner,
  where: string,
  name: unknown,
  list: unknown,
  options: MapOptions | undefined,
  ordered: boolean,
): AsyncIterableIterator<unknown> {
  let prepared: ReturnType<typeof setup>;
  try {
    prepared = setup(runner, where, name, list, options);
  } catch (err) {
    // Reported by the first next(): an iterator is not a promise, but it must not throw either.
    return new ResultStream(ordered, { err });
  }
  const stream = new ResultStream(ordered);
  stream.feed = new Feed(runner, where, prepared.plan, chunker(list as Iterable<unknown>), prepared.opts.chunkSize ?? 1, stream.sink);
  stream.feed.start(prepared.opts.signal, prepared.opts.timeoutMs);
  return stream;
}
