// Reading single tree-sitter-c nodes: qualifiers, declarator names, type spellings, GCC attributes, comments.

import type { Node } from 'web-tree-sitter';

import type { CTypeRef } from './model';

const kSizedWords = new Set(['unsigned', 'signed', 'short', 'long', 'int', 'char', 'double', 'float']);

/** The text of a comment without its delimiters and leading stars. */
export function commentText(raw: string): string {
  const body = raw.startsWith('//') ? raw.replace(/^\/\/+/gm, '') : raw.replace(/^\/\*+!?/, '').replace(/\*+\/$/, '');
  const lines = body.split('\n').map((l) => l.replace(/^\s*\*+ ?/, '').replace(/\s+$/, ''));
  while (lines.length > 0 && lines[0]!.trim() === '') lines.shift();
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  const indent = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(Number.isFinite(indent) ? indent : 0)).join('\n');
}

export function isConst(n: Node): boolean {
  return n.children.some((c) => c.type === 'type_qualifier' && c.text === 'const');
}

export function declaratorName(d: Node): string | undefined {
  if (d.type === 'identifier' || d.type === 'field_identifier' || d.type === 'type_identifier') return d.text;
  const inner =
    d.childForFieldName('declarator') ?? d.namedChildren.find((c) => c.type.endsWith('declarator') || c.type.endsWith('identifier'));
  return inner ? declaratorName(inner) : undefined;
}

export function primitiveRef(text: string): CTypeRef {
  return { k: 'prim', name: text === '_Bool' ? 'bool' : text };
}

/** `long unsigned int` → `unsigned long`: the spelling ffikit's primitive table knows. */
export function sizedName(text: string): string {
  const words = text.split(/\s+/).filter((w) => kSizedWords.has(w));
  const unsigned = words.includes('unsigned');
  const longs = words.filter((w) => w === 'long').length;
  if (words.includes('char')) return unsigned ? 'unsigned char' : words.includes('signed') ? 'signed char' : 'char';
  if (words.includes('double')) return longs > 0 ? 'long double' : 'double';
  if (words.includes('short')) return unsigned ? 'unsigned short' : 'short';
  const core = longs === 2 ? 'long long' : longs === 1 ? 'long' : 'int';
  return unsigned ? `unsigned ${core}` : core;
}

export interface Attributes {
  nonnull: number[] | 'all';
  returnsNonnull: boolean;
  deprecated: boolean;
}

/** GCC attributes on a function declaration: nonnull[(i,...)], returns_nonnull, deprecated. */
export function attributesOf(n: Node): Attributes {
  const out: Attributes = { nonnull: [], returnsNonnull: false, deprecated: false };
  for (const spec of n.descendantsOfType('attribute_specifier')) {
    if (!spec) continue;
    for (const item of spec.namedChildren[0]?.namedChildren ?? []) {
      const name = (item.type === 'call_expression' ? item.childForFieldName('function')?.text : item.text)?.replace(/^__(.*)__$/, '$1');
      if (name === 'nonnull') {
        const args = item.type === 'call_expression' ? (item.childForFieldName('arguments')?.namedChildren ?? []) : [];
        if (args.length === 0) out.nonnull = 'all';
        else if (out.nonnull !== 'all') out.nonnull.push(...args.map((a) => Number(a.text)).filter(Number.isInteger));
      } else if (name === 'returns_nonnull') {
        out.returnsNonnull = true;
      } else if (name === 'deprecated') {
        out.deprecated = true;
      }
    }
  }
  return out;
}
