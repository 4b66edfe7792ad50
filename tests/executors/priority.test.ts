// The priority option: the nice value worker threads (per thread, Linux) and worker processes give themselves.
import * as fs from 'node:fs';
import * as os from 'node:os';

import { ProcessPoolExecutor } from '../../ts/executors/process-pool';
import { ThreadPoolExecutor } from '../../ts/executors/thread-pool';
import { fixturePaths } from '../fixtures/build';

const library = fixturePaths().crash;
const bind = { add: 'int add(int a, int b)' } as const;

/** The nice value of thread `tid` of this process. */
function niceOf(tid: number): number {
  const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

/** The nice value of every thread of this process, from /proc/self/task/<tid>/stat (field 19). */
function threadNices(): number[] {
  return fs.readdirSync('/proc/self/task').flatMap((tid) => {
    try {
      const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces) start at field 3, the state.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return [Number(fields[16])];
    } catch {
      return []; // a thread that exited meanwhile
    }
  });
}

const base = os.getPriority();
const above = (nice: number): number => threadNices().filter((n) => n === nice).length;

if (process.platform === 'linux') {
  describe('thread workers (Linux: the nice value is per thread)', () => {
    it.each([
      ['low', 10],
      [3, 3],
    ] as const)('priority %p: each worker thread runs at nice %d, the other threads keep theirs', async (priority, nice) => {
      const wanted = Math.max(nice, base);
      const before = above(wanted);
      const pool = new ThreadPoolExecutor({ library, bind, workers: 2, priority });
      try {
        await pool.ready;
        await expect(pool.call('add', [1, 2])).resolves.toBe(3);
        if (base < nice) expect(above(nice)).toBe(before + 2);
        // The main thread's priority is untouched.
        expect(os.getPriority()).toBe(base);
      } finally {
        await pool.close();
      }
      expect(above(wanted)).toBe(before);
    });

    it('the thread that runs the calls is the one at the lower priority (its tid from gettid)', async () => {
      const pool = new ThreadPoolExecutor({ library: 'libc.so.6', bind: { gettid: 'int gettid(void)' }, workers: 1, priority: 12 });
      try {
        const tid = await pool.call('gettid', []);
        expect(tid).not.toBe(process.pid);
        expect(niceOf(tid)).toBe(Math.max(12, base));
        expect(niceOf(process.pid)).toBe(base);
      } finally {
        await pool.close();
      }
    });

    it.each([['normal'], [undefined]] as const)("priority %p leaves every thread at the process' nice value", async (priority) => {
      const pool = new ThreadPoolExecutor({ library, bind, workers: 2, ...(priority === undefined ? {} : { priority }) });
      try {
        await pool.ready;
        expect(threadNices().every((n) => n === base)).toBe(true);
      } finally {
        await pool.close();
      }
    });
  });
}

describe('worker processes', () => {
  it.each([
    ['low', 10],
    ['normal', 0],
    [undefined, 0],
    [7, 7],
  ] as const)('priority %p: each worker process runs at nice %d', async (priority, nice) => {
    const pool = new ProcessPoolExecutor({ library, bind, workers: 2, ...(priority === undefined ? {} : { priority }) });
    try {
      await pool.ready;
      expect(pool.pids).toHaveLength(2);
      for (const pid of pool.pids) expect(os.getPriority(pid)).toBe(Math.max(nice, base));
    } finally {
      await pool.close();
    }
  });
});
