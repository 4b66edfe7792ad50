// Foreign-thread callback shutdown in child processes: after the last dispose each exits by itself, within 1 s, never crashing or hanging.
import { childPool } from '../helpers/child-pool';
import type { ChildResult } from '../helpers/child';

const run = childPool(2);
const RUNS = 20;
const EXIT_WITHIN_MS = 1000;
const WARNING = 'FFIKIT_CALLBACK_AT_EXIT';

// Every scenario prints `OK <Date.now()>` last, right after its last dispose (or its process.exit());
// it must then exit 0 by itself, within EXIT_WITHIN_MS. Nothing closes the library.
const prelude = `
const ffikit = require('./ts/index');
const ref = ffikit.reference();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const done = () => console.log('OK ' + Date.now());
let seen = 0;
`;

interface Timed extends ChildResult {
  /** Milliseconds from the child's `OK <time>` line to the end of the process (NaN without one). */
  exitMs: number;
}

async function runTimed(code: string, timeoutMs = 20000): Promise<Timed> {
  const r = await run(prelude + code, { timeoutMs });
  const closedAt = Date.now();
  const ok = /^OK (\d+)$/m.exec(r.stdout);
  return { ...r, exitMs: ok ? closedAt - Number(ok[1]) : NaN };
}

function failures(results: Timed[], warns: boolean): Timed[] {
  return results.filter(
    (r) =>
      r.status !== 0 ||
      r.signal !== null ||
      !/OK \d+\s*$/.test(r.stdout) ||
      !(r.exitMs <= EXIT_WITHIN_MS) ||
      r.stderr.includes(WARNING) !== warns,
  );
}

function describeFirst(bad: Timed[]): string {
  const first = bad[0];
  return `${bad.length}/${RUNS} runs failed; first: status ${first?.status} signal ${first?.signal} exit ${first?.exitMs} ms after OK\n${first?.stdout}\n${first?.stderr}`;
}

// [name, body, whether the exit warning is expected]
const scenarios: Array<[string, string, boolean]> = [
  [
    'exit while events flow (process.exit with the source running, never disposed)',
    `ref.startEvents(() => { seen++; }, { intervalUs: 50 });
     (async () => { while (seen < 10) await sleep(1); done(); process.exit(0); })();`,
    false,
  ],
  [
    'natural end after stop() requested from a timer',
    `const source = ref.startEvents(() => { seen++; }, { intervalUs: 50 });
     setTimeout(() => source.stop().then(done), 20);`,
    false,
  ],
  [
    'dispose during activity, source stopped later',
    `const source = ref.startEvents(() => { seen++; }, { intervalUs: 50 });
     (async () => {
       while (seen < 5) await sleep(1);
       source.callback.dispose();           // calls become no-ops; the trampoline stays until stop
       const frozen = seen;
       await sleep(10);
       if (seen !== frozen) throw new Error('called after dispose');
       await source.stop();
       done();
     })();`,
    false,
  ],
  [
    'dispose from inside the callback, the native thread still running',
    `const source = ref.startEvents(() => {
       seen++;
       if (seen === 3) { source.callback.dispose(); done(); }
     }, { intervalUs: 50 });`,
    true,
  ],
  [
    'double dispose and double stop',
    `const source = ref.startEvents(() => { seen++; }, { intervalUs: 50 });
     (async () => {
       while (seen < 3) await sleep(1);
       source.callback.dispose(); source.callback.dispose();
       await Promise.all([source.stop(), source.stop()]);
       await source.stop();
       if (ffikit.registeredCallbackCount() !== 0) throw new Error('registry not empty');
       done();
     })();`,
    false,
  ],
];

describe('foreign-thread callback shutdown (child processes)', () => {
  it('a callback never disposed keeps the process alive (as a server would) instead of crashing at exit', async () => {
    // Generous: starting a child with TypeScript support takes seconds on a loaded machine.
    const results = await Promise.all(
      Array.from({ length: 3 }, () =>
        run(`${prelude} ref.startEvents(() => { seen++; }, { intervalUs: 200 }); console.log('started');`, { timeoutMs: 6000 }),
      ),
    );
    for (const r of results) {
      expect(r.stdout.trim()).toBe('started');
      expect(r.signal).toBe('SIGKILL'); // killed by the test, not SIGSEGV at a natural exit
    }
  });

  for (const [name, body, warns] of scenarios) {
    it(`${name}: ${RUNS}/${RUNS} exit 0 by themselves within ${EXIT_WITHIN_MS} ms${warns ? ', with the exit warning' : ''}`, async () => {
      const results = await Promise.all(Array.from({ length: RUNS }, () => runTimed(body)));
      const bad = failures(results, warns);
      if (bad.length > 0) throw new Error(describeFirst(bad));
      expect(bad).toHaveLength(0);
    });
  }

  it(`issue 11.4: stop and join the native thread, dispose(), finish: ${RUNS}/${RUNS} exit by themselves within ${EXIT_WITHIN_MS} ms`, async () => {
    // The library's own stop joins the thread; ffikit cannot know, so a plain dispose() warns at exit.
    const body = `
      const source = ref.startEvents(() => { seen++; }, { intervalUs: 50 });
      (async () => {
        while (seen < 5) await sleep(1);
        await ref.fn.ffikit_events_stop.async();
        source.callback.dispose();
        done();
      })();`;
    const results = await Promise.all(Array.from({ length: RUNS }, () => runTimed(body)));
    const bad = failures(results, true);
    if (bad.length > 0) throw new Error(describeFirst(bad));
    expect(bad).toHaveLength(0);
  });
});

