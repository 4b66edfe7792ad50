// The layer order of ts/ as `npm run lint` enforces it: eslint.config.mjs run on snippets placed in each layer.
import { spawnSync } from 'node:child_process';

import { ROOT } from './helpers/child';

interface Snippet {
  file: string;
  code: string;
}

interface Finding {
  ruleId: string | null;
  message: string;
}

// ESLint loads eslint.config.mjs with import(), which jest's module runtime does not support, so the
// snippets are linted in one child Node process with ESLint's Node API, as `eslint .` would.
function lint(snippets: Snippet[]): Finding[][] {
  const code = `
    const { ESLint } = require('eslint');
    const path = require('node:path');
    (async () => {
      const eslint = new ESLint({ cwd: process.cwd() });
      const snippets = JSON.parse(process.env.SNIPPETS);
      const out = [];
      for (const s of snippets) {
        const [result] = await eslint.lintText(s.code, { filePath: path.join(process.cwd(), s.file) });
        out.push(result.messages.map((m) => ({ ruleId: m.ruleId, message: m.message })));
      }
      process.stdout.write(JSON.stringify(out));
    })().catch((e) => { console.error(e); process.exit(1); });`;
  const r = spawnSync(process.execPath, ['-e', code], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60000,
    env: { ...process.env, SNIPPETS: JSON.stringify(snippets) },
  });
  if (r.status !== 0) throw new Error(`eslint child failed (${r.status ?? r.signal}):\n${r.stderr}`);
  return JSON.parse(r.stdout) as Finding[][];
}

const CASES = {
  memoryImportsCallTypes: { file: 'ts/memory/x.ts', code: "import type { BindSpec } from '../call/infer';\nexport type X = BindSpec;\n" },
  memoryImportsCallbacks: { file: 'ts/memory/x.ts', code: "export { RegisteredCallback } from '../callbacks/registered';\n" },
  callbacksImportsMemory: { file: 'ts/callbacks/x.ts', code: "import { NDArray } from '../memory/ndarray';\nexport const x = NDArray;\n" },
  callImportsLibrary: { file: 'ts/call/x.ts', code: "import { Library } from '../library/library';\nexport const x = Library;\n" },
  callImportsMemory: { file: 'ts/call/x.ts', code: "import { NDArray } from '../memory/ndarray';\nexport const x = NDArray;\n" },
  referenceImportsExecutors: {
    file: 'ts/reference/x.ts',
    code: "import { ThreadPoolExecutor } from '../executors/thread-pool';\nexport const x = ThreadPoolExecutor;\n",
  },
  executorsImportsReference: {
    file: 'ts/executors/x.ts',
    code: "import { reference } from '../reference/reference';\nexport const x = reference;\n",
  },
  binfmtImportsIndex: { file: 'ts/native/binfmt/x.ts', code: "import { load } from '../../index';\nexport const x = load;\n" },
  indexImportsCli: { file: 'ts/index.ts', code: "export { EXIT } from './cli/common';\n" },
  cliImportsAnything: {
    file: 'ts/cli/x.ts',
    code: "import { load } from '../index';\nimport { EXIT } from './common';\nexport const x = [load, EXIT];\n",
  },
  coreImportsCore: { file: 'ts/core/x.ts', code: "import { debug } from './debug';\nexport const x = debug;\n" },
  koffiOutsideNative: { file: 'ts/memory/x.ts', code: "import * as koffi from 'koffi';\nexport const x = koffi;\n" },
  koffiInNative: { file: 'ts/native/x.ts', code: "import * as koffi from 'koffi';\nexport const x = koffi;\n" },
  inlineImportType: { file: 'ts/declare/x.ts', code: "export type X = import('../core/errors').FfikitError;\n" },
  unresolved: { file: 'ts/declare/x.ts', code: "import { y } from './no-such-file';\nexport const x = y;\n" },
} satisfies Record<string, Snippet>;

type CaseName = keyof typeof CASES;
let findings: Record<CaseName, Finding[]>;

beforeAll(() => {
  const names = Object.keys(CASES) as CaseName[];
  const results = lint(names.map((n) => CASES[n]));
  findings = Object.fromEntries(names.map((n, i) => [n, results[i]])) as Record<CaseName, Finding[]>;
});

const rules = (name: CaseName): (string | null)[] => findings[name].map((f) => f.ruleId);
const messages = (name: CaseName): string => findings[name].map((f) => f.message).join('\n');

describe('import-x/no-restricted-paths: the layer order', () => {
  it('refuses an upward import, type-only ones included, naming both layers and the order', () => {
    expect(rules('memoryImportsCallTypes')).toEqual(['import-x/no-restricted-paths']);
    expect(messages('memoryImportsCallTypes')).toContain(
      'ts/memory may not import ts/call: memory is below call (core < native < declare < memory = callbacks < call < library < reference < executors = gen < cli).',
    );
    expect(messages('memoryImportsCallTypes')).toContain('pass it in as a parameter or hook');
    expect(messages('callImportsLibrary')).toContain('ts/call may not import ts/library: call is below library');
    expect(messages('referenceImportsExecutors')).toContain('ts/reference may not import ts/executors: reference is below executors');
  });

  it('refuses imports between the two peers memory and callbacks, re-exports included', () => {
    expect(messages('memoryImportsCallbacks')).toContain(
      'ts/memory may not import ts/callbacks: memory and callbacks are peers on one layer',
    );
    expect(messages('callbacksImportsMemory')).toContain(
      'ts/callbacks may not import ts/memory: callbacks and memory are peers on one layer',
    );
  });

  it('keeps ts/index.ts above every layer but cli, and cli above ts/index.ts', () => {
    expect(messages('binfmtImportsIndex')).toContain(
      'ts/native may not import ts/index.ts: the public entry sits above every layer but cli.',
    );
    expect(messages('indexImportsCli')).toContain('ts/index.ts may not import ts/cli: the command line sits above the public entry');
  });

  it('allows imports downward and within a folder', () => {
    expect(findings.callImportsMemory).toEqual([]);
    expect(findings.executorsImportsReference).toEqual([]);
    expect(findings.cliImportsAnything).toEqual([]);
    expect(findings.coreImportsCore).toEqual([]);
  });
});

describe('the rules that keep the layer check honest', () => {
  it('allows koffi only under ts/native/', () => {
    expect(findings.koffiOutsideNative).toEqual([
      { ruleId: 'no-restricted-imports', message: expect.stringContaining('Only ts/native/ may import koffi.') },
    ]);
    expect(findings.koffiInNative).toEqual([]);
  });

  it('refuses inline import() types, which the layer rule cannot see', () => {
    expect(rules('inlineImportType')).toEqual(['no-restricted-syntax']);
    expect(messages('inlineImportType')).toContain("write `import type { X } from '...'` instead of an inline import('...') type");
  });

  it('refuses an import it cannot resolve, which would slip past the layer rule', () => {
    expect(findings.unresolved).toEqual([
      { ruleId: 'import-x/no-unresolved', message: "Unable to resolve path to module './no-such-file'." },
    ]);
  });
});
