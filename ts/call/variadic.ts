// Variadic functions: fn.variadic(...types) declares the extra arguments once (C's default promotions applied) and caches the result.

import { argumentError, unsupportedError } from '../core/errors';
import type { ParsedParam, ParsedPrototype, ParsedType } from '../declare/prototype';
import { parseTypeSpelling } from '../declare/named-types';
import { primitive } from '../declare/primitives';
import type { RawFunction } from '../native/koffi';
import { interleavedCall } from './codegen';

const kInt = primitive('int');
const kDouble = primitive('double');

/**
 * The type an extra argument is passed as: C promotes float to double and every integer narrower
 * than int (char, short, bool, small enums) to int.
 */
function promoted(t: ParsedType): ParsedType {
  if (t.pointer > 0 || !t.prim) return t;
  if (t.prim.kind === 'float' && t.prim.size < 8 && kDouble) return { ...t, base: 'double', prim: kDouble, text: 'double' };
  if ((t.prim.kind === 'int' || t.prim.kind === 'bool') && t.prim.size < 4 && kInt)
    return { ...t, base: kInt.canonical, prim: kInt, text: 'int' };
  return t;
}

/** koffi has no off-thread call for variadic functions: `.async` rejects with this, clearly. */
export function noAsync(symbol: string): () => never {
  return () => {
    throw unsupportedError(
      `${symbol}.async(): variadic functions can only be called on the calling thread (the FFI layer has no asynchronous variadic call). ` +
        'Call it synchronously, or from a ThreadPoolExecutor to keep the main thread free.',
    );
  };
}

/** A variadic function's native function with `.async` refusing clearly. */
export function variadicRaw(raw: RawFunction, symbol: string): RawFunction {
  // A bound copy (no rest/spread per call) that can carry its own `.async`.
  return Object.assign(raw.bind(undefined), { async: noAsync(symbol) }) as RawFunction;
}

/**
 * Builds `fn.variadic`: `(...types) => bound function` taking the fixed arguments, then one argument
 * per type. The FFI layer receives each extra argument with its (promoted) type, as C's varargs need.
 * @param make declares the checked wrapper for a prototype and a native function.
 */
export function variadicFactory<F>(
  proto: ParsedPrototype,
  raw: RawFunction,
  make: (proto: ParsedPrototype, raw: RawFunction) => F,
): (...types: string[]) => F {
  const cache = new Map<string, F>();
  const where = `${proto.name}.variadic()`;
  return (...types: string[]): F => {
    types.forEach((t, i) => {
      if (typeof t !== 'string' || /^\s*void\s*$/.test(t)) {
        throw argumentError('variadic', `types[${i}]`, "a non-void C type such as 'int', 'double' or 'const char *'", t);
      }
    });
    const key = types.map((t) => t.trim()).join(', ');
    const known = cache.get(key);
    if (known !== undefined) return known;
    const extra: ParsedParam[] = types.map((spelling, i) => {
      return { name: `va${i}`, type: promoted(parseTypeSpelling(spelling, where)) };
    });
    const fixed = proto.params.length;
    const spellings = extra.map((p) => p.type.text);
    // koffi takes each variadic argument as a (type, value) pair after the fixed ones.
    const call = interleavedCall(raw, fixed, spellings, `${proto.name}(${key})`);
    const rawX = Object.assign(call, { async: noAsync(proto.name) }) as unknown as RawFunction;
    const text = `${proto.text} with (${key})`;
    const declared = make({ ...proto, params: [...proto.params, ...extra], variadic: false, text }, rawX);
    cache.set(key, declared);
    return declared;
  };
}
