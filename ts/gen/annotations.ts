// The annotations file (`ffikit gen --annotate <file>`): per-function safety that survives regeneration.

import * as fs from 'node:fs';

import { genError } from './errors';

/** How a function's result is checked: a policy, an enum's members, or a table of codes. */
export type ErrcheckAnnotation =
  | 'nonzero-status'
  | 'negative-errno'
  | 'null-is-failure'
  | { readonly enum: string; readonly ok: readonly string[] }
  | { readonly codes: Readonly<Record<string, number>>; readonly ok?: readonly number[] };

/** What one function's annotation may add. */
export interface FunctionAnnotation {
  /** Parameters C writes through (`_Out_`): a one-element array or typed array receives the value. */
  readonly out?: readonly string[];
  /** Parameters C reads and writes (`_Inout_`). */
  readonly inout?: readonly string[];
  /** The handle parameter this function frees (a `disposes` bind option). */
  readonly disposes?: string;
  /** Array contracts per parameter, as `bind()` takes them. */
  readonly arrays?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly errcheck?: ErrcheckAnnotation;
}

/** Function name (as in C) to annotation. */
export type Annotations = Readonly<Record<string, FunctionAnnotation>>;

const kKeys = new Set(['out', 'inout', 'disposes', 'arrays', 'errcheck']);
const kPolicies = new Set(['nonzero-status', 'negative-errno', 'null-is-failure']);

function bad(file: string, where: string, expected: string, got: unknown): never {
  const actual = typeof got === 'string' ? `'${got}'` : got === undefined ? 'nothing' : JSON.stringify(got).slice(0, 60);
  throw genError('annotations', `ffikit gen --annotate ${file}: ${where}`, expected, actual, 'Fix the annotations file');
}

function names(file: string, where: string, v: unknown): readonly string[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) bad(file, where, 'an array of parameter names', v);
  return v as string[];
}

/**
 * Reads and validates an annotations file (JSON).
 * @throws {GenError} ('annotations') naming the function and key that is wrong.
 */
export function readAnnotations(file: string): Annotations {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw genError(
      'annotations',
      'ffikit gen --annotate',
      'a readable JSON file',
      `'${file}' (${(error as Error).message})`,
      'Fix the path or the JSON',
      error,
    );
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    bad(file, 'top level', 'an object of function names to annotations', raw);
  const out: Record<string, FunctionAnnotation> = {};
  for (const [fn, a] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof a !== 'object' || a === null || Array.isArray(a)) bad(file, fn, 'an object such as { "out": ["db"] }', a);
    const entry = a as Record<string, unknown>;
    for (const key of Object.keys(entry)) if (!kKeys.has(key)) bad(file, `${fn}.${key}`, `one of ${[...kKeys].join(', ')}`, key);
    const e = entry.errcheck;
    if (e !== undefined) {
      const ok =
        (typeof e === 'string' && kPolicies.has(e)) ||
        (typeof e === 'object' &&
          e !== null &&
          ('enum' in e
            ? typeof e.enum === 'string' && Array.isArray((e as { ok?: unknown }).ok)
            : 'codes' in e && typeof e.codes === 'object'));
      if (!ok)
        bad(
          file,
          `${fn}.errcheck`,
          `'nonzero-status', 'negative-errno', 'null-is-failure', { "enum": name, "ok": [...] } or { "codes": {...}, "ok": [...] }`,
          e,
        );
    }
    if (entry.disposes !== undefined && typeof entry.disposes !== 'string') bad(file, `${fn}.disposes`, 'a parameter name', entry.disposes);
    if (entry.arrays !== undefined && (typeof entry.arrays !== 'object' || entry.arrays === null))
      bad(file, `${fn}.arrays`, 'an object of parameter names to contracts', entry.arrays);
    out[fn] = {
      ...(entry.out !== undefined ? { out: names(file, `${fn}.out`, entry.out) } : {}),
      ...(entry.inout !== undefined ? { inout: names(file, `${fn}.inout`, entry.inout) } : {}),
      ...(entry.disposes !== undefined ? { disposes: entry.disposes as string } : {}),
      ...(entry.arrays !== undefined ? { arrays: entry.arrays as FunctionAnnotation['arrays'] } : {}),
      ...(e !== undefined ? { errcheck: e as ErrcheckAnnotation } : {}),
    };
  }
  return out;
}

/** Checks that every parameter an annotation names exists. */
export function checkAnnotationParams(file: string, fn: string, a: FunctionAnnotation, params: readonly string[]): void {
  const named = [...(a.out ?? []), ...(a.inout ?? []), ...(a.disposes !== undefined ? [a.disposes] : []), ...Object.keys(a.arrays ?? {})];
  for (const p of named) if (!params.includes(p)) bad(file, fn, `a parameter of ${fn}() (${params.join(', ') || 'none'})`, p);
}
