// ThreadPoolExecutor: native calls on worker threads, each with its own copy of the bound functions.

import { Worker } from 'node:worker_threads';

import type { BindSpec } from '../call/infer';
import { mainDoorbell } from './doorbell';
import { Executor } from './executor';
import type { ExecutorOptions } from './options';
import { decodeDoneFrame, encodeRunFrame, type FromWorker } from './protocol';
import { workerEntry, type WorkerEvents, type WorkerHandle } from './worker-handle';

function spawnThread(events: WorkerEvents): WorkerHandle {
  const { file, execArgv } = workerEntry();
  const bell = mainDoorbell();
  const worker = new Worker(file, { execArgv, workerData: bell.workerEnd, transferList: [...bell.transferList] });
  /** The functions in the order the worker binds them (from its `init`): frames name them by index. */
  let names: readonly string[] = [];
  bell.listen(
    (msg) => events.message(msg as FromWorker),
    (frame) => events.message(decodeDoneFrame(frame)),
  );
  worker.on('error', (err: Error) => events.error(err));
  worker.on('exit', (code: number) => {
    // Every reply the worker posted before exiting comes first, as with 'message' events.
    bell.close();
    events.exit(code, null);
  });
  return {
    pid: process.pid,
    send: (msg, transfer) => {
      if (msg.t === 'init') names = Object.keys(msg.config.bind);
      const frame = transfer.length === 0 ? encodeRunFrame(msg, names) : undefined;
      if (frame === undefined || !bell.sendFrame(frame)) bell.send(msg, transfer);
    },
    kill: () => void worker.terminate(),
    poll: (budgetMs) => bell.poll(budgetMs),
    ref: () => worker.ref(),
    unref: () => worker.unref(),
  };
}

/**
 * Runs native calls on a pool of worker threads (Python's `ThreadPoolExecutor` after the GIL is
 * released): N long calls on N workers take about the time of one, and the event loop stays free.
 * Each worker loads the library once and binds the declared functions.
 *
 * Arguments: SharedArrayBuffer-backed typed arrays pass zero-copy (C writes are visible at once);
 * ManagedArrays pass as their address, pinned until the task settles (dispose() waits); other typed
 * arrays are copied in and copied back after the call (not for `const T *` parameters), as are
 * one-element out-param arrays and struct objects at `_Out_`/`_Inout_` parameters. Handles cross
 * with their type. Callbacks cannot cross threads; errcheck functions run on this thread.
 *
 * A running native call cannot be interrupted in a thread: on timeout or abort the promise rejects
 * at once, but the worker stays busy until the call returns (its result is discarded). Use
 * {@link ProcessPoolExecutor} when calls must be killable, or may crash.
 *
 * The library must be thread-safe for `policy: 'parallel'` (all workers share one loaded copy of it
 * in this process); use `policy: 'serial'` otherwise.
 *
 * Workers load the library in the background: `await pool.ready` to learn that they all could, or the
 * LibraryLoadError / DeclarationError (missing symbol) that stops them; every call then rejects with it.
 * @example
 * await using pool = new ffikit.ThreadPoolExecutor({
 *   library: { reference: true },
 *   bind: { long_running_operation: 'int32_t long_running_operation(float *data, size_t len)' },
 *   workers: 2,
 * });
 * const data = new Float32Array(new SharedArrayBuffer(4 * 1_000_000));
 * await pool.map('long_running_operation', [[data.subarray(0, 500_000), 500_000], [data.subarray(500_000), 500_000]]);
 */
export class ThreadPoolExecutor<const S extends BindSpec = BindSpec> extends Executor<S> {
  /**
   * Starts the workers (they load the library in the background; tasks queue meanwhile).
   * @throws {ArgumentError} for an invalid option (named in the message).
   * @throws {DeclarationError} for a bad prototype, an undeclared type, or a bad `errcheck` or `disposes`.
   * @throws {LibraryLoadError} when the library file is not found.
   */
  constructor(options: ExecutorOptions<S>) {
    super('ThreadPoolExecutor', 'thread', spawnThread, options);
  }
}
