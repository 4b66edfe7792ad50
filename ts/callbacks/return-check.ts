// Checks what a JS callback returned against its C return type, before the FFI layer converts it.

import { callbackReturnError, type CallbackError } from '../core/errors';
import { intRange, isWideInt, type Primitive } from '../declare/primitives';
import { namedType, type CType } from '../declare/named-types';

/** What {@link CallbackReturn.normalise} gives for a value C cannot take. */
export const kRefused: unique symbol = Symbol('ffikit.refusedReturn');

/**
 * How the values a callback type returns reach C. A wrong value must never reach the FFI layer: it
 * would raise its exception inside C's call (surfacing as an unrelated ArgumentError of the outer
 * call), and some wrong values (a string for a pointer, a struct member of the wrong kind) would
 * hand C dangling memory or abort the process.
 */
export interface CallbackReturn {
  /** What C receives when the callback threw or returned a value C cannot take (0, false, NULL, {}). */
  readonly neutral: unknown;
  /** The value to hand to C (normalised where lossless), or {@link kRefused}. */
  normalise(value: unknown): unknown;
  /**
   * The CallbackError for a refused value. `where` starts the message (`bsearch()`), `subject` names
   * the callback (`the registered CompareFn callback`).
   */
  refusal(where: string, subject: string, value: unknown): CallbackError;
}

interface Rule {
  readonly expected: string;
  readonly neutral: unknown;
  readonly neutralText: string;
  readonly accept: (value: unknown) => unknown;
  readonly hint: (value: unknown) => string;
}

const kMaxPointer = (1n << 64n) - 1n;
const kMinPointer = -(1n << 63n);

function returnedNothing(value: unknown, what: string): string | undefined {
  return value === undefined ? `The function returned nothing; return ${what}.` : undefined;
}

function intRule(text: string, prim: Primitive): Rule {
  const [lo, hi] = intRange(prim);
  const expected = `an integer (${text}) in [${lo}, ${hi}]`;
  const wide = isWideInt(prim);
  const nlo = Number(lo);
  const nhi = Number(hi);
  const hint = (v: unknown): string => {
    if (typeof v === 'number') {
      if (wide && Number.isInteger(v) && !Number.isSafeInteger(v) && v >= nlo && v <= nhi) {
        return 'Above 2**53 a number cannot hold every integer exactly; return a BigInt.';
      }
      if (Number.isFinite(v) && !Number.isInteger(v)) return 'Return an integer (Math.trunc(x); for a comparison, Math.sign(x)).';
      return 'Return an integer in that range.';
    }
    if (typeof v === 'bigint') return v >= lo && v <= hi ? `Return it as a number: ${v}.` : 'Return an integer in that range.';
    if (typeof v === 'boolean') return 'Return a number (Number(x) gives 1 or 0).';
    if (typeof v === 'string') return 'Return a number, not a string (Number(x) converts one).';
    return returnedNothing(v, 'a number') ?? 'Return a number.';
  };
  if (wide) {
    return {
      expected,
      neutral: 0n,
      neutralText: '0',
      hint,
      accept: (v) => {
        if (typeof v === 'number') return Number.isSafeInteger(v) && v >= nlo ? v : kRefused;
        if (typeof v === 'bigint') return v >= lo && v <= hi ? v : kRefused;
        return kRefused;
      },
    };
  }
  if (prim.size === 4 && prim.signed) {
    return { expected, neutral: 0, neutralText: '0', hint, accept: (v) => (typeof v === 'number' && (v | 0) === v ? v : kRefused) };
  }
  return {
    expected,
    neutral: 0,
    neutralText: '0',
    hint,
    accept: (v) => (typeof v === 'number' && Number.isInteger(v) && v >= nlo && v <= nhi ? v : kRefused),
  };
}

function primitiveRule(text: string, prim: Primitive): Rule {
  switch (prim.kind) {
    case 'bool':
      return {
        expected: `a boolean (${text})`,
        neutral: false,
        neutralText: 'false',
        accept: (v) => (typeof v === 'boolean' ? v : kRefused),
        hint: (v) => returnedNothing(v, 'true or false') ?? 'Return true or false.',
      };
    case 'float':
      return {
        expected: `a number (${text})`,
        neutral: 0,
        neutralText: '0',
        accept: (v) => (typeof v === 'number' ? v : kRefused),
        hint: (v) => (typeof v === 'bigint' ? 'Convert it with Number(x).' : (returnedNothing(v, 'a number') ?? 'Return a number.')),
      };
    default:
      return intRule(text, prim);
  }
}

