// Checks for numeric parameters: integers of every width (number or bigint), floating point, bool.

import { argumentError } from '../../core/errors';
import { intRange, isWideInt, type Primitive } from '../../declare/primitives';
import type { ParsedParam } from '../../declare/prototype';
import type { ParamCheck } from './check';

function check(name: string, fast: ParamCheck['fast'], convert: (x: unknown) => unknown): ParamCheck {
  return { name, fast, convert, usesScope: false, constants: {} };
}

function wideIntCheck(fn: string, p: ParsedParam, prim: Primitive, lo: bigint, hi: bigint): ParamCheck {
  const expected = `an integer (${p.type.text}) in [${lo}, ${hi}]`;
  const fast = prim.signed
    ? (x: string) => `(typeof ${x} === 'number' && Number.isSafeInteger(${x}))`
    : (x: string) => `(typeof ${x} === 'number' && Number.isSafeInteger(${x}) && ${x} >= 0)`;
  return check(p.name, fast, (x) => {
    if (typeof x === 'number') {
      if (Number.isSafeInteger(x) && BigInt(x) >= lo) return x;
      if (Number.isInteger(x) && Math.abs(x) > Number.MAX_SAFE_INTEGER && Math.abs(x) <= 2 ** 64) {
        throw argumentError(
          fn,
          p.name,
          expected,
          x,
          `Above 2**53 a number cannot hold every integer exactly; pass a BigInt instead (e.g. ${BigInt(x)}n if that is the exact value).`,
        );
      }
      throw argumentError(fn, p.name, expected, x);
    }
    if (typeof x === 'bigint') {
      if (x >= lo && x <= hi) return x;
      throw argumentError(fn, p.name, expected, x);
    }
    throw argumentError(fn, p.name, `${expected} as a number or bigint`, x);
  });
}

function intCheck(fn: string, p: ParsedParam, prim: Primitive): ParamCheck {
  const [lo, hi] = intRange(prim);
  if (isWideInt(prim)) return wideIntCheck(fn, p, prim, lo, hi);
  const expected = `an integer (${p.type.text}) in [${lo}, ${hi}]`;
  const nlo = Number(lo);
  const nhi = Number(hi);
  let fast: (x: string) => string;
  if (prim.size === 4)
    fast = prim.signed
      ? (x) => `(typeof ${x} === 'number' && (${x} | 0) === ${x})`
      : (x) => `(typeof ${x} === 'number' && (${x} >>> 0) === ${x})`;
  else fast = (x) => `(typeof ${x} === 'number' && (${x} | 0) === ${x} && ${x} >= ${nlo} && ${x} <= ${nhi})`;
  return check(p.name, fast, (x) => {
    if (typeof x === 'number' && Number.isInteger(x) && x >= nlo && x <= nhi) return x;
    const hint = typeof x === 'bigint' && x >= lo && x <= hi ? `Pass it as a number: ${x}.` : undefined;
    throw argumentError(fn, p.name, expected, x, hint);
  });
}

/** The check for a parameter passed by value as a C number (or bool). */
export function numberCheck(fn: string, p: ParsedParam, prim: Primitive): ParamCheck {
  switch (prim.kind) {
    case 'bool':
      return check(
        p.name,
        (x) => `(typeof ${x} === 'boolean')`,
        (x) => {
          if (typeof x === 'boolean') return x;
          throw argumentError(fn, p.name, 'a boolean (bool)', x, typeof x === 'number' ? 'Pass true or false.' : undefined);
        },
      );
    case 'float':
      return check(
        p.name,
        (x) => `(typeof ${x} === 'number')`,
        (x) => {
          if (typeof x === 'number') return x;
          throw argumentError(fn, p.name, `a number (${p.type.text})`, x, typeof x === 'bigint' ? 'Convert with Number(x).' : undefined);
        },
      );
    default:
      return intCheck(fn, p, prim);
  }
}
