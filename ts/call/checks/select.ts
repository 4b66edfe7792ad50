// Which check a declared parameter gets: numbers, pointers, structs, handles or callbacks.

import { nullArgumentError } from '../../core/errors';
import { namedType, type CType } from '../../declare/named-types';
import type { ParsedParam } from '../../declare/prototype';
import { callbackCheck } from './callback-args';
import type { ParamCheck, PointerOptions } from './check';
import { unionCheck } from './native-records';
import { numberCheck } from './numbers';
import { pointerCheck } from './pointers';
import { enumCheck, opaquePointerCheck, structCheck } from './records';

/** Builds the check for one declared parameter (`_Nonnull` pointers refuse null before anything else). */
export function paramCheck(fn: string, p: ParsedParam, options: PointerOptions = {}): ParamCheck {
  const check = baseCheck(fn, p, options);
  if (!p.type.nonnull) return check;
  const convert = check.convert;
  return {
    ...check,
    convert: (x, scope) => {
      if (x === null || x === undefined) throw nullArgumentError(fn, p.name);
      return convert(x, scope);
    },
  };
}

function baseCheck(fn: string, p: ParsedParam, options: PointerOptions): ParamCheck {
  const t = p.type;
  const named = t.prim ? undefined : (namedType(t.base) as CType);
  if (named?.kind === 'callback') return callbackCheck(fn, p, named);
  if (t.pointer > 0) return pointerCheck(fn, p, options);
  if (t.named?.kind === 'enum') return enumCheck(fn, p, namedType(t.named.name) as CType);
  if (t.prim) return numberCheck(fn, p, t.prim);
  if (named?.prim) return numberCheck(fn, p, named.prim);
  // Pointer-like typedefs (handles) pass the address C returned; structs pass by value.
  if (named?.kind === 'struct') return structCheck(fn, p, named, 'value');
  if (named?.kind === 'union') return unionCheck(fn, p, named, 'value');
  return opaquePointerCheck(fn, p, `a ${named?.name ?? t.base} handle (bigint address) or null`);
}
