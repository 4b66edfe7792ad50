// ProcessPoolExecutor: native calls in child processes, so a crash or a stuck call only costs one worker.

import { fork } from 'node:child_process';

import { debug } from '../core/debug';
import type { BindSpec } from '../call/infer';
import { Executor } from './executor';
import type { ExecutorOptions } from './options';
import type { FromWorker } from './protocol';
import { workerEntry, type WorkerEvents, type WorkerHandle } from './worker-handle';

function spawnProcess(events: WorkerEvents): WorkerHandle {
  const { file, execArgv } = workerEntry();
  // 'advanced' serialization: typed arrays, bigints, Maps cross as themselves (structured clone), not JSON.
  const child = fork(file, [], { execArgv, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let gone = false;
  child.on('message', (msg: FromWorker) => events.message(msg));
  // 'close' rather than 'exit': it comes after every message the child sent before dying was delivered.
  child.on('close', (code, signal) => {
    gone = true;
    events.exit(code, signal);
  });
  child.on('error', (err) => {
    debug('worker process %s: %s', child.pid, err.message);
    // A spawn failure has no 'close' to follow.
    if (child.pid === undefined && !gone) {
      gone = true;
      events.error(err);
      events.exit(null, null);
    }
  });
  return {
    pid: child.pid ?? -1,
    send: (msg) => {
      if (child.connected) child.send(msg);
    },
    kill: () => {
      if (!gone) child.kill('SIGKILL');
    },
    ref: () => {
      child.ref();
      child.channel?.ref();
    },
    unref: () => {
      child.unref();
      child.channel?.unref();
    },
  };
}

/**
 * Runs native calls in a pool of child processes (Python's `ProcessPoolExecutor`): each worker loads
 * the library in its own process, so a segfault rejects only the task that caused it (NativeCrashError
 * with `.signal`, `.exitCode`, `.fn`, `.pid`), the worker is replaced, queued tasks continue, and this
 * process survives. A timeout or abort of a running call kills its worker (SIGKILL) and replaces it.
 *
 * Memory is not shared: every typed array (SharedArrayBuffer-backed ones included) is copied to the
 * worker and copied back after the call (not for `const T *` parameters). ManagedArrays are refused:
 * their address means nothing in another process. Pointers returned by a worker are only valid there:
 * Handles come back with their type but belong to the worker process that made them (use `workers: 1`
 * for handle APIs; a respawned worker does not know them).
 * close() and terminate() wait until every child has exited (no zombies). A child whose parent dies
 * exits as soon as it is not inside a native call.
 *
 * Workers load the library in the background: `await pool.ready` to learn that they all could, or the
 * LibraryLoadError / DeclarationError (missing symbol) that stops them; every call then rejects with it.
 * @example
 * await using pool = new ffikit.ProcessPoolExecutor({ library: './libplugin.so', bind: { run: 'int run(int job)' } });
 * try {
 *   await pool.call('run', [42]);
 * } catch (err) {
 *   if (err instanceof ffikit.NativeCrashError) console.log(`job 42 crashed the plugin (${err.signal})`);
 * }
 */
export class ProcessPoolExecutor<const S extends BindSpec = BindSpec> extends Executor<S> {
  /**
   * Starts the worker processes (they load the library in the background; tasks queue meanwhile).
   * @throws {ArgumentError} for an invalid option (named in the message).
   * @throws {DeclarationError} for a bad prototype, an undeclared type, or a bad `errcheck` or `disposes`.
   * @throws {LibraryLoadError} when the library file is not found.
   */
  constructor(options: ExecutorOptions<S>) {
    super('ProcessPoolExecutor', 'process', spawnProcess, options);
  }

  /** The process ids of the current worker processes. */
  get pids(): number[] {
    return this.workerPids;
  }
}
