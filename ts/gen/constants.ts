// Evaluates C constant expressions (enum values, #define bodies) on tree-sitter nodes: ints, floats, strings.

import type { Node } from 'web-tree-sitter';

/** A constant's value: integers as bigint (C integers can exceed 2^53), floats, strings. */
export type ConstValue =
  | { readonly kind: 'int'; readonly value: bigint }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'string'; readonly value: string };

/** Names a constant expression may refer to: other constants and enum members. */
export type ConstScope = (name: string) => ConstValue | undefined;

const kNoNames: ConstScope = () => undefined;

/** The integer value of a constant expression, as a number when it is a safe integer. */
export function evaluateInt(n: Node, scope: ConstScope = kNoNames): number | undefined {
  const v = evaluateNode(n, scope);
  if (v?.kind !== 'int') return undefined;
  const num = Number(v.value);
  return Number.isSafeInteger(num) ? num : undefined;
}

/** Evaluates an expression node; undefined when it is not a constant this evaluator understands. */
export function evaluateNode(n: Node, scope: ConstScope = kNoNames): ConstValue | undefined {
  switch (n.type) {
    case 'number_literal':
      return numberLiteral(n.text);
    case 'char_literal':
      return charLiteral(n.text);
    case 'string_literal':
      return stringLiteral(n);
    case 'concatenated_string': {
      let s = '';
      for (const part of n.namedChildren) {
        const v = part.type === 'string_literal' ? stringLiteral(part) : evaluateNode(part, scope);
        if (v?.kind !== 'string') return undefined;
        s += v.value;
      }
      return { kind: 'string', value: s };
    }
    case 'identifier':
      return scope(n.text);
    case 'parenthesized_expression':
      return n.namedChildren.length === 1 ? evaluateNode(n.namedChildren[0]!, scope) : undefined;
    case 'cast_expression': {
      const inner = n.childForFieldName('value');
      const type = n.childForFieldName('type')?.text ?? '';
      const v = inner ? evaluateNode(inner, scope) : undefined;
      if (!v || type.includes('*')) return undefined;
      if (/\b(float|double)\b/.test(type)) return v.kind === 'string' ? undefined : { kind: 'float', value: Number(v.value) };
      if (v.kind === 'float') return { kind: 'int', value: BigInt(Math.trunc(v.value)) };
      return v;
    }
    case 'unary_expression':
      return unary(n, scope);
    case 'binary_expression':
      return binary(n, scope);
    case 'conditional_expression': {
      const cond = n.childForFieldName('condition');
      const c = cond ? evaluateNode(cond, scope) : undefined;
      if (!c || c.kind === 'string') return undefined;
      const pick = n.childForFieldName(truthy(c) ? 'consequence' : 'alternative');
      return pick ? evaluateNode(pick, scope) : undefined;
    }
    default:
      return undefined;
  }
}

function truthy(v: ConstValue): boolean {
  return v.kind === 'int' ? v.value !== 0n : v.value !== 0;
}

function numberLiteral(text: string): ConstValue | undefined {
  const negative = text.startsWith('-');
  const t = text.replace(/'/g, '').replace(/^[-+]/, '');
  const v = unsignedLiteral(t);
  if (!v || !negative) return v;
  return v.kind === 'int' ? { kind: 'int', value: -v.value } : { kind: 'float', value: -v.value };
}

function unsignedLiteral(t: string): ConstValue | undefined {
  if (/^0[xX][0-9a-fA-F]+[uUlL]*$/.test(t)) return { kind: 'int', value: BigInt(t.replace(/[uUlL]+$/, '')) };
  if (/^0[bB][01]+[uUlL]*$/.test(t)) return { kind: 'int', value: BigInt(t.replace(/[uUlL]+$/, '')) };
  if (/^0[0-7]*[uUlL]*$/.test(t)) return { kind: 'int', value: BigInt(`0o${t.replace(/[uUlL]+$/, '').slice(1) || '0'}`) };
  if (/^[1-9][0-9]*[uUlL]*$/.test(t)) return { kind: 'int', value: BigInt(t.replace(/[uUlL]+$/, '')) };
  const f = t.replace(/[fFlL]$/, '');
  if (/^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(f) || /^0[xX][0-9a-fA-F.]+[pP][+-]?\d+$/.test(f)) {
    const value = f.startsWith('0x') || f.startsWith('0X') ? hexFloat(f) : Number(f);
    return Number.isFinite(value) ? { kind: 'float', value } : undefined;
  }
  return undefined;
}

function hexFloat(text: string): number {
  const [mantissa = '', exp = '0'] = text.slice(2).split(/[pP]/);
  const [whole = '0', frac = ''] = mantissa.split('.');
  return (parseInt(whole || '0', 16) + (frac ? parseInt(frac, 16) / 16 ** frac.length : 0)) * 2 ** Number(exp);
}

const kEscapes: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '0': '\0',
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
  '?': '?',
};

