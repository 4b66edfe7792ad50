// Builds child snippets that do one bad thing and print what was thrown, and reads that report back.
import type { ChildResult } from './child';

/** What the child saw: the error's identity, or that nothing was thrown (with the value returned). */
export interface ProbeReport {
  /** True when the error was thrown synchronously by the call itself (false: the promise rejected). */
  sync: boolean;
  /** For `.async` probes: whether the call returned a Promise. */
  isPromise?: boolean;
  noError?: true;
  value?: unknown;
  name?: string;
  code?: string;
  reason?: string;
  path?: string;
  message?: string;
  isFfikitError?: boolean;
}

const kMarker = '@@PROBE ';

/** Prepares `ffikit`, `fx` (fixture paths) and `scratch` (paths the test made, from the environment). */
const kPrelude = `
const ffikit = require('./ts/index');
const fx = require('./tests/fixtures/build').fixturePaths();
const scratch = JSON.parse(process.env.FFIKIT_TEST_SCRATCH || '{}');
function report(err, extra) {
  const out = err === undefined
    ? { noError: true, ...extra }
    : { name: err && err.constructor && err.constructor.name, code: err && err.code, reason: err && err.reason, path: err && err.path,
        message: err && err.message, isFfikitError: err instanceof ffikit.FfikitError, ...extra };
  console.log(${JSON.stringify(kMarker)} + JSON.stringify(out, (_k, v) => (typeof v === 'bigint' ? String(v) + 'n' : v)));
}
`;

/**
 * A snippet that runs `setup` (failures there are harness errors: uncaught, non-zero exit), then `body`
 * (statements; may `return` a value). With `isAsync`, `body` must return the promise of an `.async` call.
 */
export function probeSnippet(setup: string, body: string, isAsync: boolean): string {
  return `${kPrelude}
(async () => {
  ${setup}
  let out;
  try {
    out = (() => {
      ${body}
    })();
  } catch (err) {
    report(err, { sync: true });
    return;
  }
  if (!${isAsync}) return report(undefined, { sync: true, value: out });
  const isPromise = out instanceof Promise;
  try {
    report(undefined, { sync: false, isPromise, value: await out });
  } catch (err) {
    report(err, { sync: false, isPromise });
  }
})().catch((err) => {
  console.error('probe harness failed:', err && err.stack);
  process.exitCode = 70;
});
`;
}

/** Extracts the report; throws (showing the child's output) when there is none. */
export function parseProbe(res: ChildResult): ProbeReport {
  const line = res.stdout.split('\n').find((l) => l.startsWith(kMarker));
  if (line === undefined) {
    throw new Error(`child printed no report (status ${res.status}, signal ${res.signal})\nstdout:\n${res.stdout}\nstderr:\n${res.stderr}`);
  }
  return JSON.parse(line.slice(kMarker.length)) as ProbeReport;
}

/** One bad-input case: a setup, the bad thing, and the typed error it must end in. */
export interface BadCase {
  name: string;
  /** Runs before the bad thing, outside its try/catch. */
  setup?: string;
  /** Statements doing the bad thing; for `async` cases, returns the promise of an `.async` call. */
  body: string;
  async?: boolean;
  error: readonly [cls: string, code: string];
  /** Substrings the message must contain: what was expected and what was got. */
  words: string[];
}

/**
 * Runs one case in its own child process and checks what it ended in: no signal, a clean exit, the
 * expected FfikitError class and code (thrown, or rejected for `async` cases), every word in the message.
 * @returns the report, for checks of a case's own (e.g. a load error's reason and path).
 */
export async function expectBadCase(
  run: (code: string, options?: { env?: NodeJS.ProcessEnv }) => Promise<ChildResult>,
  c: BadCase,
  defaultSetup: string,
  env?: NodeJS.ProcessEnv,
): Promise<ProbeReport> {
  const res = await run(probeSnippet(c.setup ?? defaultSetup, c.body, c.async === true), env ? { env } : {});
  const report = parseProbe(res);
  expect({ status: res.status, signal: res.signal }).toEqual({ status: 0, signal: null });
  expect({ name: report.name, code: report.code, isFfikitError: report.isFfikitError, sync: report.sync }).toEqual({
    name: c.error[0],
    code: c.error[1],
    isFfikitError: true,
    sync: c.async !== true,
  });
  if (c.async) expect(report.isPromise).toBe(true);
  for (const word of c.words) expect(report.message).toContain(word);
  return report;
}
