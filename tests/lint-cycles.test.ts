// scripts/check-imports.js, the import cycle check of `npm run lint`, on small trees written to a temp folder.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { ROOT } from './helpers/child';

interface Edge {
  from: string;
  to: string;
  line: number;
  typeOnly: boolean;
}
interface Cycle {
  files: string[];
  path: Edge[];
  edges: Edge[];
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { checkImports } = require('../scripts/check-imports.js') as {
  checkImports(dir: string): { files: string[]; cycles: Cycle[] };
};

const SCRIPT = path.join(ROOT, 'scripts', 'check-imports.js');
let work: string;

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'ffikit-check-imports-'));
});

afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

/** Writes `files` (relative path -> source) under a fresh folder named src/ and returns its path. */
function tree(name: string, files: Record<string, string>): string {
  const dir = path.join(work, name, 'src');
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

function run(dir: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [SCRIPT, dir], { encoding: 'utf8', timeout: 30000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const names = (dir: string, files: string[]): string[] => files.map((f) => path.relative(dir, f).split(path.sep).join('/'));

describe('a tree without cycles', () => {
  it('passes, whatever the kinds of import, and ignores packages and node: builtins', () => {
    const dir = tree('acyclic', {
      'core/errors.ts': "import * as util from 'node:util';\nexport const e = util;\n",
      'memory/array.ts':
        "import type { e } from '../core/errors';\nimport * as koffi from 'koffi';\nexport const a = [koffi];\nexport type E = typeof e;\n",
      'call/bind.ts': "export { a } from '../memory/array';\nimport '../core/errors';\nexport type T = import('../memory/array').E;\n",
      'index.ts':
        "export * from './call/bind';\nconst r = require('./core/errors');\nexport const lazy = () => import('./memory/array');\n",
    });
    expect(checkImports(dir).cycles).toEqual([]);
    const r = run(dir);
    expect(r).toEqual({ status: 0, stdout: 'check-imports: no import cycles among 4 files under src/\n', stderr: '' });
  });
});

describe('a tree with cycles', () => {
  it('fails on a cycle made only of type-only imports, and names the files, lines and import kinds', () => {
    const dir = tree('types-only', {
      'memory/owner.ts': "// owner\nimport type { Scope } from '../call/scope';\nexport interface Owner { scope: Scope }\n",
      'call/scope.ts': "import { type Owner } from '../memory/owner';\nexport interface Scope { owner: Owner }\n",
    });
    const { cycles } = checkImports(dir);
    expect(cycles).toHaveLength(1);
    expect(names(dir, cycles[0]!.files)).toEqual(['call/scope.ts', 'memory/owner.ts']);
    const r = run(dir);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      [
        'check-imports: 1 import cycle in src/ (type-only imports count):',
        '  cycle 1: 2 files import each other: src/call/scope.ts, src/memory/owner.ts',
        '    shortest loop:',
        '      src/call/scope.ts:1 imports src/memory/owner.ts (types only)',
        '      src/memory/owner.ts:2 imports src/call/scope.ts (types only)',
        '    every import among them (2):',
        '      src/call/scope.ts:1 imports src/memory/owner.ts (types only)',
        '      src/memory/owner.ts:2 imports src/call/scope.ts (types only)',
        'Break each cycle: move what the files share down to the lower layer, or pass it in as a parameter or hook.',
        '',
      ].join('\n'),
    );
  });

  it('follows re-exports, inline import() types, require(), import(), .js specifiers and folder index files', () => {
    const dir = tree('every-kind', {
      'a.ts': "export { b } from './b';\n",
      'b.ts': "export type C = import('./c').C;\nexport const b = 1;\n",
      'c.ts': "export type C = number;\nconst d = require('./d.js');\nexport const c = d;\n",
      'd.ts': "export const d = () => import('./e');\n",
      'e/index.ts': "import { b } from '../a';\nexport const e = b;\n",
    });
    const { cycles } = checkImports(dir);
    expect(cycles).toHaveLength(1);
    expect(names(dir, cycles[0]!.files)).toEqual(['a.ts', 'b.ts', 'c.ts', 'd.ts', 'e/index.ts']);
    expect(cycles[0]!.path.map((e) => [names(dir, [e.from])[0], e.typeOnly])).toEqual([
      ['a.ts', false],
      ['b.ts', true],
      ['c.ts', false],
      ['d.ts', false],
      ['e/index.ts', false],
    ]);
  });

  it('reports each separate cycle, with the shortest loop and every import that keeps its files together', () => {
    const dir = tree('two', {
      'x/one.ts': "import { two } from './two';\nimport { three } from './three';\nexport const one = [two, three];\n",
      'x/two.ts': "import { three } from './three';\nexport const two = three;\n",
      'x/three.ts': "import { one } from './one';\nexport const three = one;\n",
      'y/self.ts': "import * as self from './self';\nexport const s = self;\n",
      'y/free.ts': "import { s } from './self';\nexport const f = s;\n",
    });
    const { cycles } = checkImports(dir);
    expect(cycles.map((c) => names(dir, c.files))).toEqual([['x/one.ts', 'x/three.ts', 'x/two.ts'], ['y/self.ts']]);
    expect(cycles[0]!.path.map((e) => names(dir, [e.from, e.to]))).toEqual([
      ['x/one.ts', 'x/three.ts'],
      ['x/three.ts', 'x/one.ts'],
    ]);
    expect(cycles[0]!.edges).toHaveLength(4);
    const r = run(dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('check-imports: 2 import cycles in src/');
    expect(r.stderr).toContain('  cycle 2: src/y/self.ts imports itself');
    expect(r.stderr).not.toContain('free.ts');
  });
});

it('refuses a folder that does not exist, saying what it expected', () => {
  const r = run(path.join(work, 'missing'));
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(
    /^check-imports: expected a folder of TypeScript files, got ".*missing"\. Pass an existing folder, or nothing for ts\/\.\n$/,
  );
});
