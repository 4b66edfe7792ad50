// The balancer: the next task goes to the idle worker that finished last (still awake), any idle one when it is busy.
import { ThreadPoolExecutor } from '../../ts/executors/thread-pool';

// Linux with glibc >= 2.30 exports gettid(): each call reports the worker thread that ran it.
const libc = 'libc.so.6';

if (process.platform === 'linux') {
  describe('which worker runs a task (gettid, Linux)', () => {
    let pool: ThreadPoolExecutor<{ gettid: 'int gettid(void)' }>;
    beforeAll(async () => {
      pool = new ThreadPoolExecutor({ library: libc, bind: { gettid: 'int gettid(void)' }, workers: 2 });
      await pool.ready;
    });
    afterAll(() => pool.close());

    it('calls awaited one after another all run on the worker that finished last', async () => {
      const tids: number[] = [];
      for (let i = 0; i < 20; i++) tids.push(await pool.call('gettid', []));
      expect(new Set(tids).size).toBe(1);
      expect(tids[0]).not.toBe(process.pid);
    });

    it('calls at once still spread over every worker', async () => {
      const tids = await Promise.all([pool.call('gettid', []), pool.call('gettid', [])]);
      expect(new Set(tids).size).toBe(2);
    });
  });
}