function pointerRule(text: string): Rule {
  return {
    expected: `a bigint address or null (${text})`,
    neutral: null,
    neutralText: 'NULL',
    accept: (v) => {
      if (v === null) return null;
      if (typeof v !== 'bigint' || v < kMinPointer || v > kMaxPointer) return kRefused;
      // A negative address is its two's complement, as for arguments: (void *)-1 is -1n.
      return v < 0n ? BigInt.asUintN(64, v) : v;
    },
    hint: (v) => {
      if (typeof v === 'string') {
        return 'C would get a temporary copy that is freed as soon as the callback returns; return the bigint address of native memory that outlives the call, or null.';
      }
      if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) {
        return "C would keep the address of JS memory that the garbage collector may move or free; return the bigint address of native memory (a ManagedArray's .pointer), or null.";
      }
      if (typeof v === 'number') return 'Return addresses as bigint (BigInt(x)).';
      if (typeof v === 'bigint') return 'Return an address in [-2**63, 2**64).';
      return (
        returnedNothing(v, 'null for NULL') ?? 'Return a bigint address (a registered callback or ManagedArray: its .pointer) or null.'
      );
    },
  };
}

function missingMember(type: CType, value: object): string | undefined {
  for (const member of type.members ?? []) {
    if (!(member in value)) return member;
    const nested = type.memberStructs?.[member];
    const inner = (value as Record<string, unknown>)[member];
    if (nested) {
      if (typeof inner !== 'object' || inner === null) return member;
      const deeper = missingMember(nested, inner);
      if (deeper !== undefined) return `${member}.${deeper}`;
    }
  }
  return undefined;
}

function isPlainObject(v: unknown): v is object {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

function structRule(type: CType): Rule {
  return {
    expected: `an object with the members of struct ${type.name} (${(type.members ?? []).join(', ')})`,
    // The FFI layer reads a member that is absent as 0.
    neutral: {},
    neutralText: `a zero-filled struct ${type.name}`,
    accept: (v) => (isPlainObject(v) && missingMember(type, v) === undefined ? v : kRefused),
    hint: (v) => {
      if (isPlainObject(v)) return `Member '${missingMember(type, v)}' is missing or not an object.`;
      return returnedNothing(v, 'an object') ?? 'Return an object.';
    },
  };
}

function ruleFor(type: CType): Rule | null {
  const r = type.proto?.result;
  if (!r) return null;
  if (r.pointer > 0) return pointerRule(r.text);
  // A typedef is resolved at parse time (r.named says which one was written): name both.
  if (r.prim) return r.prim.kind === 'void' ? null : primitiveRule(r.named ? `${r.text}: ${r.prim.canonical}` : r.text, r.prim);
  const named = namedType(r.base);
  if (named?.prim) return named.prim.kind === 'void' ? null : primitiveRule(`${r.text}: ${named.prim.canonical}`, named.prim);
  if (named?.kind === 'struct') return structRule(named);
  // Pointer typedefs, callback types and handles: C receives an address.
  return pointerRule(r.text);
}

const cache = new WeakMap<CType, CallbackReturn>();

/**
 * How values returned by callbacks of `type` are checked (cached per type); null for void callbacks,
 * whose return values are ignored.
 */
export function callbackReturn(type: CType): CallbackReturn | null {
  const cached = cache.get(type);
  if (cached) return cached;
  const rule = ruleFor(type);
  if (rule === null) return null;
  const made: CallbackReturn = {
    neutral: rule.neutral,
    normalise: rule.accept,
    refusal: (where, subject, value) => callbackReturnError(where, subject, rule.expected, value, rule.hint(value), rule.neutralText),
  };
  cache.set(type, made);
  return made;
}

const refusals = new WeakSet<object>();

/**
 * For wrappers of transient callbacks (a JS function passed for one call): returns a function that
 * gives the value to hand to C, or throws the CallbackError that names the callback type and the
 * return type it wanted. Call it on the user function's result inside the wrapper's try block, so
 * the error is recorded like a thrown exception and C receives the neutral value; the error is
 * recognised later by {@link isCallbackReturnError}, so it can be rethrown as it is.
 * @param type The callback type.
 * @param where Start of the message, e.g. `bsearch()`.
 * @param subject The callback, e.g. `the CompareFn callback passed as 'compar'`.
 */
export function callbackReturnCheck(type: CType, where: string, subject: string): (value: unknown) => unknown {
  const ret = callbackReturn(type);
  if (ret === null) return () => undefined;
  return (value) => {
    const out = ret.normalise(value);
    if (out !== kRefused) return out;
    const error = ret.refusal(where, subject, value);
    refusals.add(error);
    throw error;
  };
}

/** True for an error thrown by a {@link callbackReturnCheck} checker (it already says everything). */
export function isCallbackReturnError(error: unknown): error is CallbackError {
  return typeof error === 'object' && error !== null && refusals.has(error);
}
