// The thread pools' transport: number calls travel as shared-memory frames, everything else as messages; both exact.
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
