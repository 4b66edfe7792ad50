// Runs snippets in child Node processes without blocking jest, at most `limit` at a time (the async twin of child.ts).
import { spawn } from 'node:child_process';

import { ROOT, type ChildResult } from './child';

export interface ChildOptions {
  nodeArgs?: string[];
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** Spawns one child running `code` (CommonJS with tsx, cwd = repo root) and resolves with how it ended. */
function spawnChild(code: string, options: ChildOptions): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '-r', 'tsx/cjs', '-e', code], {
      cwd: ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    // A hung child is a finding, not a reason to hang the suite: kill it and report the signal.
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
  });
}

/** Returns a runner that starts at most `limit` children at once and queues the rest. */
export function childPool(limit: number): (code: string, options?: ChildOptions) => Promise<ChildResult> {
  let running = 0;
  const waiting: Array<() => void> = [];
  // A finishing child hands its slot straight to the next waiter, so the count never overshoots.
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };
  return async (code, options = {}) => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await spawnChild(code, options);
    } finally {
      release();
    }
  };
}
