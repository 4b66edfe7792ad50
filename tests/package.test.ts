// The npm package as a user gets it: pack, install the tarball into a scratch project, use it via require, import, types and the CLI;
// and a directory install of this checkout.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { detectLibc, libraryFileName, prebuildTag, referenceCandidates } from '../ts/reference/prebuilds';
import { ROOT } from './helpers/child';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { pack, checkFiles } = require('../scripts/pack-check.js') as {
  pack(dest: string): { tarball: string; files: string[] };
  checkFiles(files: string[]): string[];
};

jest.setTimeout(90000);

const TAG = prebuildTag(process.platform, process.arch, detectLibc().family);
let work: string;
let proj: string;
let tarball: string;
let files: string[];
let dirApp: string;

function run(
  cmd: string,
  args: string[],
  cwd: string,
  extra: { env?: NodeJS.ProcessEnv; timeout?: number } = {},
): SpawnSyncReturns<string> {
  const env: NodeJS.ProcessEnv = { ...process.env, FFIKIT_LIBRARY_PATH: '', FFIKIT_FORCE_ISA: '', ...extra.env };
  // The scratch project must see only what it installed, not this repository's node_modules.
  delete env.NODE_PATH;
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env, timeout: extra.timeout ?? 60000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

beforeAll(() => {
  // The committed prebuild must be a build of the committed sources, or consumers would not get it.
  const host = referenceCandidates({ env: {} }).find((c) => c.source === 'prebuild' && c.tag === TAG);
  if (host?.skipped !== undefined)
    throw new Error(`prebuilds/${TAG} is not usable (${host.skipped}); run \`npm run prebuilds\` and commit it.`);
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'ffikit-package-'));
  // An app that installed this checkout as a directory (a symlink), before dist/ is rebuilt below: the
  // bin must survive the rebuild. --ignore-scripts: `prepare` (npm run build) would rebuild the native
  // library too, while other test files use it.
  dirApp = path.join(work, 'dir-app');
  fs.mkdirSync(dirApp);
  fs.writeFileSync(path.join(dirApp, 'package.json'), JSON.stringify({ name: 'dir-app', version: '1.0.0', private: true }));
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--no-package-lock', '--ignore-scripts', ROOT], dirApp);
  // dist/ is what ships, so build it from the current sources before packing.
  run(process.execPath, [path.join(ROOT, 'scripts', 'build-ts.js')], ROOT);
  ({ tarball, files } = pack(work));
  proj = path.join(work, 'proj');
  fs.mkdirSync(proj);
  fs.writeFileSync(path.join(proj, 'package.json'), JSON.stringify({ name: 'scratch', version: '1.0.0', private: true }));
  // Offline apart from the registry (koffi and commander); --prefer-offline uses npm's cache first.
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--no-package-lock', tarball], proj, { timeout: 80000 });
});

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('npm pack', () => {
  it('ships dist/, prebuilds/, the C++ sources and CMakeLists.txt, README, LICENSE, CHANGELOG, and no tests', () => {
    expect(checkFiles(files)).toEqual([]);
    expect(files.some((f) => f.startsWith('tests/'))).toBe(false);
    expect(files).toEqual(expect.arrayContaining(['cpp/src/dispatch.cpp', `prebuilds/${TAG}/${libraryFileName()}`]));
  });
});

