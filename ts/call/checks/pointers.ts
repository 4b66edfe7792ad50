// What a pointer parameter accepts, by its pointee: strings, number buffers, void *, structs, handles, pointer arrays and out-params.

import { argumentError } from '../../core/errors';
import { namedType, type CType } from '../../declare/named-types';
import type { ParsedParam } from '../../declare/prototype';
import { rawPointer, typedPointerCheck, voidPointerCheck } from './buffers';
import { callbackCheck } from './callback-args';
import type { ParamCheck, PointerOptions } from './check';
import { kCopiedOutBudget } from '../scope';
import { unionCheck } from './native-records';
import { handleCheck, opaquePointerCheck, structCheck } from './records';

function stringCheck(fn: string, p: ParsedParam): ParamCheck {
  return {
    name: p.name,
    fast: (x) => `(typeof ${x} === 'string' && ${x}.indexOf('\\0') === -1)`,
    usesScope: false,
    constants: {},
    convert: (x) => {
      if (x === null) return null;
      if (typeof x === 'string') {
        const nul = x.indexOf('\0');
        if (nul >= 0)
          throw argumentError(fn, p.name, 'a string without NUL characters', x, `It has one at index ${nul}; C would stop reading there.`);
        return x;
      }
      throw argumentError(
        fn,
        p.name,
        `a string (${p.type.text}) or null`,
        x,
        ArrayBuffer.isView(x) ? 'Decode it first, e.g. with buffer.toString().' : undefined,
      );
    },
  };
}

/** `T **` and out-params of pointers: an array (of strings for `char **`), an address, or null. */
function multiPointerCheck(fn: string, p: ParsedParam): ParamCheck {
  const t = p.type;
  const isOut = t.direction !== 'in';
  const expected = isOut
    ? `a one-element array to receive the ${t.text.replace(/\s*\*$/, '')} (${t.text})`
    : `an array, bigint address or null (${t.text})`;
  return {
    name: p.name,
    fast: null,
    usesScope: isOut,
    constants: {},
    convert: (x, scope) => {
      if (x === null && !isOut) return null;
      if (typeof x === 'bigint' && !isOut) return rawPointer(fn, p.name, expected, x);
      if (Array.isArray(x) && (!isOut || x.length >= 1)) {
        // The FFI layer copies the addresses back; beyond its per-call copy space it would crash.
        if (isOut && !scope.copiesOut(x.length * 8)) {
          throw argumentError(
            fn,
            p.name,
            expected,
            x,
            `${x.length} addresses do not fit the ${kCopiedOutBudget / 1024} KiB a call may copy back; pass the pointers' memory instead (a BigUint64Array through a 'void *' parameter).`,
          );
        }
        if (t.prim?.isChar && t.pointer === 2 && !isOut) {
          x.forEach((s, i) => {
            if (s !== null && (typeof s !== 'string' || s.includes('\0'))) {
              throw argumentError(fn, `${p.name}[${i}]`, 'a string without NUL characters or null', s);
            }
          });
        }
        return x;
      }
      throw argumentError(fn, p.name, expected, x);
    },
  };
}

function namedPointerCheck(fn: string, p: ParsedParam, named: CType, options: PointerOptions): ParamCheck {
  if (named.prim) return pointerCheck(fn, { name: p.name, type: { ...p.type, prim: named.prim } }, options);
  const t = p.type;
  const isOut = t.direction !== 'in';
  if (named.kind === 'struct' && t.pointer === 1) return structCheck(fn, p, named, t.direction);
  if (named.kind === 'union' && t.pointer === 1) return unionCheck(fn, p, named, t.direction);
  if (named.kind === 'callback' && t.pointer === 1) return callbackCheck(fn, p, named);
  if (t.pointer >= 2 || isOut) return multiPointerCheck(fn, p);
  if (named.kind === 'opaque') return handleCheck(fn, p, named.name);
  return opaquePointerCheck(fn, p, `a ${named.name} pointer (bigint address as C returned it) or null`);
}

/** The check for a parameter declared with at least one `*`. */
export function pointerCheck(fn: string, p: ParsedParam, options: PointerOptions = {}): ParamCheck {
  const t = p.type;
  const prim = t.prim;
  if (!prim) return namedPointerCheck(fn, p, namedType(t.base) as CType, options);
  if (t.pointer === 1 && prim.kind === 'void') return voidPointerCheck(fn, p, options);
  if (t.pointer === 1 && t.constBase && t.direction === 'in' && (prim.isChar || prim.kind === 'char16' || prim.kind === 'char32'))
    return stringCheck(fn, p);
  if (t.pointer === 1 && prim.dtype) return typedPointerCheck(fn, p, prim, options);
  return multiPointerCheck(fn, p);
}
