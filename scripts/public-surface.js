// The public surface of the built package (dist/index.js names and typeof, dist/index.d.ts exports) and its committed snapshot.
'use strict';

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

const root = path.resolve(__dirname, '..');
const SNAPSHOT = path.join(root, 'tests', 'public-surface.snapshot.json');
const NOTE =
  'The exported names of the built package: runtime is require("ffikit") (name: typeof), declarations is what dist/index.d.ts exports (name: kind). ' +
  'Written by `npm run public-surface`; tests/public-surface.test.ts compares the build with it.';
const HOW_TO_ACCEPT =
  'If the change is deliberate, run `npm run public-surface`, commit tests/public-surface.snapshot.json and note the change in CHANGELOG.md.';

const USAGE = `usage: node scripts/public-surface.js [--write | --check] [--snapshot <file>] [--built <dir>]
  (no mode)   print the current surface as JSON
  --write     rewrite the snapshot (default tests/public-surface.snapshot.json)
  --check     compare with the snapshot; exit 1 with the differences
  --built     read an existing tsc build of ts/ (such as dist/) instead of building one`;

/** Compiles ts/ with the project's tsconfig.json into a fresh folder under build/ (node_modules stays reachable from there) and returns it. */
function build() {
  fs.mkdirSync(path.join(root, 'build'), { recursive: true });
  const out = fs.mkdtempSync(path.join(root, 'build', 'public-surface-'));
  const tsc = require.resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.json'), '--outDir', out, '--sourceMap', 'false'], {
    stdio: 'inherit',
  });
  return out;
}

const sorted = (entries) => Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** What kind of declaration a symbol is ('class', 'function', 'const', 'interface', 'type', ...); several joined by ' + '. */
function kindOf(symbol) {
  const kinds = [
    [ts.SymbolFlags.Class, 'class'],
    [ts.SymbolFlags.Function, 'function'],
    [ts.SymbolFlags.Enum, 'enum'],
    [ts.SymbolFlags.Variable, 'const'],
    [ts.SymbolFlags.Interface, 'interface'],
    [ts.SymbolFlags.TypeAlias, 'type'],
    [ts.SymbolFlags.Module, 'namespace'],
  ];
  return kinds
    .filter(([flag, name]) => symbol.flags & flag && !(name === 'interface' && symbol.flags & ts.SymbolFlags.Class))
    .map(([, name]) => name)
    .join(' + ');
}

/** Every name index.d.ts in `dir` exports, type-only ones included, with its kind; a value exported with `type` is 'type-only <kind>'. */
function declarationsOf(dir) {
  const entry = path.join(dir, 'index.d.ts');
  const program = ts.createProgram([entry], {
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    target: ts.ScriptTarget.ES2022,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(entry);
  const moduleSymbol = source && checker.getSymbolAtLocation(source);
  if (moduleSymbol === undefined)
    throw new Error(`public-surface: expected a module at ${entry}, got none. Build ts/ first (npm run build:ts).`);
  return sorted(
    checker.getExportsOfModule(moduleSymbol).map((symbol) => {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      const typeOnly = (symbol.declarations ?? []).some((d) => ts.isTypeOnlyImportOrExportDeclaration(d));
      const kind = kindOf(target) || 'unknown';
      return [symbol.name, typeOnly && target.flags & ts.SymbolFlags.Value ? `type-only ${kind}` : kind];
    }),
  );
}

/** The surface of the tsc output in `dir`: index.js's exported names with their typeof, and index.d.ts's exports. */
function surfaceOf(dir) {
  const exported = require(path.join(path.resolve(dir), 'index.js'));
  const runtime = sorted(Object.keys(exported).map((name) => [name, typeof exported[name]]));
  return { note: NOTE, runtime, declarations: declarationsOf(path.resolve(dir)) };
}

/** The differences between two surfaces, one readable line each ('runtime: + added foo (function)'); empty when they match. */
function diffSurfaces(expected, actual) {
  const lines = [];
  for (const part of ['runtime', 'declarations']) {
    const before = expected[part] ?? {};
    const after = actual[part] ?? {};
    const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    for (const name of names) {
      if (!(name in after)) lines.push(`${part}: - removed ${name} (${before[name]})`);
      else if (!(name in before)) lines.push(`${part}: + added ${name} (${after[name]})`);
      else if (before[name] !== after[name]) lines.push(`${part}: ~ changed ${name}: ${before[name]} -> ${after[name]}`);
    }
  }
  return lines;
}

/** A report of `lines` from diffSurfaces, saying how to accept a deliberate change. */
function formatDiff(lines, snapshotFile) {
  const where = path.relative(process.cwd(), snapshotFile) || snapshotFile;
  return [
    `public-surface: the built package differs from ${where} in ${lines.length} name${lines.length === 1 ? '' : 's'}:`,
    ...lines.map((l) => `  ${l}`),
    HOW_TO_ACCEPT,
  ].join('\n');
}

const toJson = (surface) => `${JSON.stringify(surface, null, 2)}\n`;

function main(argv) {
  const options = { mode: 'print', snapshot: SNAPSHOT, built: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--write' || arg === '--check') options.mode = arg.slice(2);
    else if ((arg === '--snapshot' || arg === '--built') && argv[i + 1] !== undefined) options[arg.slice(2)] = path.resolve(argv[++i]);
    else {
      console.error(`public-surface: expected --write, --check, --snapshot <file> or --built <dir>, got ${JSON.stringify(arg)}.\n${USAGE}`);
      return 2;
    }
  }
  const dir = options.built ?? build();
  let surface;
  try {
    surface = surfaceOf(dir);
  } finally {
    if (options.built === undefined) fs.rmSync(dir, { recursive: true, force: true });
  }
  if (options.mode === 'print') {
    process.stdout.write(toJson(surface));
  } else if (options.mode === 'write') {
    fs.writeFileSync(options.snapshot, toJson(surface));
    const counts = `${Object.keys(surface.runtime).length} runtime names, ${Object.keys(surface.declarations).length} declared names`;
    console.log(`public-surface: wrote ${path.relative(process.cwd(), options.snapshot)} (${counts})`);
  } else {
    const lines = diffSurfaces(JSON.parse(fs.readFileSync(options.snapshot, 'utf8')), surface);
    if (lines.length > 0) {
      console.error(formatDiff(lines, options.snapshot));
      return 1;
    }
    console.log(`public-surface: the built package matches ${path.relative(process.cwd(), options.snapshot)}`);
  }
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));

module.exports = { SNAPSHOT, build, surfaceOf, diffSurfaces, formatDiff };
