// `ffikit inspect <lib>`: format, architecture, exported symbols and needed libraries, read from the file itself (ELF, PE, Mach-O).

import * as fs from 'node:fs';

import type { Command } from 'commander';

import { archMatches, readBinaryHeader, type BinaryHeader } from '../native/binfmt/binary-header';
import { readElfDynamic, requiredGlibc } from '../native/binfmt/elf-symbols';
import { readMachO } from '../native/binfmt/macho-symbols';
import { readPeExports } from '../native/binfmt/pe-exports';
import { resolveLibraryPath } from '../native/loader';
import { EXIT, field, formatSize, out, type GlobalOptions } from './common';
import { mangledMatches, suggestSymbols } from './fuzzy';

/** One exported symbol, whatever the format. */
export interface InspectSymbol {
  readonly name: string;
  readonly type: string;
  /** ELF symbol version, shown as `name@@VERSION` (default) or `name@VERSION`. */
  readonly version?: string;
  readonly defaultVersion?: boolean;
  readonly forwarder?: string;
}

/** What `ffikit inspect --json` prints. */
export interface InspectReport {
  readonly path: string;
  readonly size: number;
  readonly format: string;
  readonly description: string;
  readonly arch?: string;
  readonly loadableHere: boolean;
  readonly soname?: string;
  readonly needed: string[];
  readonly runpath?: string[];
  /** glibc builds: the newest GLIBC_x.y version needed. */
  readonly glibc?: string;
  /** Mach-O: the platform and oldest OS version that loads it (`macos 11.0`). */
  readonly minOs?: string;
  readonly exports?: InspectSymbol[];
  readonly imports?: number;
  /** Why symbols could not be listed (unknown formats). */
  readonly symbolsUnavailable?: string;
}

/** Reads everything `inspect` shows about one file. */
export function inspectLibrary(request: string): InspectReport {
  const file = resolveLibraryPath(request);
  const header: BinaryHeader = readBinaryHeader(file);
  const { size } = fs.statSync(file);
  const base = {
    path: file,
    size,
    format: header.format,
    description: header.description,
    ...(header.arch !== undefined ? { arch: header.arch } : header.archs ? { arch: header.archs.join(', ') } : {}),
    loadableHere: archMatches(header, process.arch),
  };
  if (header.format === 'elf') {
    const elf = readElfDynamic(file);
    const glibc = requiredGlibc(elf);
    return {
      ...base,
      ...(elf.soname !== undefined ? { soname: elf.soname } : {}),
      needed: elf.needed,
      runpath: elf.runpath,
      ...(glibc !== undefined ? { glibc } : {}),
      exports: elf.exports.map((s) => ({
        name: s.name,
        type: s.type,
        ...(s.version !== undefined ? { version: s.version, defaultVersion: s.defaultVersion as boolean } : {}),
      })),
      imports: elf.imports.length,
    };
  }
  if (header.format === 'pe') {
    const pe = readPeExports(file);
    return {
      ...base,
      ...(pe.dllName !== undefined ? { soname: pe.dllName } : {}),
      needed: [...pe.imports, ...pe.delayImports.map((d) => `${d} (delay-loaded)`)],
      exports: pe.exports.map((s) => ({ name: s.name, type: s.type, ...(s.forwarder ? { forwarder: s.forwarder } : {}) })),
    };
  }
  if (header.format === 'macho' || header.format === 'macho-fat') {
    // A universal file: the slice this Node would load, else the first (readMachO's rule).
    const macho = readMachO(file);
    return {
      ...base,
      ...(macho.slices ? { arch: `${macho.arch} (slices: ${macho.slices.join(', ')})` } : {}),
      ...(macho.installName !== undefined ? { soname: macho.installName } : {}),
      needed: macho.needed,
      ...(macho.rpaths.length ? { runpath: macho.rpaths } : {}),
      ...(macho.minOs !== undefined ? { minOs: `${macho.platform ?? 'unknown platform'} ${macho.minOs}` } : {}),
      exports: macho.exports.map((s) => ({ name: s.name, type: s.type, ...(s.forwarder ? { forwarder: s.forwarder } : {}) })),
      imports: macho.imports,
    };
  }
  return { ...base, needed: [], symbolsUnavailable: 'not a shared library this tool can read' };
}

function symbolLabel(s: InspectSymbol): string {
  const version = s.version ? `${s.defaultVersion === false ? '@' : '@@'}${s.version}` : '';
  return `${s.name}${version}`;
}

