// Runs a snippet in a fresh Node process (crash-type and GC tests must never run in the jest process).
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');

export interface ChildResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `code` (CommonJS, may `require('./ts/index')` relative to the repo root) in a child Node
 * process with TypeScript support, and returns how it ended.
 */
export function runChild(code: string, options: { nodeArgs?: string[]; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): ChildResult {
  const result = spawnSync(process.execPath, [...(options.nodeArgs ?? []), '-r', 'tsx/cjs', '-e', code], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 30000,
    env: { ...process.env, ...options.env },
  });
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}