function unescape(body: string): string | undefined {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = body[++i];
    if (next === undefined) return undefined;
    if (next === 'x') {
      const hex = /^[0-9a-fA-F]+/.exec(body.slice(i + 1))?.[0] ?? '';
      out += String.fromCharCode(parseInt(hex, 16));
      i += hex.length;
    } else if (/[0-7]/.test(next)) {
      const oct = /^[0-7]{1,3}/.exec(body.slice(i))![0];
      out += String.fromCharCode(parseInt(oct, 8));
      i += oct.length - 1;
    } else {
      const e = kEscapes[next];
      if (e === undefined) return undefined;
      out += e;
    }
  }
  return out;
}

function stringLiteral(n: Node): ConstValue | undefined {
  const text = n.text;
  // Wide and UTF-16/32 literals are not plain byte strings.
  if (!text.startsWith('"') && !text.startsWith('u8"')) return undefined;
  const body = text.slice(text.indexOf('"') + 1, -1);
  const value = unescape(body);
  return value === undefined ? undefined : { kind: 'string', value };
}

function charLiteral(text: string): ConstValue | undefined {
  if (!text.startsWith("'")) return undefined;
  const value = unescape(text.slice(1, -1));
  return value === undefined || value.length !== 1 ? undefined : { kind: 'int', value: BigInt(value.charCodeAt(0)) };
}

function unary(n: Node, scope: ConstScope): ConstValue | undefined {
  const op = n.childForFieldName('operator')?.text;
  const arg = n.childForFieldName('argument');
  const v = arg ? evaluateNode(arg, scope) : undefined;
  if (!v || v.kind === 'string') return undefined;
  switch (op) {
    case '-':
      return v.kind === 'int' ? { kind: 'int', value: -v.value } : { kind: 'float', value: -v.value };
    case '+':
      return v;
    case '~':
      return v.kind === 'int' ? { kind: 'int', value: ~v.value } : undefined;
    case '!':
      return { kind: 'int', value: truthy(v) ? 0n : 1n };
    default:
      return undefined;
  }
}

function binary(n: Node, scope: ConstScope): ConstValue | undefined {
  const op = n.childForFieldName('operator')?.text;
  const l = n.childForFieldName('left');
  const r = n.childForFieldName('right');
  const a = l ? evaluateNode(l, scope) : undefined;
  const b = r ? evaluateNode(r, scope) : undefined;
  if (!a || !b || a.kind === 'string' || b.kind === 'string' || op === undefined) return undefined;
  if (a.kind === 'int' && b.kind === 'int') return intBinary(op, a.value, b.value);
  const x = Number(a.value);
  const y = Number(b.value);
  const floats: Record<string, () => ConstValue> = {
    '+': () => ({ kind: 'float', value: x + y }),
    '-': () => ({ kind: 'float', value: x - y }),
    '*': () => ({ kind: 'float', value: x * y }),
    '/': () => ({ kind: 'float', value: x / y }),
  };
  return floats[op]?.();
}

function intBinary(op: string, x: bigint, y: bigint): ConstValue | undefined {
  const int = (value: bigint): ConstValue => ({ kind: 'int', value });
  switch (op) {
    case '+':
      return int(x + y);
    case '-':
      return int(x - y);
    case '*':
      return int(x * y);
    case '/':
      return y === 0n ? undefined : int(x / y);
    case '%':
      return y === 0n ? undefined : int(x % y);
    case '<<':
      return int(x << y);
    case '>>':
      return int(x >> y);
    case '&':
      return int(x & y);
    case '|':
      return int(x | y);
    case '^':
      return int(x ^ y);
    case '&&':
      return int(x !== 0n && y !== 0n ? 1n : 0n);
    case '||':
      return int(x !== 0n || y !== 0n ? 1n : 0n);
    case '==':
      return int(x === y ? 1n : 0n);
    case '!=':
      return int(x !== y ? 1n : 0n);
    case '<':
      return int(x < y ? 1n : 0n);
    case '>':
      return int(x > y ? 1n : 0n);
    case '<=':
      return int(x <= y ? 1n : 0n);
    case '>=':
      return int(x >= y ? 1n : 0n);
    default:
      return undefined;
  }
}
