// Runs the system C preprocessor over a header (macros kept with -dD) and maps rows to files and lines.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { genError } from './errors';

/** What the parser reads: preprocessed text plus, per row, the file that row came from. */
export interface PreprocessedSource {
  readonly text: string;
  /**
   * The `#define`/`#undef` lines, blanked out of `text` and kept here on their own rows (other rows
   * empty): macro lines inside declarations (enum bodies in glibc headers) would break the C grammar.
   */
  readonly directives: string;
  /** Source file per 0-based row of `text` and `directives`. */
  readonly rowFile: readonly string[];
  /** 1-based line in that file per row. */
  readonly rowLine: readonly number[];
  /** The compiler used, or undefined when the header was read as is (no compiler). */
  readonly compiler: string | undefined;
}

/** Options that reach the preprocessor. */
export interface PreprocessOptions {
  readonly includeDirs: readonly string[];
  readonly defines: readonly string[];
  /** The C compiler driver; default `$CC` or `cc`. `false` reads the header without preprocessing. */
  readonly compiler?: string | false;
}

/** The compiler gen uses when none is given. */
export function defaultCompiler(): string {
  return process.env.CC !== undefined && process.env.CC !== '' ? process.env.CC : 'cc';
}

/**
 * Preprocesses `header`. Without a compiler (none installed, or `compiler: false`) the header is read as is:
 * declarations not hidden behind macros still parse, the rest is reported as skipped.
 * @throws {GenError} for a missing header or -I directory, or a header the preprocessor rejects.
 */
export function preprocess(header: string, options: PreprocessOptions): PreprocessedSource {
  const file = path.resolve(header);
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
    throw genError(
      'header',
      'ffikit gen',
      'a readable C header file',
      `'${header}' (no such file)`,
      'Check the path, or pass -I for headers found by include path',
    );
  }
  for (const dir of options.includeDirs) {
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
      throw genError('include-path', 'ffikit gen -I', 'an existing directory', `'${dir}' (no such directory)`, 'Fix or drop the -I option');
    }
  }
  const compiler = options.compiler === undefined ? defaultCompiler() : options.compiler;
  if (compiler === false) return rawSource(file);
  const args = ['-E', '-dD', '-x', 'c', '-std=gnu11'];
  for (const dir of options.includeDirs) args.push('-I', path.resolve(dir));
  for (const def of options.defines) args.push(`-D${def}`);
  args.push(file);
  const run = spawnSync(compiler, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (run.error && (run.error as NodeJS.ErrnoException).code === 'ENOENT') return rawSource(file);
  if (run.error)
    throw genError(
      'preprocess',
      `ffikit gen ${header}`,
      `the C preprocessor '${compiler}' to run`,
      run.error.message,
      'Check the CC environment variable',
    );
  if (run.status !== 0) {
    const first = run.stderr
      .split('\n')
      .filter((l) => l.trim() !== '')
      .slice(0, 4)
      .join(' | ');
    throw genError(
      'preprocess',
      `ffikit gen ${header}`,
      'a header the C preprocessor accepts',
      first || `exit status ${String(run.status)}`,
      'Pass the -I and -D options the header needs',
    );
  }
  return { ...splitLineMarkers(run.stdout, file), compiler };
}

function rawSource(file: string): PreprocessedSource {
  const text = fs.readFileSync(file, 'utf8');
  const lines = text.split('\n');
  return { ...splitDirectives(lines), rowFile: lines.map(() => file), rowLine: lines.map((_, i) => i + 1), compiler: undefined };
}

/**
 * Blanks the preprocessor's line markers (`# 12 "file" 1`), keeping rows aligned, and records the file
 * each row came from. Markers follow a fixed format documented by GCC and Clang.
 */
function splitLineMarkers(output: string, mainFile: string): { text: string; directives: string; rowFile: string[]; rowLine: number[] } {
  const lines = output.split('\n');
  const rowFile: string[] = [];
  const rowLine: number[] = [];
  let current = mainFile;
  let next = 1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.startsWith('# ') && /^# \d+ "/.test(line)) {
      const end = line.lastIndexOf('"');
      current = JSON.parse(line.slice(line.indexOf('"'), end + 1)) as string;
      next = Number(line.slice(2, line.indexOf(' ', 2)));
      lines[i] = '';
      rowFile.push(current);
      rowLine.push(0);
      continue;
    }
    rowFile.push(current);
    rowLine.push(next++);
  }
  return { ...splitDirectives(lines), rowFile, rowLine };
}

function splitDirectives(lines: string[]): { text: string; directives: string } {
  const directives = lines.map((line) => (/^\s*#\s*(define|undef)\b/.test(line) ? line.trimEnd() : ''));
  const text = lines.map((line, i) => (directives[i] === '' ? line : ''));
  return { text: text.join('\n'), directives: directives.join('\n') };
}
