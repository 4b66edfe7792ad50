// `ffikit call <lib> "<prototype>" [args...]`: one ad-hoc native call, arguments parsed by the prototype's types.

import type { Command } from 'commander';

import { declarationError, DeclarationError } from '../core/errors';
import { load } from '../library/library';
import { parsePrototype, type ParsedParam, type ParsedType } from '../declare/prototype';
import { EXIT, out, usage, type GlobalOptions } from './common';
import { suggestSymbols } from './fuzzy';
import { inspectLibrary } from './inspect';

/** Why a command-line argument does not fit its parameter's C type (a usage error, exit 2). */
export interface BadArgument {
  readonly problem: string;
}

type Converted<T> = { readonly value: T } | BadArgument;

const INTEGER = /^([+-]?)(0x[0-9a-f]+|0o[0-7]+|0b[01]+|\d+)$/i;
const FLOAT_WORDS: Record<string, number> = { nan: NaN, inf: Infinity, infinity: Infinity };

function bad(p: ParsedParam, expected: string, text: string): BadArgument {
  return { problem: `argument '${p.name}' (${p.type.text}) expects ${expected}, got '${text}'` };
}

function parseInteger(text: string, p: ParsedParam): Converted<bigint> {
  const m = INTEGER.exec(text.trim());
  if (!m) return bad(p, 'an integer (decimal, 0x hex, 0o, 0b)', text);
  const magnitude = BigInt(m[2] as string);
  return { value: m[1] === '-' ? -magnitude : magnitude };
}

function parseFloat(text: string, p: ParsedParam): Converted<number> {
  const t = text.trim().toLowerCase();
  const sign = t.startsWith('-') ? -1 : 1;
  const word = FLOAT_WORDS[t.replace(/^[+-]/, '')];
  if (word !== undefined) return { value: sign * word };
  // Number('') is 0 and Number('0x10') is 16: accept only what C's strtod would read as decimal.
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(t)) return bad(p, 'a number (e.g. 1.5, -2e3, nan, inf)', text);
  return { value: Number(t) };
}

function parseBool(text: string, p: ParsedParam): Converted<boolean> {
  const t = text.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(t)) return { value: true };
  if (['false', '0', 'no', 'off'].includes(t)) return { value: false };
  return bad(p, 'true or false', text);
}

function isStringPointer(t: ParsedType): boolean {
  return t.pointer === 1 && (t.prim?.isChar === true || t.prim?.kind === 'char16' || t.prim?.kind === 'char32');
}

function map<T, U>(c: Converted<T>, f: (v: T) => U): Converted<U> {
  return 'value' in c ? { value: f(c.value) } : c;
}

/** Converts one command-line string to the JS value the parameter's C type takes. */
export function convertArgument(text: string, p: ParsedParam): Converted<unknown> {
  const t = p.type;
  if (t.pointer > 0) {
    if (text === 'NULL' || text === 'null') return { value: null };
    if (isStringPointer(t)) return { value: text };
    if (/^0x[0-9a-f]+$/i.test(text)) return { value: BigInt(text) };
    return {
      problem:
        `argument '${p.name}' is a ${t.text} pointer; on the command line only strings (char *), NULL or a 0x address can be passed. ` +
        'Use ffikit.load() and bind() from a script to pass arrays or out-parameters',
    };
  }
  const prim = t.prim;
  if (!prim || prim.kind === 'void')
    return { problem: `argument '${p.name}' has type ${t.text}, which cannot be written on the command line` };
  switch (prim.kind) {
    case 'bool':
      return parseBool(text, p);
    case 'float':
      return parseFloat(text, p);
    case 'char16':
    case 'char32':
      if ([...text].length === 1 && !/\d/.test(text)) return { value: text.codePointAt(0) };
      return map(parseInteger(text, p), Number);
    default:
      if (prim.isChar && text.length === 1 && !/\d/.test(text)) return { value: text.charCodeAt(0) };
      // 64-bit parameters take a bigint so every value is exact; narrower ones a number (range-checked by ffikit).
      return map(parseInteger(text, p), (v) => (prim.size === 8 ? v : Number(v)));
  }
}

/** Formats a result for printing: strings JSON-quoted, pointers in hex, NULL as NULL. */
export function formatResult(value: unknown, result: ParsedType): string | undefined {
  if (result.pointer === 0 && result.prim?.kind === 'void') return undefined;
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'string') return JSON.stringify(value);
  if (result.pointer > 0 && (typeof value === 'bigint' || typeof value === 'number')) return `0x${value.toString(16)}`;
  return String(value);
}

/** A missing symbol gets the "did you mean" list `inspect --symbol` would print. */
function withSuggestions(error: unknown, file: string, name: string): unknown {
  if (!(error instanceof DeclarationError) || !error.message.includes('does not export')) return error;
  let names: string[];
  try {
    names = (inspectLibrary(file).exports ?? []).map((s) => s.name);
  } catch {
    return error;
  }
  const similar = suggestSymbols(name, names);
  if (!similar.length) return error;
  return declarationError(`${error.message} Did you mean: ${similar.join(', ')}?`, { cause: error });
}

/** Loads the library, binds the prototype, converts the arguments and calls it once. Returns the exit code. */
export function callOnce(lib: string, prototype: string, args: string[]): number {
  // Parsed first so that argument problems are usage errors, before anything is loaded.
  const proto = parsePrototype(prototype, 'ffikit call');
  if (args.length !== proto.params.length) {
    const list = proto.params.map((p) => `${p.type.text} ${p.name}`).join(', ') || 'no arguments';
    return usage('call', `${proto.name}() takes ${proto.params.length} argument(s) (${list}), got ${args.length}.`);
  }
  const values: unknown[] = [];
  for (const [i, a] of args.entries()) {
    const converted = convertArgument(a, proto.params[i] as ParsedParam);
    if (!('value' in converted)) return usage('call', `${proto.name}(): ${converted.problem}.`);
    values.push(converted.value);
  }
  using library = load(lib);
  let fn: (...a: unknown[]) => unknown;
  try {
    fn = library.bind({ [proto.name]: prototype })[proto.name] as unknown as (...a: unknown[]) => unknown;
  } catch (e) {
    throw withSuggestions(e, library.path, proto.name);
  }
  const text = formatResult(fn(...values), proto.result);
  if (text !== undefined) out(text);
  return EXIT.OK;
}

/** Registers `ffikit call`. */
export function registerCall(program: Command, run: (fn: () => number) => void): void {
  program
    .command('call')
    .description('call one function of a shared library and print the result')
    .argument('<lib>', "a path, or a bare name the system loader would find (e.g. 'libm.so.6')")
    .argument('<prototype>', 'its C prototype, quoted, e.g. "double cos(double x)"')
    .argument('[args...]', 'arguments: integers (64-bit ones exact), numbers, true/false, strings for char *, NULL')
    .addHelpText(
      'after',
      [
        '',
        'Negative decimal numbers may be written as they are; put other arguments starting with "-" after "--".',
        'Pointers other than char * accept only NULL or a 0x address. The raw return value is printed (no errcheck).',
        '',
        'Examples:',
        '  ffikit call libm.so.6 "double cos(double x)" 0',
        '  ffikit call libc.so.6 "size_t strlen(const char *s)" hello',
        '  ffikit call ./libfoo.so "int64_t add64(int64_t a, int64_t b)" 9007199254740993 -1',
        '  ffikit call libc.so.6 "int abs(int v)" -- -0x2a',
      ].join('\n'),
    )
    .action((lib: string, prototype: string, args: string[], _opts: GlobalOptions) => run(() => callOnce(lib, prototype, args)));
}
