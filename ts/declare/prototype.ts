// Parses C prototypes ('int add(int a, int b)') into a small declaration model used by bind().

import { primitive, type Primitive } from './primitives';
import { declarationError } from '../core/errors';

/** Data direction of a pointer parameter (SAL-style `_In_`, `_Out_`, `_Inout_` markers). */
export type Direction = 'in' | 'out' | 'inout';

/** A parsed C type: a base (primitive or named) plus pointer depth and qualifiers. */
export interface ParsedType {
  /** The type as written, whitespace normalized (`const char *`). */
  readonly text: string;
  /** Canonical base name: a primitive's canonical name or the named type's name. */
  readonly base: string;
  /** The primitive, when the base is one. */
  readonly prim?: Primitive;
  /** Pointer depth: 0 for values, 1 for `T *`, 2 for `T **`. */
  readonly pointer: number;
  /** `const` qualifies the pointee (as in `const char *`). */
  readonly constBase: boolean;
  readonly direction: Direction;
}

export interface ParsedParam {
  readonly name: string;
  readonly type: ParsedType;
}

export interface ParsedPrototype {
  /** The C symbol name. */
  readonly name: string;
  readonly result: ParsedType;
  readonly params: readonly ParsedParam[];
  /** The prototype as written, trimmed. */
  readonly text: string;
}

const kQualifiers = new Set(['const', 'volatile', 'restrict', '__restrict', '__restrict__']);
const kTagKeywords = new Set(['struct', 'union', 'enum']);
const kDirections: Record<string, Direction> = { _In_: 'in', _Out_: 'out', _Inout_: 'inout' };
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
  const words: string[] = [];
  for (const t of tokens) {
    const dir = kDirections[t];
    if (dir) {
      direction = dir;
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
  const prim = primitive(spelled);
  if (!prim && words.length > 1) {
    throw declarationError(`${where}: cannot parse '${whole}': unknown type '${spelled}'.`);
  }
  const text = [constBase ? 'const ' : '', spelled, pointer ? ` ${'*'.repeat(pointer)}` : ''].join('');
  return { text, base: prim ? prim.canonical : spelled, ...(prim ? { prim } : {}), pointer, constBase, direction };
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
  if (toks.length > 1 && isIdent(last) && !kTypeWords.has(last) && !kQualifiers.has(last) && !(last in kDirections)) {
    const rest = toks.slice(0, -1);
    const restHasType = rest.some((t) => isIdent(t) && !kQualifiers.has(t) && !(t in kDirections) && !kTagKeywords.has(t));
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
  if (inner.includes('...')) {
    throw declarationError(
      `${where}: '${whole}' is variadic; variadic functions are not supported. Declare one prototype per argument list you call it with.`,
    );
  }
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
  return { name, result, params, text: whole };
}
