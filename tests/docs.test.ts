// The docs check (scripts/check-docs.js): snippets, links, anchors and runnable shell blocks, each failing on purpose.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { ROOT } from './helpers/child';

const SCRIPT = path.join(ROOT, 'scripts', 'check-docs.js');
const fence = '```';

/** A docs root with README.md and docs/guide.md; `readme` replaces the README's body. */
function docsRoot(readme: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ffikit-docs-'));
  fs.mkdirSync(path.join(dir, 'docs'));
  fs.writeFileSync(path.join(dir, 'docs', 'guide.md'), '# Guide\n\n## Loading a library\n\nText.\n');
  fs.writeFileSync(path.join(dir, 'README.md'), `# Title\n\n${readme}\n`);
  return dir;
}

function check(root: string, ...skip: string[]): { status: number | null; out: string } {
  const args = [SCRIPT, '--root', root, ...skip.flatMap((s) => ['--skip', s])];
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 180_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});
function root(readme: string): string {
  const r = docsRoot(readme);
  roots.push(r);
  return r;
}

const GOOD = [
  'See [the guide](docs/guide.md#loading-a-library) and [below](#title).',
  '',
  `${fence}ts`,
  "import * as ffikit from 'ffikit';",
  '',
  "const codes = ffikit.errorCodes({ OK: 0, FAIL: [1, 'failed'] });",
  'codes.nameOf(1);',
  '// @ts-expect-error: a string is not an entry',
  "ffikit.errorCodes({ OK: 'zero' });",
  fence,
  '',
  '<!-- ts-prelude',
  'declare const data: Float64Array;',
  '-->',
  '',
  `${fence}ts`,
  'data.fill(0);',
  fence,
  '',
  `${fence}ts nocheck`,
  'this is deliberately not TypeScript',
  fence,
  '',
  `${fence}sh run`,
  'test -f README.md && echo ran',
  fence,
].join('\n');

describe('scripts/check-docs.js', () => {
  it('passes docs whose snippets compile, links resolve and runnable blocks succeed', () => {
    const r = check(root(GOOD));
    expect(r.out).toContain('check-docs: 2 ts blocks type-checked');
    expect(r.out).toContain('check-docs: 1 sh run blocks ran');
    expect(r.status).toBe(0);
  });

  it('fails on a snippet that does not type-check, and on an unused @ts-expect-error, naming the markdown file and line', () => {
    const broken = GOOD.replace('codes.nameOf(1);', 'ffikit.load(42); // wrong on purpose: a number for the path').replace(
      "ffikit.errorCodes({ OK: 'zero' });",
      'ffikit.errorCodes({ OK: 0 }); // a deliberately wrong line that became right',
    );
    const r = check(root(broken), 'links', 'run');
    expect(r.status).toBe(1);
    // README line 1 is '# Title', line 2 blank, then GOOD: its line 7 is README line 9
    expect(r.out).toMatch(/README\.md:9: TS2345: Argument of type 'number' is not assignable to parameter of type 'string'/);
    expect(r.out).toMatch(/README\.md:10: TS2578: Unused '@ts-expect-error' directive/);
    expect(r.out).toContain('check-docs: 2 problem(s)');
  });

  it('fails on a link to a missing file', () => {
    const r = check(root(GOOD.replace('docs/guide.md#', 'docs/missing.md#')), 'types', 'run');
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/Cannot find file `docs\/missing\.md`/);
  });

  it('fails on a link to a missing heading, in this file or another', () => {
    const r = check(root(GOOD.replace('#loading-a-library', '#loading').replace('(#title)', '(#no-such-heading)')), 'types', 'run');
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/Cannot find heading for `#loading` in `docs\/guide\.md`/);
    expect(r.out).toMatch(/Cannot find heading for `#no-such-heading`/);
  });

  it('fails on a README over 8 KB', () => {
    const r = check(root(`${GOOD}\n\n${'Too long. '.repeat(900)}`), 'types', 'run');
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/README\.md: expected at most 8192 bytes, got \d+\. Move details into a guide in docs\//);
  });

  it('fails when a runnable shell block exits non-zero', () => {
    const r = check(root(GOOD.replace('test -f README.md && echo ran', 'test -f NOPE.md')), 'types', 'links');
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/README\.md:\d+: runnable sh block failed \(exit 1\)/);
  });
});