function printReport(r: InspectReport): void {
  out(field('file', `${r.path}  (${formatSize(r.size)})`));
  out(field('format', r.description));
  out(
    field('architecture', `${r.arch ?? 'unknown'}  (${r.loadableHere ? 'loadable by' : 'NOT loadable by'} this ${process.arch} Node.js)`),
  );
  if (r.soname !== undefined)
    out(field(r.format === 'pe' ? 'DLL name' : r.format.startsWith('macho') ? 'install name' : 'soname', r.soname));
  out(field('needs', r.needed.length ? r.needed.join(', ') : '(nothing)'));
  if (r.runpath?.length) out(field('runpath', r.runpath.join(':')));
  if (r.glibc !== undefined) out(field('glibc', `${r.glibc} or newer (newest GLIBC_ symbol version it uses)`));
  if (r.minOs !== undefined) out(field('minimum OS', r.minOs));
  if (r.symbolsUnavailable !== undefined) {
    out(field('exports', r.symbolsUnavailable));
    return;
  }
  const exports = r.exports ?? [];
  const counts = new Map<string, number>();
  for (const s of exports) counts.set(s.type, (counts.get(s.type) ?? 0) + 1);
  const summary = [...counts].map(([t, n]) => `${n} ${t}${n === 1 ? '' : 's'}`).join(', ');
  out(
    field(
      'exports',
      `${exports.length}${summary ? ` (${summary})` : ''}${r.imports !== undefined ? `; ${r.imports} undefined symbols imported` : ''}`,
    ),
  );
  const width = Math.min(48, Math.max(0, ...exports.map((s) => symbolLabel(s).length)) + 2);
  for (const s of [...exports].sort((a, b) => a.name.localeCompare(b.name) || symbolLabel(a).localeCompare(symbolLabel(b)))) {
    out(`    ${symbolLabel(s).padEnd(width)}${s.type}${s.forwarder ? ` -> ${s.forwarder}` : ''}`);
  }
}

/** Looks up one symbol; prints where it is or what was probably meant. Returns the exit code. */
function findSymbol(r: InspectReport, name: string, json: boolean): number {
  if (r.symbolsUnavailable !== undefined) {
    out(`Cannot look up '${name}' in ${r.path}: ${r.symbolsUnavailable}.`);
    return EXIT.FAILURE;
  }
  const exports = r.exports ?? [];
  const hits = exports.filter((s) => s.name === name);
  const names = exports.map((s) => s.name);
  const suggestions = hits.length ? [] : suggestSymbols(name, names);
  const mangled = hits.length ? [] : mangledMatches(name, names);
  if (json) {
    out(JSON.stringify({ symbol: name, found: hits.length > 0, matches: hits, suggestions, mangled }, null, 2));
    return hits.length ? EXIT.OK : EXIT.FAILURE;
  }
  if (hits.length) {
    for (const s of hits) out(`${symbolLabel(s)}: ${s.type}${s.forwarder ? ` forwarded to ${s.forwarder}` : ''}, exported by ${r.path}`);
    return EXIT.OK;
  }
  out(`'${name}' is not exported by ${r.path}.`);
  if (mangled.length) {
    out(`It exists as a C++ symbol: ${mangled.slice(0, 3).join(', ')}. Declare it extern "C" in the library to call it by name.`);
  }
  if (suggestions.length) out(`Did you mean: ${suggestions.join(', ')}?`);
  else if (!mangled.length) out(`No similar name among its ${exports.length} exports; run 'ffikit inspect ${r.path}' to list them.`);
  return EXIT.FAILURE;
}

/** Registers `ffikit inspect`. */
export function registerInspect(program: Command, run: (fn: () => number) => void): void {
  program
    .command('inspect')
    .description('show a shared library\u2019s format, architecture, needed libraries and exported symbols')
    .argument('<lib>', "a path, or a bare name the system loader would find (e.g. 'libm.so.6')")
    .option('--symbol <name>', 'look up one symbol; suggests close names when it is missing (exit 1)')
    .option('--json', 'print JSON')
    .action((lib: string, opts: { symbol?: string; json?: boolean } & GlobalOptions) =>
      run(() => {
        const report = inspectLibrary(lib);
        if (opts.symbol !== undefined) return findSymbol(report, opts.symbol, opts.json === true);
        if (opts.json) out(JSON.stringify(report, null, 2));
        else printReport(report);
        // A file that is not a shared library at all is a failed inspection.
        return report.format === 'unknown' ? EXIT.FAILURE : EXIT.OK;
      }),
    );
}
