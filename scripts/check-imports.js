// Fails on any import cycle among the TypeScript files of ts/ (or of the folder given), type-only imports included.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

const FIX = 'Break each cycle: move what the files share down to the lower layer, or pass it in as a parameter or hook.';

/** Every .ts file under `dir`, as absolute paths, sorted. */
function listFiles(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(full));
    else if (entry.isFile() && entry.name.endsWith('.ts')) out.push(full);
  }
  return out.sort();
}

function isTypeOnlyClause(clause) {
  if (clause.isTypeOnly) return true;
  if (clause.name !== undefined) return false;
  const bindings = clause.namedBindings;
  return (
    bindings !== undefined && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly)
  );
}

/**
 * The module specifiers one file names: import and export declarations, `import x = require()`,
 * inline `import('...')` types, `require()` and `import()` calls. Each with its line and whether only
 * types come through it (those count as well; the flag only makes the report easier to act on).
 */
function importsOf(file, text) {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const found = [];
  const add = (node, literal, typeOnly) => {
    if (literal === undefined || !ts.isStringLiteralLike(literal)) return;
    const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
    found.push({ specifier: literal.text, line, typeOnly });
  };
  const visit = (node) => {
    if (ts.isImportDeclaration(node)) {
      add(node, node.moduleSpecifier, node.importClause !== undefined && isTypeOnlyClause(node.importClause));
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined) {
      const clause = node.exportClause;
      const allTypes =
        clause !== undefined && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly);
      add(node, node.moduleSpecifier, node.isTypeOnly || allTypes);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node, node.moduleReference.expression, node.isTypeOnly);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node, node.argument.literal, true);
    } else if (ts.isCallExpression(node) && node.arguments.length === 1) {
      const callee = node.expression;
      if (callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === 'require')) {
        add(node, node.arguments[0], false);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** The file a relative specifier names among `files`, or undefined (packages and node: builtins are not ours). */
function resolveImport(fromFile, specifier, files) {
  if (!specifier.startsWith('./') && !specifier.startsWith('../')) return undefined;
  const base = path.resolve(path.dirname(fromFile), specifier);
  const candidates = [base, `${base}.ts`, `${base}.d.ts`, base.replace(/\.[cm]?js$/, '.ts'), path.join(base, 'index.ts')];
  return candidates.find((c) => files.has(c));
}

/** Strongly connected components of the import graph (Tarjan), each sorted; only those that hold a cycle. */
function cyclicComponents(graph) {
  let counter = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const components = [];
  const connect = (v) => {
    index.set(v, counter);
    low.set(v, counter);
    counter += 1;
    stack.push(v);
    onStack.add(v);
    for (const edge of graph.get(v)) {
      const w = edge.to;
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v), index.get(w)));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      const selfImport = graph.get(v).some((e) => e.to === v);
      if (component.length > 1 || selfImport) components.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) connect(v);
  return components.sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

/** The shortest cycle through a component, as its import edges in order. */
function shortestCycle(graph, component) {
  const members = new Set(component);
  let best;
  for (const start of component) {
    const via = new Map([[start, null]]);
    const queue = [start];
    let closing;
    while (queue.length > 0 && closing === undefined) {
      const v = queue.shift();
      for (const edge of graph.get(v)) {
        if (!members.has(edge.to)) continue;
        if (edge.to === start) {
          closing = edge;
          break;
        }
        if (!via.has(edge.to)) {
          via.set(edge.to, edge);
          queue.push(edge.to);
        }
      }
    }
    const cycle = [closing];
    for (let edge = via.get(closing.from); edge !== null; edge = via.get(edge.from)) cycle.unshift(edge);
    if (best === undefined || cycle.length < best.length) best = cycle;
  }
  return best;
}

/**
 * Reads every .ts file under `dir` and returns the import cycles among them: for each, the files
 * that import each other, the shortest loop through them and every import among them (edges with
 * the importing line).
 */
function checkImports(dir) {
  const files = listFiles(path.resolve(dir));
  const known = new Set(files);
  const graph = new Map();
  for (const file of files) {
    const edges = [];
    for (const imp of importsOf(file, fs.readFileSync(file, 'utf8'))) {
      const to = resolveImport(file, imp.specifier, known);
      if (to !== undefined) edges.push({ from: file, to, line: imp.line, typeOnly: imp.typeOnly });
    }
    graph.set(file, edges);
  }
  const cycles = cyclicComponents(graph).map((members) => {
    const inside = new Set(members);
    const edges = members.flatMap((file) => graph.get(file).filter((e) => inside.has(e.to)));
    return { files: members, path: shortestCycle(graph, members), edges };
  });
  return { files, cycles };
}

/** A report of `cycles`, with paths shown relative to the parent of `dir` (so ts/call/bind.ts). */
function formatCycles(dir, cycles) {
  const base = path.dirname(path.resolve(dir));
  const show = (file) => path.relative(base, file).split(path.sep).join('/');
  const lines = [
    `check-imports: ${cycles.length} import cycle${cycles.length === 1 ? '' : 's'} in ${show(path.resolve(dir))}/ (type-only imports count):`,
  ];
  const edge = (e) => `${show(e.from)}:${e.line} imports ${show(e.to)}${e.typeOnly ? ' (types only)' : ''}`;
  cycles.forEach((cycle, i) => {
    const count = cycle.files.length;
    const what =
      count === 1 ? `${show(cycle.files[0])} imports itself` : `${count} files import each other: ${cycle.files.map(show).join(', ')}`;
    lines.push(`  cycle ${i + 1}: ${what}`);
    lines.push('    shortest loop:', ...cycle.path.map((e) => `      ${edge(e)}`));
    lines.push(`    every import among them (${cycle.edges.length}):`, ...cycle.edges.map((e) => `      ${edge(e)}`));
  });
  lines.push(FIX);
  return lines.join('\n');
}

if (require.main === module) {
  const dir = process.argv[2] ?? path.join(__dirname, '..', 'ts');
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    console.error(
      `check-imports: expected a folder of TypeScript files, got ${JSON.stringify(dir)}. Pass an existing folder, or nothing for ts/.`,
    );
    process.exit(2);
  }
  const { files, cycles } = checkImports(dir);
  if (cycles.length > 0) {
    console.error(formatCycles(dir, cycles));
    process.exit(1);
  }
  console.log(`check-imports: no import cycles among ${files.length} files under ${path.basename(path.resolve(dir))}/`);
}

module.exports = { checkImports, formatCycles, importsOf };
