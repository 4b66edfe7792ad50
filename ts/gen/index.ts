// `ffikit/gen`: C header in, typed ffikit bindings out (the programmatic side of `ffikit gen`).

import * as fs from 'node:fs';
import * as path from 'node:path';

import { GenError } from './errors';
import { readElfDynamic } from '../native/binfmt/elf-symbols';
import { searchLibrary } from '../native/library-search';
import { readAnnotations } from './annotations';
import { cParser } from './c-parser';
import { extract } from './extract';
import { Lowering } from './lower';
import { classifyMacros } from './macros';
import type { Skipped } from './model';
import { preprocess } from './preprocess';
import { exportable, renderJs, renderTs, type ModulePlan } from './render';

export { GenError };
export type { Skipped };
export type { Annotations, FunctionAnnotation, ErrcheckAnnotation } from './annotations';
export { verifyLayouts, type LayoutReport } from './verify';
export { writeAtomically } from './output';

/** Options of {@link generate}, as the `ffikit gen` flags. */
export interface GenOptions {
  /** The library `load()` opens by default; also used to skip functions it does not export. */
  readonly lib?: string;
  /** `'ts'` (default) or `'js'` (CommonJS plus `.d.ts`). */
  readonly format?: 'ts' | 'js';
  readonly includeDirs?: readonly string[];
  /** `NAME` or `NAME=value`. */
  readonly defines?: readonly string[];
  /** Only declarations whose names start with one of these (from any included header). */
  readonly prefixes?: readonly string[];
  /** The C compiler used as preprocessor (default `$CC` or `cc`); `false` parses the header as is. */
  readonly compiler?: string | false;
  /** An annotations file (JSON): per function `out`, `inout`, `disposes`, `arrays`, `errcheck`. */
  readonly annotate?: string;
}

/** The machine-readable report (`ffikit gen --report`). */
export interface GenReport {
  readonly header: string;
  readonly generator: string;
  readonly preprocessor: string | null;
  readonly functions: { readonly declared: number; readonly exported: number | null; readonly bound: number };
  readonly constants: number;
  readonly types: number;
  readonly skipped: readonly Skipped[];
  /** Annotations worth adding by hand (never applied automatically). */
  readonly suggestions: readonly string[];
}

/** What {@link generate} returns. */
export interface GenResult {
  /** The module: TypeScript, or CommonJS for `format: 'js'`. */
  readonly source: string;
  /** The `.d.ts` beside a CommonJS module (undefined for TypeScript). */
  readonly declarations: string | undefined;
  readonly report: GenReport;
  /** Structs declared, with their C spelling and members, for {@link verifyLayouts}. */
  readonly structs: ReadonlyArray<{
    readonly name: string;
    readonly cName: string;
    readonly fields: readonly string[];
    readonly bitfields?: readonly string[];
  }>;
  /** The type declarations as `ffikit.*(...)` expressions, in order, for {@link verifyLayouts}. */
  readonly typeCode: readonly string[];
}

function generatorVersion(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version?: string };
    return String(pkg.version);
  } catch {
    return 'unknown';
  }
}

function libraryExports(lib: string | undefined): ReadonlySet<string> | undefined {
  if (lib === undefined) return undefined;
  const file = lib.includes('/') || lib.includes('\\') ? path.resolve(lib) : searchLibrary(lib).found;
  if (file === undefined || !fs.existsSync(file)) return undefined;
  try {
    return new Set(
      readElfDynamic(file)
        .exports.filter((s) => s.type === 'function' || s.type === 'ifunc')
        .map((s) => s.name),
    );
  } catch {
    return undefined;
  }
}

/**
 * Generates typed ffikit bindings for a C header.
 * @param header Path to the header.
 * @param options The `ffikit gen` options.
 * @returns The module source, its `.d.ts` (for `format: 'js'`) and the report of what was bound and skipped.
 * @throws {GenError} for a missing header or -I directory, or a header the preprocessor rejects.
 * @example
 * const { generate } = require('ffikit/gen');
 * const { source, report } = await generate('/usr/include/zlib.h', { lib: 'libz.so.1' });
 */
