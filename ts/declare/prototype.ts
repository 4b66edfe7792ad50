// Parses C prototypes ('int add(int a, int b)') into a small declaration model used by bind().

import { declarationError } from '../core/errors';
import type { Direction, ParsedParam, ParsedPrototype, ParsedType } from './declaration';
import { primitive } from './primitives';
import { namedType } from './type-registry';

export type { Direction, NamedRef, ParsedParam, ParsedPrototype, ParsedType } from './declaration';

const kQualifiers = new Set(['const', 'volatile', 'restrict', '__restrict', '__restrict__']);
const kTagKeywords = new Set(['struct', 'union', 'enum']);
const kDirections: Record<string, Direction> = { _In_: 'in', _Out_: 'out', _Inout_: 'inout' };
// Clang's nullability qualifiers, before the type (like _Out_) or after the `*` they qualify.
const kNullability = new Set(['_Nonnull', '_Nullable', '_Null_unspecified', '__nonnull', '__nullable']);
// Words that can only be part of a type, never a parameter name.
const kTypeWords = new Set(['unsigned', 'signed', 'short', 'long', 'int', 'char', 'double', 'float', 'void', 'bool', '_Bool']);

type Token = string;

function tokenize(text: string, where: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s*(?:([A-Za-z_][A-Za-z0-9_]*)|(\.\.\.)|([*(),[\];])|(\d+))/y;
  let pos = 0;
  while (pos < text.length) {
    if (/^\s*$/.test(text.slice(pos))) break;
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) {
      const bad = text.slice(pos).trimStart()[0] ?? '';
      throw declarationError(`${where}: cannot parse '${text}': unexpected character '${bad}'.`);
    }
    tokens.push((m[1] ?? m[2] ?? m[3] ?? m[4]) as string);
    pos = re.lastIndex;
  }
  return tokens;
}

function isIdent(t: string | undefined): t is string {
  return t !== undefined && /^[A-Za-z_]/.test(t);
}

/** Parses a type written as tokens (no parameter name). */
function parseTypeTokens(tokens: Token[], whole: string, where: string): ParsedType {
  let direction: Direction = 'in';
  let pointer = 0;
  let constBase = false;
  let nonnull = false;
  const words: string[] = [];
  for (const t of tokens) {
    const dir = kDirections[t];
    if (dir) {
      direction = dir;
    } else if (kNullability.has(t)) {
      nonnull = t === '_Nonnull' || t === '__nonnull';
    } else if (t === '*') {
      pointer++;
    } else if (kQualifiers.has(t)) {
      if (pointer === 0) constBase = true;
    } else if (kTagKeywords.has(t)) {
      // `struct Foo` names the same type as `Foo` (registered with ffikit.struct).
    } else if (isIdent(t)) {
      if (pointer > 0) throw declarationError(`${where}: cannot parse '${whole}': unexpected '${t}' after '*'.`);
      words.push(t);
    } else {
      throw declarationError(`${where}: cannot parse '${whole}': unexpected '${t}' in a type.`);
    }
  }
  if (words.length === 0) throw declarationError(`${where}: cannot parse '${whole}': missing a type name.`);
  const spelled = words.join(' ');
  if (spelled === 'long double') {
    throw declarationError(
      `${where}: 'long double' cannot cross the FFI layer (it has no 80/128-bit float type), in '${whole}'. Write a small C shim that takes or returns double and calls the function, then bind the shim.`,
    );
  }
  const prim = primitive(spelled);
  if (!prim && words.length > 1) {
    throw declarationError(`${where}: cannot parse '${whole}': unknown type '${spelled}'.`);
  }
  const text = [constBase ? 'const ' : '', spelled, pointer ? ` ${'*'.repeat(pointer)}` : ''].join('');
  return resolveNamed({ text, base: prim ? prim.canonical : spelled, ...(prim ? { prim } : {}), pointer, constBase, direction, nonnull });
}

/**
 * Named types behave exactly as what they name: a typedef of a primitive (or an enum) becomes that
 * primitive, a pointer typedef adds its pointer depth to what it points to. Structs, opaque types and
 * callback types keep their name. Unknown names stay as written (declaring the function reports them).
 */
function resolveNamed(t: ParsedType): ParsedType {
  if (t.prim) return t;
  const named = namedType(t.base);
  if (!named) return t;
  const ref = t.named ?? { name: named.name, kind: named.kind };
  if (named.prim && (named.kind === 'primitive' || named.kind === 'enum')) {
    return { ...t, base: named.prim.canonical, prim: named.prim, named: named.kind === 'enum' ? { name: named.name, kind: 'enum' } : ref };
  }
  if (named.kind === 'pointer' && named.target) {
    const target = named.target;
    return resolveNamed({
      ...t,
      base: target.base,
      ...(target.prim ? { prim: target.prim } : {}),
      pointer: t.pointer + target.pointer,
      constBase: target.constBase,
      named: ref,
    });
  }
  return { ...t, named: ref };
}

