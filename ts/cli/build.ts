// `ffikit build`: builds the reference library from the shipped C++ sources (cmake-js, or CMake directly).

import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import type { Command } from 'commander';

import { libraryFileName, PACKAGE_ROOT, referenceCandidates } from '../reference/prebuilds';
import { EXIT, err, formatSize, out, type GlobalOptions } from './common';

const PREREQUISITES = [
  'The reference library is built from the C++ sources shipped in this package (cpp/, CMakeLists.txt). That needs:',
  '  - CMake 3.15 or newer on PATH (apt-get install cmake / dnf install cmake / brew install cmake / winget install Kitware.CMake)',
  '  - a C++17 compiler: g++ 8+ or clang++ 7+ (apt-get install g++ / xcode-select --install),',
  '    or Visual Studio 2019+ with "Desktop development with C++" on Windows',
];

interface BuildOptions extends GlobalOptions {
  out?: string;
  debug?: boolean;
  cmakeJs?: boolean;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): SpawnSyncReturns<Buffer> {
  out(`$ ${[cmd, ...args].map((a) => (/[\s"']/.test(a) ? JSON.stringify(a) : a)).join(' ')}`);
  return spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], env });
}

/** Whether `cmd --version` runs. */
function hasTool(cmd: string): boolean {
  const r = spawnSync(cmd, ['--version'], { stdio: 'ignore', shell: false });
  return r.error === undefined && r.status === 0;
}

function missingPrerequisites(): string[] {
  const missing: string[] = [];
  if (!hasTool('cmake')) missing.push('cmake was not found on PATH');
  // CMake finds MSVC itself on Windows; elsewhere a compiler on PATH (or $CXX) is what it will use.
  if (process.platform !== 'win32') {
    const cxx = process.env.CXX ? [process.env.CXX] : ['c++', 'g++', 'clang++'];
    if (!cxx.some(hasTool)) missing.push(`no C++ compiler was found (${cxx.join(', ')})`);
  }
  return missing;
}

function cmakeJsBin(): string | undefined {
  try {
    return require.resolve('cmake-js/bin/cmake-js', { paths: [PACKAGE_ROOT] });
  } catch {
    return undefined;
  }
}

function writableDir(dir: string): boolean {
  let d = path.resolve(dir);
  while (!fs.existsSync(d)) {
    const parent = path.dirname(d);
    if (parent === d) return false;
    d = parent;
  }
  try {
    fs.accessSync(d, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Runs the build; returns the exit code. */
export function buildReference(opts: BuildOptions): number {
  const config = opts.debug ? 'Debug' : 'Release';
  const outDir = path.resolve(opts.out ?? path.join(PACKAGE_ROOT, 'build'));
  const file = libraryFileName();
  if (!fs.existsSync(path.join(PACKAGE_ROOT, 'CMakeLists.txt')) || !fs.existsSync(path.join(PACKAGE_ROOT, 'cpp'))) {
    err(`ffikit build: the C++ sources are missing from ${PACKAGE_ROOT} (expected CMakeLists.txt and cpp/); reinstall ffikit.`);
    return EXIT.FAILURE;
  }
  if (!writableDir(outDir)) {
    err(`ffikit build: cannot write to ${outDir}.`);
    err('Possible solutions:');
    err('- Build somewhere writable: ffikit build --out <dir>, then set FFIKIT_LIBRARY_PATH to the library it prints.');
    return EXIT.FAILURE;
  }
  const missing = missingPrerequisites();
  if (missing.length) {
    err(`ffikit build: cannot build: ${missing.join('; ')}.`);
    for (const line of PREREQUISITES) err(line);
    return EXIT.FAILURE;
  }

  const env = { ...process.env };
  env.CMAKE_BUILD_PARALLEL_LEVEL ??= String(os.availableParallelism());
  const started = Date.now();
  const cmakeJs = opts.cmakeJs === false ? undefined : cmakeJsBin();
  let steps: Array<[string, string[]]>;
  if (cmakeJs) {
    out(`ffikit build: building ${file} (${config}) with cmake-js from ${PACKAGE_ROOT} into ${outDir}`);
    steps = [
      [
        process.execPath,
        [
          cmakeJs,
          'compile',
          '--directory',
          PACKAGE_ROOT,
          '--out',
          outDir,
          ...(opts.debug ? ['--debug'] : []),
          ...(opts.verbose ? ['--log-level', 'verbose'] : []),
        ],
      ],
    ];
  } else {
    // What cmake-js would pass: the build type and an output directory per configuration. The
    // per-config variables stop multi-config generators (Visual Studio) from adding another level.
    const dest = path.join(outDir, config);
    const outputs = ['LIBRARY', 'RUNTIME', 'ARCHIVE'].flatMap((kind) => [
      `-DCMAKE_${kind}_OUTPUT_DIRECTORY=${dest}`,
      `-DCMAKE_${kind}_OUTPUT_DIRECTORY_${config.toUpperCase()}=${dest}`,
    ]);
    out(`ffikit build: building ${file} (${config}) with CMake from ${PACKAGE_ROOT} into ${outDir}`);
    steps = [
      ['cmake', ['-S', PACKAGE_ROOT, '-B', outDir, `-DCMAKE_BUILD_TYPE=${config}`, ...outputs]],
      ['cmake', ['--build', outDir, '--config', config, ...(opts.verbose ? ['--verbose'] : [])]],
    ];
  }
  for (const [i, [cmd, args]] of steps.entries()) {
    out(`ffikit build: step ${i + 1}/${steps.length}`);
    const r = run(cmd, args, env);
    if (r.error !== undefined || r.status !== 0) {
      const why = r.error ? r.error.message : r.signal ? `killed by ${r.signal}` : `exit code ${r.status}`;
      err(`ffikit build: the native build failed (${why}); the compiler or CMake output above says why.`);
      for (const line of PREREQUISITES) err(line);
      err(
        `Rerun with --verbose for the full compiler commands, or build by hand: cmake -S ${PACKAGE_ROOT} -B <dir> && cmake --build <dir>.`,
      );
      return EXIT.FAILURE;
    }
  }
  const built = path.join(outDir, config, file);
  if (!fs.existsSync(built)) {
    err(`ffikit build: the build succeeded but ${built} is not there; look for ${file} under ${outDir}.`);
    return EXIT.FAILURE;
  }
  out(`ffikit build: built ${built} (${formatSize(fs.statSync(built).size)}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const chosen = referenceCandidates().find((c) => c.chosen);
  if (chosen && path.resolve(chosen.path) === built) {
    out('ffikit.reference() loads it from now on.');
  } else {
    out(
      `ffikit.reference() loads ${chosen ? `${chosen.path} (${chosen.source}) first` : 'another candidate'}; ` +
        `to use this build set FFIKIT_LIBRARY_PATH=${built} or pass { path } to ffikit.reference().`,
    );
  }
  return EXIT.OK;
}

/** Registers `ffikit build`. */
export function registerBuild(program: Command, runner: (fn: () => number) => void): void {
  program
    .command('build')
    .description('build the reference library from the shipped C++ sources (needs CMake and a C++17 compiler)')
    .option('--out <dir>', 'build directory (default: build/ inside the ffikit package)')
    .option('--debug', 'Debug instead of Release')
    .option('--no-cmake-js', 'drive CMake directly even when cmake-js is installed')
    .action((opts: BuildOptions, cmd: Command) => runner(() => buildReference({ ...cmd.optsWithGlobals<GlobalOptions>(), ...opts })));
}