describe('the installed package', () => {
  const installed = (): string => path.join(proj, 'node_modules', 'ffikit');

  it('works through require(), with the prebuild from node_modules/ffikit/prebuilds picked', () => {
    const code = `const f = require('ffikit');
      const r = f.reference();
      const d = new Float64Array([1, 2, 3]);
      r.process1d(d);
      console.log(JSON.stringify({ path: r.path, data: [...d], chosen: f.referenceCandidates().find((c) => c.chosen) }));`;
    const out = JSON.parse(run(process.execPath, ['-e', code], proj).stdout);
    expect(out.path).toBe(path.join(fs.realpathSync(installed()), 'prebuilds', TAG, libraryFileName()));
    expect(out.data).toEqual([2, 4, 6]);
    expect(out.chosen).toMatchObject({ source: 'prebuild', tag: TAG });
  });

  it('works through import, sharing one instance with require()', () => {
    const code = `import * as f from 'ffikit';
      import { reference, LibraryLoadError } from 'ffikit';
      import { createRequire } from 'node:module';
      const cjs = createRequire(import.meta.url)('ffikit');
      const r = reference();
      console.log(JSON.stringify({ path: r.path, same: cjs.reference === f.reference && cjs.LibraryLoadError === LibraryLoadError }));`;
    const out = JSON.parse(run(process.execPath, ['--input-type=module', '-e', code], proj).stdout);
    expect(out.path).toContain(path.join('node_modules', 'ffikit', 'prebuilds', TAG));
    expect(out.same).toBe(true);
  });

  it('type-checks from a .ts (CommonJS) and a .mts (ESM) file importing ffikit', () => {
    fs.writeFileSync(
      path.join(proj, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'node16',
          moduleResolution: 'node16',
          target: 'ES2022',
          lib: ['ES2023', 'ESNext.Disposable'],
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: ['node'],
          typeRoots: [path.join(ROOT, 'node_modules', '@types')],
        },
        files: ['use.ts', 'use.mts'],
      }),
    );
    fs.writeFileSync(
      path.join(proj, 'use.ts'),
      `import * as ffikit from 'ffikit';
const ref: ffikit.ReferenceLibrary = ffikit.reference();
const abi: number = ref.abiVersion;
const lib = ffikit.load('libm.so.6');
const m = lib.bind({ cos: 'double cos(double x)' });
const one: number = m.cos(0);
// @ts-expect-error the prototype says double, not string
m.cos('0');
export { abi, one };
`,
    );
    fs.writeFileSync(
      path.join(proj, 'use.mts'),
      `import { reference, LibraryLoadError, type SimdLevel } from 'ffikit';
const level: SimdLevel = reference().simdLevel;
const isError: boolean = new Error() instanceof LibraryLoadError;
export { level, isError };
`,
    );
    const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = spawnSync(process.execPath, [tsc, '-p', proj], { cwd: proj, encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('`ffikit build` builds the shipped C++ sources without cmake-js (plain CMake), and the result loads', () => {
    const bin = path.join(proj, 'node_modules', '.bin', 'ffikit');
    const out = path.join(work, 'consumer-build');
    // One compiler process: the other jest worker may be running timing-sensitive tests.
    const r = run(bin, ['build', '--out', out], proj, { env: { CMAKE_BUILD_PARALLEL_LEVEL: '1' }, timeout: 80000 });
    expect(r.stdout).toContain('with CMake from');
    const built = path.join(out, 'Release', libraryFileName());
    const loaded = run(process.execPath, ['-e', "console.log(require('ffikit').reference().abiVersion)"], proj, {
      env: { FFIKIT_LIBRARY_PATH: built },
    });
    expect(loaded.stdout.trim()).toMatch(/^\d+$/);
  });

  it('installs the ffikit command: doctor picks the prebuild with a good digest', () => {
    const bin = path.join(proj, 'node_modules', '.bin', 'ffikit');
    const report = JSON.parse(run(bin, ['doctor', '--json'], proj).stdout);
    const chosen = report.candidates.find((c: { chosen: boolean }) => c.chosen);
    expect(chosen).toMatchObject({ source: 'prebuild', tag: TAG, integrity: 'ok' });
    expect(report.reference.loaded).toBe(true);
    expect(run(bin, ['--version'], proj).stdout.trim()).toBe(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version);
  });
});

describe('a directory install (npm install <checkout>)', () => {
  it('links the checkout, and `npx ffikit doctor` still runs after dist/ was rebuilt (regression: Permission denied)', () => {
    expect(fs.realpathSync(path.join(dirApp, 'node_modules', 'ffikit'))).toBe(fs.realpathSync(ROOT));
    // npm set the run bit when it linked the bin; beforeAll rebuilt dist/ after that, so the build must set it.
    const cli = path.join(ROOT, 'dist', 'cli.js');
    expect(fs.statSync(cli).mode & 0o111).toBe(0o111);
    expect(fs.readFileSync(cli, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    const report = JSON.parse(run('npx', ['--no', 'ffikit', 'doctor', '--json'], dirApp).stdout);
    expect(report.reference.loaded).toBe(true);
  });
});
