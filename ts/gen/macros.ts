// Classifies #define macros: constants (ints, floats, strings, expressions of other constants) and function renames.

import type { Node, Tree } from 'web-tree-sitter';

import { evaluateNode, type ConstValue } from './constants';
import type { CMacro, CTranslationUnit, Skipped } from './model';

/** A macro that names a constant value. */
export interface MacroConstant {
  readonly name: string;
  readonly value: ConstValue;
  readonly doc: string | undefined;
}

/** A macro that only renames a function (`#define mpz_init __gmpz_init`, `#define f(a) g((a))`). */
export interface MacroRename {
  readonly name: string;
  readonly target: string;
  readonly doc: string | undefined;
}

/** What the macros of the selected files define. */
export interface MacroResult {
  readonly constants: MacroConstant[];
  readonly renames: MacroRename[];
  readonly skipped: Skipped[];
}

/**
 * Evaluates the selected macros. Each body is parsed as a C expression; names in it resolve to other
 * macros (recursively) and to enum members.
 */
export function classifyMacros(
  unit: CTranslationUnit,
  selected: (m: CMacro) => boolean,
  parse: (text: string, where: string) => Tree,
): MacroResult {
  const enumValues = new Map<string, number>();
  for (const e of unit.enums) for (const [k, v] of e.members) enumValues.set(k, v);
  const functions = new Set(unit.functions.map((f) => f.name));
  const memo = new Map<string, ConstValue | null>();
  const bodies = new Map<string, Node | null>();

  const expression = (m: CMacro): Node | null => {
    if (bodies.has(m.name)) return bodies.get(m.name)!;
    const tree = parse(`void __ffikit_macro(void) { (${m.body}); }`, m.name);
    const stmt = tree.rootNode.descendantsOfType('expression_statement')[0];
    const expr = tree.rootNode.hasError ? null : (stmt?.namedChildren[0] ?? null);
    // The outer parentheses are ours.
    const node = expr?.type === 'parenthesized_expression' ? (expr.namedChildren[0] ?? null) : expr;
    bodies.set(m.name, node);
    return node;
  };
  const value = (name: string, depth: number): ConstValue | undefined => {
    if (memo.has(name)) return memo.get(name) ?? undefined;
    const m = unit.macros.get(name);
    if (!m) {
      const e = enumValues.get(name);
      return e === undefined ? undefined : { kind: 'int', value: BigInt(e) };
    }
    if (m.params !== undefined || m.body === '' || depth > 32) return undefined;
    memo.set(name, null);
    const node = expression(m);
    const v = node ? evaluateNode(node, (n) => value(n, depth + 1)) : undefined;
    memo.set(name, v ?? null);
    return v;
  };

  const result: MacroResult = { constants: [], renames: [], skipped: [] };
  for (const m of [...unit.macros.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    if (!selected(m) || m.name.startsWith('__') || m.body === '') continue;
    const target = renameTarget(m, expression, functions);
    if (target !== undefined) {
      result.renames.push({ name: m.name, target, doc: m.doc });
      continue;
    }
    if (m.params !== undefined) {
      result.skipped.push({ name: m.name, kind: 'macro', reason: 'function-like macro that does more than rename a function' });
      continue;
    }
    const v = value(m.name, 0);
    if (v === undefined || (v.kind === 'float' && !Number.isFinite(v.value))) {
      result.skipped.push({ name: m.name, kind: 'macro', reason: `not a constant expression: '${m.body.slice(0, 50)}'` });
      continue;
    }
    result.constants.push({ name: m.name, value: v, doc: m.doc });
  }
  return result;
}

/** The function a macro renames: `F` for `#define M F`, or for `#define M(a, b) F((a), b)` with arguments in order. */
function renameTarget(m: CMacro, expression: (m: CMacro) => Node | null, functions: ReadonlySet<string>): string | undefined {
  if (m.params === undefined) return /^[A-Za-z_]\w*$/.test(m.body) && functions.has(m.body) && m.body !== m.name ? m.body : undefined;
  const node = expression(m);
  if (node?.type !== 'call_expression') return undefined;
  const fn = node.childForFieldName('function');
  if (fn?.type !== 'identifier' || !functions.has(fn.text)) return undefined;
  const args = node.childForFieldName('arguments')?.namedChildren ?? [];
  if (args.length !== m.params.length) return undefined;
  const plain = args.every((a, i) => {
    let x: Node | null = a;
    while (x?.type === 'parenthesized_expression') x = x.namedChildren[0] ?? null;
    return x?.type === 'identifier' && x.text === m.params![i];
  });
  return plain ? fn.text : undefined;
}
