// Per-parameter argument checks: a fast inline test for the common case and a complete converter.

import { types } from 'node:util';

import { intRange, isWideInt, type Primitive } from '../declare/primitives';
import { ArgumentError, CallbackError, DisposedError, FfikitError, argumentError, describeValue } from '../core/errors';
import { callbackCheck, structCheck, opaquePointerCheck, type CallContext, type ParamCheck, type PointerOptions } from './param-types';
import { pointerCheck } from './pointer-params';
import type { ParsedParam } from '../declare/prototype';
import { namedType, type CType } from '../declare/named-types';

export { checkBufferUsable, type CallContext, type ParamCheck, type PointerOptions } from './param-types';

function intCheck(fn: string, p: ParsedParam, prim: Primitive): ParamCheck {
  const [lo, hi] = intRange(prim);
  const ctype = p.type.text;
  if (isWideInt(prim)) {
    const expected = `an integer (${ctype}) in [${lo}, ${hi}]`;
    return {
      name: p.name,
      fast: prim.signed
        ? `(typeof x === 'number' && Number.isSafeInteger(x))`
        : `(typeof x === 'number' && Number.isSafeInteger(x) && x >= 0)`,
      usesContext: false,
      constants: {},
      convert: (x) => {
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
      },
    };
  }
  const expected = `an integer (${ctype}) in [${lo}, ${hi}]`;
  const nlo = Number(lo);
  const nhi = Number(hi);
  let fast: string;
  if (prim.size === 4) fast = prim.signed ? `(typeof x === 'number' && (x | 0) === x)` : `(typeof x === 'number' && (x >>> 0) === x)`;
  else fast = `(typeof x === 'number' && (x | 0) === x && x >= ${nlo} && x <= ${nhi})`;
  return {
    name: p.name,
    fast,
    usesContext: false,
    constants: {},
    convert: (x) => {
      if (typeof x === 'number' && Number.isInteger(x) && x >= nlo && x <= nhi) return x;
      const hint = typeof x === 'bigint' && x >= lo && x <= hi ? `Pass it as a number: ${x}.` : undefined;
      throw argumentError(fn, p.name, expected, x, hint);
    },
  };
}

function valueCheck(fn: string, p: ParsedParam): ParamCheck {
  const t = p.type;
  const prim = t.prim;
  if (prim) {
    switch (prim.kind) {
      case 'bool':
        return {
          name: p.name,
          fast: `(typeof x === 'boolean')`,
          usesContext: false,
          constants: {},
          convert: (x) => {
            if (typeof x === 'boolean') return x;
            throw argumentError(fn, p.name, 'a boolean (bool)', x, typeof x === 'number' ? 'Pass true or false.' : undefined);
          },
        };
      case 'float':
        return {
          name: p.name,
          fast: `(typeof x === 'number')`,
          usesContext: false,
          constants: {},
          convert: (x) => {
            if (typeof x === 'number') return x;
            throw argumentError(fn, p.name, `a number (${t.text})`, x, typeof x === 'bigint' ? 'Convert with Number(x).' : undefined);
          },
        };
      default:
        return intCheck(fn, p, prim);
    }
  }
  const named = namedType(t.base) as CType;
  if (named.prim) return valueCheck(fn, { name: p.name, type: { ...t, prim: named.prim } });
  switch (named.kind) {
    case 'struct':
      return structCheck(fn, p, named, 'value');
    case 'callback':
      return callbackCheck(fn, p, named);
    default:
      // Pointer-like typedefs (handles): addresses as C returned them.
      return opaquePointerCheck(fn, p, `a ${named.name} handle (bigint address) or null`);
  }
}

/** koffi reads a missing member as 0; a struct argument must name every member instead. */
export function paramCheck(fn: string, p: ParsedParam, options: PointerOptions = {}): ParamCheck {
  const t = p.type;
  const named = t.prim ? undefined : namedType(t.base);
  if (t.pointer === 0 && !(named?.kind === 'callback')) return valueCheck(fn, p);
  if (named?.kind === 'callback') return callbackCheck(fn, p, named);
  return pointerCheck(fn, p, options);
}

/** Rethrows what a transient callback threw, once the native call is over. */
export function callbackFailure(fn: string, ctx: CallContext): CallbackError {
  const cause = ctx.callbackError;
  const what = cause instanceof Error ? `${cause.name}: ${cause.message}` : describeValue(cause);
  return new CallbackError(
    `${fn}(): a callback threw during the native call (${what}); the call completed and the error is attached as .cause.`,
    cause,
  );
}

/** Turns an error thrown by the FFI layer while converting arguments into an ArgumentError. */
export function translateNativeThrow(fn: string, err: unknown): unknown {
  // koffi's errors may come from another realm (vm contexts, jest), so test by shape, not instanceof.
  if (err instanceof FfikitError || !types.isNativeError(err)) return err;
  const e = err as Error;
  if (/non-registered callback/i.test(e.message)) {
    return new DisposedError(
      `${fn}(): C called a callback that was already disposed (unregistered); dispose callbacks only once C can no longer call them.`,
    );
  }
  if (e.name === 'TypeError' || /unexpected|expected|invalid|cannot/i.test(e.message)) {
    return new ArgumentError(`${fn}(): the arguments were refused: ${e.message.replace(/\.$/, '')}.`);
  }
  return err;
}
