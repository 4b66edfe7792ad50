// Foreign-thread callback shutdown scenarios, each run 20 times in child processes: clean exits, no hang.
import { childPool } from './helpers/child-pool';

const run = childPool(2);
const RUNS = 20;

// Every scenario prints OK last when it finished its own steps; the process must then exit 0, by itself.
const prelude = `
const ffikit = require('./ts/index');
const ref = ffikit.reference();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let seen = 0;
`;

const scenarios: Record<string, string> = {
  'exit while events flow (process.exit with the source running)': `
    ref.startEvents(() => { seen++; }, { intervalUs: 50 });
    (async () => { while (seen < 10) await sleep(1); console.log('OK'); process.exit(0); })();
  `,
  'natural end with the source still running after stop was requested from a timer': `
    const source = ref.startEvents(() => { seen++; }, { intervalUs: 50 });
    setTimeout(() => source.stop().then(() => { ref.close(); console.log('OK'); }), 20);
  `,
  'dispose during activity (callback disposed, source stopped later)': `
    const source = ref.startEvents(() => { seen++; }, { intervalUs: 50 });
    (async () => {
      while (seen < 5) await sleep(1);
      source.callback.dispose();           // calls become no-ops; the trampoline stays until stop
      const frozen = seen;
      await sleep(10);
      if (seen !== frozen) throw new Error('called after dispose');
      await source.stop();
      ref.close();
      console.log('OK');
    })();
  `,
  'dispose from inside the callback': `
    let source;
    source = ref.startEvents(() => {
      seen++;
      if (seen === 3) { source.callback.dispose(); source.stop().then(() => { ref.close(); console.log('OK'); }); }
    }, { intervalUs: 50 });
  `,
  'double dispose and double stop': `
    const source = ref.startEvents(() => { seen++; }, { intervalUs: 50 });
    (async () => {
      while (seen < 3) await sleep(1);
      source.callback.dispose(); source.callback.dispose();
      await Promise.all([source.stop(), source.stop()]);
      await source.stop();
      if (ffikit.registeredCallbackCount() !== 0) throw new Error('registry not empty');
      ref.close();
      console.log('OK');
    })();
  `,
};

describe('foreign-thread callback shutdown (child processes)', () => {
  it('a source never stopped keeps the process alive (as a server would) instead of crashing at exit', async () => {
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        run(`${prelude} ref.startEvents(() => { seen++; }, { intervalUs: 200 }); console.log('started');`, { timeoutMs: 1500 }),
      ),
    );
    for (const r of results) {
      expect(r.stdout.trim()).toBe('started');
      expect(r.signal).toBe('SIGKILL'); // killed by the test after 1.5 s, not SIGSEGV at a natural exit
    }
  });

  for (const [name, body] of Object.entries(scenarios)) {
    it(`${name}: ${RUNS}/${RUNS} clean exits`, async () => {
      const results = await Promise.all(Array.from({ length: RUNS }, () => run(prelude + body, { timeoutMs: 20000 })));
      const bad = results.filter((r) => r.status !== 0 || r.signal !== null || !r.stdout.trim().endsWith('OK'));
      if (bad.length > 0) {
        const first = bad[0];
        throw new Error(
          `${bad.length}/${RUNS} runs failed; first: status ${first?.status} signal ${first?.signal}\n${first?.stdout}\n${first?.stderr}`,
        );
      }
      expect(bad).toHaveLength(0);
    });
  }
});
