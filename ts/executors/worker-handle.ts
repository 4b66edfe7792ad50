// What an executor needs from one worker (thread or process), and where the worker entry file is.

import * as path from 'node:path';

import type { FromWorker, ToWorker } from './protocol';

/** Events a worker reports to its executor. */
export interface WorkerEvents {
  message(msg: FromWorker): void;
  /** An uncaught exception inside the worker (it exits afterwards). */
  error(err: Error): void;
  /** The worker is gone: its exit code, or the signal that killed it (processes). */
  exit(code: number | null, signal: NodeJS.Signals | null): void;
}

/** One live worker, as the executor drives it. */
export interface WorkerHandle {
  /** The process running it (this process for threads). */
  readonly pid: number;
  /** Sends a message; throws when a value cannot be cloned. */
  send(msg: ToWorker, transfer: readonly ArrayBuffer[]): void;
  /** Stops it now: terminates the thread, or SIGKILLs the process. `exit` follows. */
  kill(): void;
  /**
   * Thread workers: polls this thread up to `budgetMs` for the worker's reply and delivers it at once
   * (the doorbell's `poll`). Process workers have none.
   * @returns whether a reply came.
   */
  poll?(budgetMs: number): boolean;
  /** Keep the event loop alive while the worker has work (ref) or not (unref). */
  ref(): void;
  unref(): void;
}

/** Starts one worker. */
export type Spawner = (events: WorkerEvents) => WorkerHandle;

/**
 * The worker entry next to this file: `worker.js` in dist/, or `worker.ts` when ffikit runs from its
 * TypeScript sources (jest, tsx), which then need tsx's require hook in the worker as well.
 */
export function workerEntry(): { file: string; execArgv: string[] } {
  const ext = path.extname(__filename);
  const file = path.join(__dirname, `worker${ext === '.ts' ? '.ts' : '.js'}`);
  if (ext !== '.ts') return { file, execArgv: [] };
  return { file, execArgv: ['--require', require.resolve('tsx/cjs')] };
}
