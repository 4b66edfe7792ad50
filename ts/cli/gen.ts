// `ffikit gen`: typed bindings from a C header; `--verify` checks layouts, `--check` checks a library's symbols.

import * as fs from 'node:fs';
import * as path from 'node:path';

import type { Command } from 'commander';

import { genError } from '../gen/errors';
import { parsePrototype } from '../declare/prototype';
import { generate, verifyLayouts, writeAtomically } from '../gen/index';
import { EXIT, err, out, type GlobalOptions } from './common';
import { suggestSymbols } from './fuzzy';
import { inspectLibrary } from './inspect';

interface GenFlags extends GlobalOptions {
  lib?: string;
  output?: string;
  include: string[];
  define: string[];
  prefix: string[];
  report?: boolean;
  verify?: boolean;
  check?: string;
  cpp?: boolean;
  annotate?: string;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** The C symbols a generated module binds, read back from its prototype strings. */
export function boundSymbols(source: string): string[] {
  const symbols = new Set<string>();
  for (const line of source.split('\n')) {
    const m = /^\s+(?:readonly )?[A-Za-z_$][\w$]*: '(.*\))'[,;]$/.exec(line);
    if (m?.[1]) symbols.add(parsePrototype(m[1].replace(/\\'/g, "'"), 'ffikit gen --check').name);
  }
  return [...symbols].sort();
}

/** `--check <out> --lib <library>`: every bound symbol must be exported. Returns the exit code. */
function check(file: string, lib: string | undefined): number {
  if (lib === undefined) throw genError('symbols', 'ffikit gen --check', 'a --lib <library> to check against', 'no --lib', 'Add --lib');
  if (!fs.existsSync(file))
    throw genError(
      'symbols',
      'ffikit gen --check',
      'a generated module',
      `'${file}' (no such file)`,
      'Generate it first with ffikit gen -o',
    );
  const symbols = boundSymbols(fs.readFileSync(file, 'utf8'));
  const report = inspectLibrary(lib);
  const exported = new Set((report.exports ?? []).map((s) => s.name));
  const names = [...exported];
  const missing = symbols.filter((s) => !exported.has(s));
  if (missing.length === 0) {
    out(`ffikit gen --check: all ${symbols.length} functions bound by ${file} are exported by ${report.path}.`);
    return EXIT.OK;
  }
  err(`ffikit gen --check: ${missing.length} of ${symbols.length} functions bound by ${file} are not exported by ${report.path}:`);
  for (const name of missing) {
    const near = suggestSymbols(name, names, 3);
    err(`  ${name}${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}`);
  }
  return EXIT.FAILURE;
}

async function run(header: string | undefined, flags: GenFlags): Promise<number> {
  if (flags.check !== undefined) return check(flags.check, flags.lib);
  if (header === undefined)
    throw genError('header', 'ffikit gen', 'a C header argument', 'none', "Run 'ffikit gen <header.h>' (or --check <out> --lib <library>)");
  const format = flags.output?.endsWith('.js') || flags.output?.endsWith('.cjs') ? 'js' : 'ts';
  const result = await generate(header, {
    ...(flags.lib !== undefined ? { lib: flags.lib } : {}),
    format,
    includeDirs: flags.include,
    defines: flags.define,
    prefixes: flags.prefix,
    ...(flags.cpp === false ? { compiler: false as const } : {}),
    ...(flags.annotate !== undefined ? { annotate: flags.annotate } : {}),
  });
  if (flags.verify) {
    const v = verifyLayouts(header, result.typeCode, result.structs, { includeDirs: flags.include, defines: flags.define });
    err(`ffikit gen --verify: ${v.structs} structs, ${v.fields} fields match the C compiler's layout.`);
  }
  if (flags.output !== undefined) {
    const files: Array<[string, string]> = [[flags.output, result.source]];
    if (result.declarations !== undefined) files.push([flags.output.replace(/\.c?js$/, '.d.ts'), result.declarations]);
    writeAtomically(files);
  } else if (!flags.report) {
    process.stdout.write(result.source);
  }
  if (flags.report) out(JSON.stringify(result.report, null, 2));
  const f = result.report.functions;
  err(
    `ffikit gen: ${path.basename(header)}: ${f.bound} of ${f.exported ?? f.declared} functions bound, ${result.report.constants} constants, ${result.report.types} types, ${result.report.skipped.length} skipped (listed at the top of the output).`,
  );
  return EXIT.OK;
}

/** Registers `ffikit gen`; `runAsync` turns a thrown error into one message and exit 1. */
export function registerGen(program: Command, runAsync: (fn: () => Promise<number>) => Promise<void>): void {
  program
    .command('gen')
    .description('generate typed bindings from a C header (or check them against a library)')
    .argument('[header]', 'the C header, e.g. /usr/include/zlib.h')
    .option('--lib <library>', 'the library load() opens by default; functions it does not export are skipped')
    .option('-o, --output <file>', 'write TypeScript (.ts) or CommonJS plus .d.ts (.js) instead of printing')
    .option('-I, --include <dir>', 'add an include directory (repeatable)', collect, [])
    .option('-D, --define <name[=value]>', 'define a macro for the preprocessor (repeatable)', collect, [])
    .option('--prefix <p>', 'only declarations whose names start with p, from any included header (repeatable)', collect, [])
    .option('--annotate <file>', 'a JSON file adding out/inout params, disposes, array contracts and errcheck per function')
    .option('--report', 'print the report (bound, skipped with reasons, suggestions) as JSON')
    .option('--verify', "compare every struct's sizeof, alignof and offsetof with the C compiler's")
    .option('--check <out>', 'check that every function bound by a generated module is exported by --lib')
    .option('--no-cpp', 'parse the header as is, without the C preprocessor')
    .action((header: string | undefined, flags: GenFlags) => runAsync(() => run(header, flags)));
}
