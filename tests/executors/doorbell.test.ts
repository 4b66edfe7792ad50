// The thread pools' transport: number calls travel as shared-memory frames, everything else as messages; both exact. The main thread polls for a lone task's reply.
import { kMaxSpinMs, kSpinMs, mainDoorbell, nextSpinMs, workerReplies } from '../../ts/executors/doorbell';
import { kMaxPollSkip, ReplyPolls } from '../../ts/executors/reply-poll';
import { ThreadPoolExecutor } from '../../ts/executors/thread-pool';
import { fixturePaths } from '../fixtures/build';

const bind = {
  copysign: 'double copysign(double x, double y)',
  fmax: 'double fmax(double x, double y)',
  frexp: 'double frexp(double x, _Out_ int *exp)',
  llabs: 'int64_t llabs(int64_t x)',
} as const;

// libm on Linux; every call below is a plain C function with no state.
const libm = process.platform === 'linux' ? 'libm.so.6' : undefined;

if (libm) {
  describe('values cross exactly, as frames or as messages', () => {
    let pool: ThreadPoolExecutor<typeof bind>;
    beforeAll(async () => {
      pool = new ThreadPoolExecutor({ library: libm, bind, workers: 1 });
      await pool.ready;
    });
    afterAll(() => pool.close());

    it('number arguments and results (frames): -0, NaN, subnormals and extremes survive', async () => {
      expect(Object.is(await pool.call('copysign', [0, -1]), -0)).toBe(true);
      expect(await pool.call('fmax', [NaN, NaN])).toBeNaN();
      expect(await pool.call('copysign', [Number.MIN_VALUE, 1])).toBe(Number.MIN_VALUE);
      expect(await pool.call('copysign', [Number.MAX_VALUE, -1])).toBe(-Number.MAX_VALUE);
      expect(await pool.call('fmax', [-Infinity, 1e308])).toBe(1e308);
    });

    it('out-parameters and bigints (messages) interleave with frames on the same worker', async () => {
      for (let i = 0; i < 20; i++) {
        const exp: [number] = [0];
        await expect(pool.call('frexp', [8 * (i + 1), exp])).resolves.toBeGreaterThanOrEqual(0.5);
        expect(exp[0]).toBe(Math.floor(Math.log2(8 * (i + 1))) + 1);
        await expect(pool.call('llabs', [-(2n ** 62n)])).resolves.toBe(2n ** 62n);
        await expect(pool.call('copysign', [i, -1])).resolves.toBe(-i);
      }
    });
  });
}

it('a number call whose argument the worker refuses still rejects with the ArgumentError (frames carry no checks)', async () => {
  const pool = new ThreadPoolExecutor({ library: fixturePaths().crash, bind: { add: 'int add(int a, int b)' }, workers: 1 });
  try {
    await expect(pool.call('add', [1.5, 2])).rejects.toThrow("argument 'a'");
    await expect(pool.call('add', [2, 3])).resolves.toBe(5);
  } finally {
    await pool.close();
  }
});

describe('the main thread polling for a reply (MainDoorbell.poll)', () => {
  it('takes a frame or message the worker end sent, at once and exactly once; times out with nothing to take', async () => {
    const bell = mainDoorbell();
    const replies = workerReplies(bell.workerEnd);
    const frames: number[][] = [];
    const messages: unknown[] = [];
    bell.listen(
      (msg) => messages.push(msg),
      (frame) => frames.push(Array.from(frame)),
    );
    try {
      expect(bell.poll(0.2)).toBe(false);
      expect(replies.sendFrame([7, 42])).toBe(true);
      expect(bell.poll(0.2)).toBe(true);
      // Delivered by the poll itself, before the event loop turns.
      expect(frames).toEqual([[7, 42]]);
      replies.send({ t: 'done', id: 8 });
      expect(bell.poll(0.2)).toBe(true);
      expect(messages).toEqual([{ t: 'done', id: 8 }]);
      expect(bell.poll(0.2)).toBe(false);
      // The event loop's own wait then finds nothing left: nothing is delivered twice.
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(frames).toEqual([[7, 42]]);
      expect(messages).toHaveLength(1);
      // A frame the poll did not see still arrives through the event loop.
      replies.sendFrame([9]);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(frames).toEqual([[7, 42], [9]]);
    } finally {
      bell.close();
    }
    expect(bell.poll(0.2)).toBe(false);
  });

  it('an awaited loop of pool calls still lets timers run (the poll is a macrotask, bounded)', async () => {
    const pool = new ThreadPoolExecutor({ library: fixturePaths().crash, bind: { add: 'int add(int a, int b)' }, workers: 1 });
    try {
      await pool.ready;
      let fired = false;
      setTimeout(() => (fired = true), 1);
      let calls = 0;
      // add(calls, 1): each result is the next count.
      while (!fired && calls < 100_000) calls = await pool.call('add', [calls, 1]);
      expect(fired).toBe(true);
      expect(calls).toBeLessThan(100_000);
    } finally {
      await pool.close();
    }
  });
});

describe('when the main thread polls (ReplyPolls) and how long a worker polls (nextSpinMs)', () => {
  it('polls every time while polls catch replies, and backs off 1, 2, 4 ... 64 dispatches while they miss', () => {
    const polls = new ReplyPolls();
    const pattern = (n: number): boolean[] => Array.from({ length: n }, () => polls.shouldPoll());
    expect(pattern(3)).toEqual([true, true, true]);
    polls.record(true);
    expect(polls.shouldPoll()).toBe(true);
    const skipped: number[] = [];
    for (let miss = 0; miss < 9; miss++) {
      polls.record(false);
      let k = 0;
      while (!polls.shouldPoll()) k++;
      skipped.push(k);
    }
    expect(skipped).toEqual([1, 2, 4, 8, 16, 32, kMaxPollSkip, kMaxPollSkip, kMaxPollSkip]);
    polls.record(true);
    expect(pattern(3)).toEqual([true, true, true]);
  });

  it('a worker rung soon after it slept polls twice as long (up to the cap); a long sleep resets it', () => {
    expect(nextSpinMs(kSpinMs, 0.03)).toBe(2 * kSpinMs);
    let spin = kSpinMs;
    for (let i = 0; i < 20; i++) spin = nextSpinMs(spin, 0.01);
    expect(spin).toBe(kMaxSpinMs);
    expect(nextSpinMs(kMaxSpinMs, 5)).toBe(kMaxSpinMs);
    expect(nextSpinMs(kMaxSpinMs, 50)).toBe(kSpinMs);
  });
});
