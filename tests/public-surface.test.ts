// The exported names of the built package against tests/public-surface.snapshot.json (scripts/public-surface.js).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { ROOT } from './helpers/child';

interface Surface {
  note?: string;
  runtime: Record<string, string>;
  declarations: Record<string, string>;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { SNAPSHOT, build, diffSurfaces, formatDiff } = require('../scripts/public-surface.js') as {
  SNAPSHOT: string;
  build(): string;
  diffSurfaces(expected: Surface, actual: Surface): string[];
  formatDiff(lines: string[], snapshotFile: string): string;
};

const SCRIPT = path.join(ROOT, 'scripts', 'public-surface.js');
let built: string;
let work: string;
let current: Surface;

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [SCRIPT, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  // A fresh tsc build of ts/ (the same compile as dist/, without the ESM wrapper), in its own folder so
  // it cannot race tests/package.test.ts, which rebuilds dist/. The child loads it, so koffi stays out of jest.
  built = build();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'ffikit-public-surface-'));
  const r = run(['--built', built]);
  if (r.status !== 0) throw new Error(`public-surface.js failed (${r.status}):\n${r.stderr}`);
  current = JSON.parse(r.stdout) as Surface;
}, 180000);

afterAll(() => {
  if (built) fs.rmSync(built, { recursive: true, force: true });
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

it('matches the committed snapshot (after a deliberate change: npm run public-surface)', () => {
  const lines = diffSurfaces(JSON.parse(fs.readFileSync(SNAPSHOT, 'utf8')) as Surface, current);
  expect(lines.length === 0 ? '' : formatDiff(lines, SNAPSHOT)).toBe('');
});

it('declares every runtime export as a value, and exports at runtime every value it declares', () => {
  const isValue = (kind: string): boolean =>
    !kind.startsWith('type-only ') && kind.split(' + ').some((k) => !['type', 'interface'].includes(k));
  const declaredValues = Object.keys(current.declarations).filter((name) => isValue(current.declarations[name]!));
  expect(Object.keys(current.runtime)).toEqual(declaredValues);
  expect(Object.keys(current.declarations).length).toBeGreaterThan(declaredValues.length);
});

describe('a surface that differs from the snapshot', () => {
  const surface = (runtime: Record<string, string>, declarations: Record<string, string>): Surface => ({ runtime, declarations });

  it('is reported one readable line per name added, removed or changed', () => {
    const before = surface({ load: 'function', DTYPES: 'object' }, { load: 'function', DTYPES: 'const', LoadOptions: 'interface' });
    const after = surface(
      { load: 'function', DTYPES: 'function', unload: 'function' },
      { load: 'function', DTYPES: 'const', unload: 'function' },
    );
    const lines = diffSurfaces(before, after);
    expect(lines).toEqual([
      'runtime: ~ changed DTYPES: object -> function',
      'runtime: + added unload (function)',
      'declarations: - removed LoadOptions (interface)',
      'declarations: + added unload (function)',
    ]);
    expect(formatDiff(lines, SNAPSHOT).split('\n')).toEqual([
      'public-surface: the built package differs from tests/public-surface.snapshot.json in 4 names:',
      '  runtime: ~ changed DTYPES: object -> function',
      '  runtime: + added unload (function)',
      '  declarations: - removed LoadOptions (interface)',
      '  declarations: + added unload (function)',
      'If the change is deliberate, run `npm run public-surface`, commit tests/public-surface.snapshot.json and note the change in CHANGELOG.md.',
    ]);
    expect(diffSurfaces(before, before)).toEqual([]);
  });

  it('fails `public-surface.js --check` with that report; --write makes it pass again', () => {
    const stale = path.join(work, 'stale.json');
    const { load: _load, ...runtime } = current.runtime;
    const { load: _loadType, ...declarations } = current.declarations;
    fs.writeFileSync(stale, JSON.stringify(surface({ ...runtime, retired: 'function' }, { ...declarations, Retired: 'interface' })));

    const failed = run(['--check', '--snapshot', stale, '--built', built]);
    expect(failed.status).toBe(1);
    expect(failed.stderr).toContain('differs from');
    expect(failed.stderr).toContain('in 4 names:\n');
    expect(failed.stderr).toContain('  runtime: + added load (function)\n  runtime: - removed retired (function)\n');
    expect(failed.stderr).toContain('  declarations: - removed Retired (interface)\n  declarations: + added load (function)\n');

    expect(run(['--write', '--snapshot', stale, '--built', built]).status).toBe(0);
    expect(JSON.parse(fs.readFileSync(stale, 'utf8'))).toEqual(current);
    expect(run(['--check', '--snapshot', stale, '--built', built])).toMatchObject({ status: 0, stderr: '' });
  });

  it('refuses an unknown option, with the usage', () => {
    const r = run(['--update']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('public-surface: expected --write, --check, --snapshot <file> or --built <dir>, got "--update".');
    expect(r.stderr).toContain('usage: node scripts/public-surface.js');
  });
});