function parseParam(tokens: Token[], index: number, whole: string, where: string): ParsedParam {
  const toks = [...tokens];
  // `double data[]` / `double data[16]` decay to pointers, as in C.
  let extraPointer = 0;
  while (toks[toks.length - 1] === ']') {
    const open = toks.lastIndexOf('[');
    if (open < 0) throw declarationError(`${where}: cannot parse '${whole}': unbalanced ']'.`);
    toks.splice(open);
    extraPointer++;
  }
  let name = `arg${index}`;
  const last = toks[toks.length - 1];
  if (
    toks.length > 1 &&
    isIdent(last) &&
    !kTypeWords.has(last) &&
    !kQualifiers.has(last) &&
    !(last in kDirections) &&
    !kNullability.has(last)
  ) {
    const rest = toks.slice(0, -1);
    const restHasType = rest.some(
      (t) => isIdent(t) && !kQualifiers.has(t) && !(t in kDirections) && !kTagKeywords.has(t) && !kNullability.has(t),
    );
    if (restHasType) {
      name = last;
      toks.pop();
    }
  }
  for (let i = 0; i < extraPointer; i++) toks.push('*');
  return { name, type: parseTypeTokens(toks, whole, where) };
}

/**
 * Parses a C prototype such as `'int process_1d(double *data, size_t len)'`.
 * Parameter names are optional (`int add(int, int)` names them arg0, arg1).
 * @throws {DeclarationError} with the prototype and what was unexpected.
 */
export function parsePrototype(text: string, where = 'bind()'): ParsedPrototype {
  if (typeof text !== 'string') {
    throw declarationError(`${where}: expected a C prototype string such as 'int add(int a, int b)', got ${typeof text}.`);
  }
  const whole = text.trim();
  const tokens = tokenize(whole, where);
  while (tokens[tokens.length - 1] === ';') tokens.pop();
  const open = tokens.indexOf('(');
  if (open < 0 || tokens[tokens.length - 1] !== ')') {
    throw declarationError(`${where}: cannot parse '${whole}': expected 'returnType name(parameters)'.`);
  }
  const head = tokens.slice(0, open);
  const inner = tokens.slice(open + 1, -1);
  const name = head[head.length - 1];
  if (!isIdent(name) || head.length < 2) {
    throw declarationError(`${where}: cannot parse '${whole}': expected a return type and a function name before '('.`);
  }
  if (inner.includes('(') || inner.includes(')')) {
    throw declarationError(
      `${where}: cannot parse '${whole}': function-pointer parameters are written with a named type. ` +
        `Declare it with ffikit.callbackType('void Cb(int x)') and write 'Cb *cb'.`,
    );
  }
  const variadic = inner[inner.length - 1] === '...';
  if (variadic) {
    inner.pop();
    if (inner[inner.length - 1] !== ',')
      throw declarationError(`${where}: cannot parse '${whole}': '...' must follow at least one parameter.`);
    inner.pop();
  }
  if (inner.includes('...')) throw declarationError(`${where}: cannot parse '${whole}': '...' can only end the parameter list.`);
  const result = parseTypeTokens(head.slice(0, -1), whole, where);
  if (result.direction !== 'in') throw declarationError(`${where}: cannot parse '${whole}': direction markers apply to parameters only.`);

  const params: ParsedParam[] = [];
  if (!(inner.length === 0 || (inner.length === 1 && inner[0] === 'void'))) {
    let current: Token[] = [];
    const groups: Token[][] = [];
    for (const t of inner) {
      if (t === ',') {
        groups.push(current);
        current = [];
      } else {
        current.push(t);
      }
    }
    groups.push(current);
    groups.forEach((g, i) => {
      if (g.length === 0) throw declarationError(`${where}: cannot parse '${whole}': empty parameter ${i + 1}.`);
      params.push(parseParam(g, i, whole, where));
    });
  }
  const seen = new Set<string>();
  for (const p of params) {
    if (p.type.base === 'void' && p.type.pointer === 0) {
      throw declarationError(`${where}: '${whole}': parameter '${p.name}' cannot have type void.`);
    }
    if (p.type.direction !== 'in' && p.type.pointer === 0) {
      throw declarationError(`${where}: '${whole}': parameter '${p.name}' is marked _Out_/_Inout_ but is not a pointer.`);
    }
    if (seen.has(p.name)) throw declarationError(`${where}: '${whole}': parameter name '${p.name}' is used twice.`);
    seen.add(p.name);
  }
  return { name, result, params, variadic, text: whole };
}
