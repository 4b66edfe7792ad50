// An app that requires ffikit, bundled into one file with esbuild and with webpack, run from another directory (the README recipe).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { build } from 'esbuild';
import webpack from 'webpack';

import { detectLibc } from '../ts/reference/libc';
import { prebuildTag } from '../ts/reference/prebuilds';
import { ROOT } from './helpers/child';

jest.setTimeout(300000);

const TAG = prebuildTag(process.platform, process.arch, detectLibc().family);
// koffi 3 ships its native module in one package per platform; the recipe keeps it outside the bundle.
const KOFFI_NATIVE = `@koromix/koffi-${process.platform}-${process.arch}`;

// What a user's app does: find the prebuilds next to the bundle, load the reference library, call it.
const APP = `
const path = require('node:path');
process.env.FFIKIT_PREBUILDS_DIR ??= path.join(__dirname, 'prebuilds');
const ffikit = require('ffikit');
const ref = ffikit.reference();
const lib = ffikit.load(ref.path);
const m = lib.bind({ process_1d: { fn: 'int process_1d(double *data, size_t len)', errcheck: ffikit.ReferenceErrorCodes } });
const data = new Float64Array([1, 2, 3]);
m.process_1d(data, data.length);
let error;
try { m.process_1d(null, 3); } catch (e) { error = e.code + ' ' + e.statusName; }
console.log(JSON.stringify({ path: ref.path, simd: ref.simdLevel, data: [...data], error }));
lib.close();
ref.close();
`;

let work: string;
let pkg: string;
let entry: string;

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'ffikit-bundlers-'));
  // The package as npm installs it: package.json, dist/ built from the current sources (into this
  // directory, not the repository's dist/, which other tests rebuild), prebuilds/, and its dependencies.
  pkg = path.join(work, 'app', 'node_modules', 'ffikit');
  fs.mkdirSync(pkg, { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(pkg, 'package.json'));
  fs.cpSync(path.join(ROOT, 'prebuilds'), path.join(pkg, 'prebuilds'), { recursive: true });
  const tsc = spawnSync(
    process.execPath,
    [require.resolve('typescript/bin/tsc'), '-p', path.join(ROOT, 'tsconfig.json'), '--outDir', path.join(pkg, 'dist')],
    { encoding: 'utf8', timeout: 240000 },
  );
  if (tsc.status !== 0) throw new Error(`tsc failed:\n${tsc.stdout}\n${tsc.stderr}`);
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(pkg, 'node_modules'), 'dir');
  entry = path.join(work, 'app', 'main.js');
  fs.writeFileSync(entry, APP);
});

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

/** Copies the bundle, ffikit's prebuilds and koffi's native package into a fresh directory: all the app needs. */
function deploy(bundle: string, name: string): string {
  const dir = path.join(work, 'deploy', name);
  fs.mkdirSync(path.join(dir, 'node_modules', '@koromix'), { recursive: true });
  fs.copyFileSync(bundle, path.join(dir, 'app.js'));
  fs.cpSync(path.join(pkg, 'prebuilds'), path.join(dir, 'prebuilds'), { recursive: true });
  const native = path.dirname(require.resolve(`${KOFFI_NATIVE}/package.json`, { paths: [ROOT] }));
  fs.cpSync(native, path.join(dir, 'node_modules', KOFFI_NATIVE), { recursive: true, dereference: true });
  return dir;
}

/** Runs the deployed app from yet another directory, seeing nothing of this repository. */
function runApp(dir: string): { path: string; simd: string; data: number[]; error: string } {
  const cwd = fs.mkdtempSync(path.join(work, 'cwd-'));
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_PATH;
  delete env.FFIKIT_LIBRARY_PATH;
  delete env.FFIKIT_PREBUILDS_DIR;
  const r = spawnSync(process.execPath, [path.join(dir, 'app.js')], { cwd, env, encoding: 'utf8', timeout: 30000 });
  if (r.status !== 0) throw new Error(`the bundled app failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(r.stdout) as { path: string; simd: string; data: number[]; error: string };
}

function expectWorks(dir: string): void {
  const out = runApp(dir);
  expect(out.path).toBe(path.join(dir, 'prebuilds', TAG, path.basename(out.path)));
  expect(out.data).toEqual([2, 4, 6]);
  expect(out.error).toBe('ERR_FFIKIT_NATIVE ERR_NULL_POINTER');
  expect(['scalar', 'sse2', 'avx2', 'avx512']).toContain(out.simd);
}

describe('bundlers', () => {
  it('esbuild: one file (koffi and ffikit inside), koffi native package external, prebuilds via FFIKIT_PREBUILDS_DIR', async () => {
    const outfile = path.join(work, 'esbuild', 'app.js');
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      target: 'node20',
      outfile,
      external: ['@koromix/*'],
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    const text = fs.readFileSync(outfile, 'utf8');
    // koffi's JavaScript and ffikit's were bundled, not left as requires.
    expect(text).not.toMatch(/require\("(koffi|ffikit)"\)/);
    expectWorks(deploy(outfile, 'esbuild'));
  });

  it('webpack: the same app and recipe (target node, __dirname kept, koffi native package external)', async () => {
    const out = path.join(work, 'webpack');
    const stats = await new Promise<webpack.Stats>((resolve, reject) => {
      webpack(
        {
          mode: 'production',
          target: 'node20',
          entry,
          output: { path: out, filename: 'app.js' },
          optimization: { minimize: false },
          // The app computes its prebuilds directory from __dirname: keep Node's, not webpack's mock.
          node: { __dirname: false, __filename: false },
          externals: [/^@koromix\/koffi-/],
          externalsType: 'commonjs',
          infrastructureLogging: { level: 'none' },
        },
        (err, s) => (err || !s ? reject(err ?? new Error('webpack gave no stats')) : resolve(s)),
      );
    });
    expect(stats.toJson({ all: false, errors: true }).errors ?? []).toEqual([]);
    const text = fs.readFileSync(path.join(out, 'app.js'), 'utf8');
    expect(text).not.toMatch(/require\("(koffi|ffikit)"\)/);
    expectWorks(deploy(path.join(out, 'app.js'), 'webpack'));
  });

  it('without FFIKIT_PREBUILDS_DIR the bundle does not find the prebuilds, and the error says what to set', async () => {
    const outfile = path.join(work, 'esbuild-plain', 'app.js');
    const plain = path.join(work, 'app', 'plain.js');
    fs.writeFileSync(plain, APP.replace("process.env.FFIKIT_PREBUILDS_DIR ??= path.join(__dirname, 'prebuilds');", ''));
    await build({
      entryPoints: [plain],
      bundle: true,
      platform: 'node',
      target: 'node20',
      outfile,
      external: ['@koromix/*'],
      logLevel: 'silent',
    });
    const dir = deploy(outfile, 'plain');
    const r = spawnSync(process.execPath, [path.join(dir, 'app.js')], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, FFIKIT_LIBRARY_PATH: '', FFIKIT_PREBUILDS_DIR: '' },
      timeout: 30000,
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('ERR_FFIKIT_LIBRARY_LOAD');
    expect(r.stderr).toContain('set FFIKIT_PREBUILDS_DIR to its absolute path');
  });
});