export async function generate(header: string, options: GenOptions = {}): Promise<GenResult> {
  const includeDirs = options.includeDirs ?? [];
  const defines = options.defines ?? [];
  const prefixes = options.prefixes ?? [];
  const pre = preprocess(header, { includeDirs, defines, ...(options.compiler !== undefined ? { compiler: options.compiler } : {}) });
  const parse = await cParser();
  const tree = parse(pre.text, header);
  const directives = parse(pre.directives, header);
  const mainDir = path.dirname(path.resolve(header));
  const umbrella = path.join(mainDir, path.basename(header, path.extname(header)));
  const wantFunctions = (file: string): boolean => prefixes.length > 0 || file === path.resolve(header) || file.startsWith(umbrella);
  const unit = extract(tree.rootNode, directives.rootNode, pre, wantFunctions);
  tree.delete();
  directives.delete();
  const mainFile = path.resolve(header);
  const exportsSet = libraryExports(options.lib);
  const annotations =
    options.annotate !== undefined ? { file: options.annotate, byFunction: readAnnotations(options.annotate) } : undefined;
  const lowering = new Lowering(unit, {
    mainFile,
    prefixes,
    exports: exportsSet,
    libraryLabel: options.lib,
    ...(annotations ? { annotations } : {}),
  });
  lowering.run();
  const macros = classifyMacros(unit, (m) => lowering.selected(m.name, m.file), parse);
  for (const r of macros.renames) {
    if (!lowering.bindRename(r.name, r.target, r.doc))
      macros.skipped.push({ name: r.name, kind: 'macro', reason: `renames ${r.target}(), which is not bound` });
  }
  const enumConstants = unit.enums
    .filter((e) => lowering.selected(e.name ?? e.members[0]?.[0] ?? '', e.file))
    .flatMap((e) => e.members.map(([k, v]) => ({ name: k, value: { kind: 'int' as const, value: BigInt(v) }, doc: undefined })));
  const seen = new Set<string>();
  const skipped: Skipped[] = [...unit.skipped, ...lowering.skipped, ...macros.skipped];
  const constants = [...enumConstants, ...macros.constants].filter((c) => {
    if (seen.has(c.name)) return false;
    seen.add(c.name);
    if (!exportable(c.name)) {
      skipped.push({ name: c.name, kind: 'macro', reason: 'its name is not usable as a JS export' });
      return false;
    }
    return true;
  });
  const functions = lowering.functions.sort((a, b) => a.jsName.localeCompare(b.jsName));
  const declared = unit.functions.filter((f) => lowering.selected(f.name, f.file));
  const exported = exportsSet ? declared.filter((f) => exportsSet.has(f.name)).length : null;
  const bound = functions.filter((f) => f.renameOf === undefined).length;
  const sortedSkipped = skipped.sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
  const summary = `Functions bound: ${bound} of ${exported ?? declared.length} ${exported !== null ? 'declared and exported' : 'declared'}; ${constants.length} constants; ${lowering.types.length} types.`;
  const cliOptions = [
    ...(options.lib !== undefined ? ['--lib', options.lib] : []),
    ...includeDirs.flatMap((d) => ['-I', d]),
    ...defines.flatMap((d) => ['-D', d]),
    ...prefixes.flatMap((p) => ['--prefix', p]),
    ...(options.annotate !== undefined ? ['--annotate', path.basename(options.annotate)] : []),
  ];
  const plan: ModulePlan = {
    header: path.basename(header),
    version: generatorVersion(),
    options: cliOptions,
    library: options.lib,
    constants,
    types: lowering.types,
    functions,
    skipped: sortedSkipped,
    summary,
  };
  const rendered = options.format === 'js' ? renderJs(plan) : { source: renderTs(plan), declarations: undefined };
  const report: GenReport = {
    header: path.basename(header),
    generator: plan.version,
    preprocessor: pre.compiler ?? null,
    functions: { declared: declared.length, exported, bound },
    constants: constants.length,
    types: lowering.types.length,
    skipped: sortedSkipped,
    suggestions: suggestAnnotations(functions.map((f) => f.symbol)),
  };
  const structs = lowering.types.flatMap((t) =>
    (t.kind === 'struct' || t.kind === 'union') && t.cName !== undefined
      ? [{ name: t.name, cName: t.cName, fields: t.fields ?? [], bitfields: t.bitfields ?? [] }]
      : [],
  );
  return { source: rendered.source, declarations: rendered.declarations, report, structs, typeCode: lowering.types.map((t) => t.code) };
}

/** new/free pairs: `X_new`/`X_free`, `X_open`/`X_close`, `X_create`/`X_destroy` → a `disposes` suggestion. */
function suggestAnnotations(names: readonly string[]): string[] {
  const set = new Set(names);
  const pairs: Array<[string, string]> = [
    ['_new', '_free'],
    ['_create', '_destroy'],
    ['_open', '_close'],
    ['Create', 'Free'],
  ];
  const out: string[] = [];
  for (const n of names) {
    for (const [make, drop] of pairs) {
      if (n.endsWith(make)) {
        const free = `${n.slice(0, -make.length)}${drop}`;
        if (set.has(free)) out.push(`${free}: disposes its handle parameter (pairs with ${n}); add "disposes" in an annotations file`);
      }
    }
  }
  return out;
}