describe('the exit warning for disposed, unreleased foreign-thread callbacks (child processes)', () => {
  // Captures warnings as objects; the child prints them as JSON lines after its own 'exit' listener.
  const capture = `
    const warnings = [];
    process.on('warning', (w) => warnings.push({ name: w.name, code: w.code, message: w.message }));
  `;
  const parseWarnings = (stdout: string): Array<{ name: string; code: string; message: string }> =>
    stdout
      .split('\n')
      .filter((l) => l.startsWith('W '))
      .map((l) => JSON.parse(l.slice(2)) as { name: string; code: string; message: string });

  it('is issued once per callback type, naming it and how many, as a CallbackWarning', async () => {
    const r = await runTimed(`${capture}
      const Tick = ffikit.callbackType('void Tick(int n)');
      const a = ref.library.register('EventCallback', () => undefined, { thread: 'any' });
      const b = ref.library.register('EventCallback', () => undefined, { thread: 'any' });
      const t = ref.library.register(Tick, () => undefined, { thread: 'any' });
      a.dispose(); b.dispose(); t.dispose();
      process.on('exit', () => { for (const w of warnings) console.log('W ' + JSON.stringify(w)); });
      done();
    `);
    expect(r.status).toBe(0);
    expect(r.exitMs).toBeLessThanOrEqual(EXIT_WITHIN_MS);
    const warnings = parseWarnings(r.stdout);
    expect(warnings.map((w) => [w.name, w.code])).toEqual([
      ['CallbackWarning', WARNING],
      ['CallbackWarning', WARNING],
    ]);
    expect(warnings[0]?.message).toMatch(/^EventCallback: 2 foreign-thread callbacks were disposed but not released at exit/);
    expect(warnings[1]?.message).toMatch(/^Tick: a foreign-thread callback was disposed but not released at exit/);
    expect(warnings[1]?.message).toContain('call dispose({ stopped: true }) or lib.close()');
    expect(r.stderr.split(WARNING).length - 1).toBe(2); // printed by Node's default handler too
  });

  it('is not issued once the callback is released with dispose({ stopped: true }) or lib.close()', async () => {
    const results = await Promise.all([
      runTimed(`
        const cb = ref.library.register('EventCallback', () => undefined, { thread: 'any' });
        cb.dispose(); cb.dispose({ stopped: true }); done();`),
      runTimed(`
        const cb = ref.library.register('EventCallback', () => undefined, { thread: 'any' });
        cb.dispose(); ref.close(); done();`),
    ]);
    for (const r of results) {
      expect([r.status, r.signal]).toEqual([0, null]);
      expect(r.stderr).not.toContain(WARNING);
    }
  });

  it("runs the 'exit' listeners registered after ffikit's, and keeps the exit code", async () => {
    const r = await runTimed(`
      const source = ref.startEvents(() => { seen++; }, { intervalUs: 50 });
      (async () => {
        while (seen < 3) await sleep(1);
        source.callback.dispose();          // ffikit's exit guard is installed now
        process.on('exit', (code) => console.log('late listener saw ' + code));
        process.exitCode = 3;
        done();
      })();`);
    expect(r.status).toBe(3);
    expect(r.signal).toBeNull();
    expect(r.stdout).toContain('late listener saw 3');
    expect(r.stderr).toContain(WARNING);
  });

  it('is issued on process.exit() too, which keeps its code', async () => {
    const r = await runTimed(`
      const cb = ref.library.register('EventCallback', () => undefined, { thread: 'any' });
      cb.dispose(); done(); process.exit(4);`);
    expect(r.status).toBe(4);
    expect(r.stderr).toContain(`[${WARNING}] CallbackWarning: EventCallback: a foreign-thread callback was disposed`);
  });
});
