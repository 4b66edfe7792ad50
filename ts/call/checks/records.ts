// Checks for structs (by value, through input and output pointers) and opaque handles (addresses C returned).

import { argumentError, disposedError, structArrayDisposedError } from '../../core/errors';
import type { CType } from '../../declare/named-types';
import { intRange } from '../../declare/primitives';
import { Handle, isHandle } from '../../memory/handle';
import type { ParsedParam } from '../../declare/prototype';
import { checkStructElement, checkStructObject, isStructObject, structObjectTest } from '../../declare/struct-objects';
import { isStructArray, StructArray, structArrayStorage } from '../../memory/struct-array';
import type { CallScope } from '../scope';
import { kMaxPointer, rawPointer } from './buffers';
import { nativeStructValue } from './native-records';
import type { ParamCheck } from './check';

/** An address of something ffikit cannot look into (a handle): a bigint as C returned it, or null. */
export function opaquePointerCheck(fn: string, p: ParsedParam, expected: string): ParamCheck {
  return {
    name: p.name,
    fast: (x) => `(typeof ${x} === 'bigint' && ${x} > 0n && ${x} <= ${kMaxPointer}n)`,
    usesScope: false,
    constants: {},
    convert: (x) => {
      if (x === null) return null;
      if (typeof x === 'bigint') return rawPointer(fn, p.name, expected, x);
      throw argumentError(fn, p.name, expected, x);
    },
  };
}

/**
 * `_Out_`/`_Inout_` objects too large for the FFI layer's own copy (see kCopiedOutBudget): C gets a
 * StructArray of them, and `writeBack` receives what C left there once the call is over.
 */
function stageStructs(
  named: CType,
  objects: readonly object[],
  mode: 'inout' | 'out',
  scope: CallScope,
  writeBack: (back: object[]) => void,
): bigint {
  const staged = mode === 'out' ? StructArray.create(named, objects.length) : StructArray.from(named, objects);
  scope.record(structArrayStorage(staged));
  scope.afterCall(() => {
    writeBack(staged.toArray());
    staged.dispose();
  });
  return staged.pointer;
}

/**
 * A struct argument: by value (`'value'`), or through a pointer: input (`'in'`: also an address),
 * `_Inout_` (`'inout'`: C reads and writes the objects) or `_Out_` (`'out'`: objects C fills, members
 * not required). A `T *` takes one object, an array of objects (copied into temporary memory, and back
 * after the call for `'out'`/`'inout'`: by koffi, or by ffikit beyond kCopiedOutBudget), or a
 * {@link StructArray} of exactly that type (its address: zero-copy, pinned for the call).
 */
export function structCheck(fn: string, p: ParsedParam, named: CType, mode: 'value' | 'in' | 'inout' | 'out'): ParamCheck {
  const byPointer = mode !== 'value';
  const expected = byPointer
    ? `an object or array of objects with the members of struct ${named.name}, a StructArray(${named.name})${mode === 'in' ? ', a bigint address or null' : ''}`
    : `an object with the members of struct ${named.name}`;
  const complete = structObjectTest(named);
  const fail = (x: unknown, hint?: string): never => {
    throw argumentError(fn, p.name, expected, x, hint ?? (mode === 'out' ? 'Pass an object ({}); C fills its members.' : undefined));
  };
  return {
    name: p.name,
    fast: null,
    usesScope: byPointer,
    constants: {},
    convert: (x, scope) => {
      if (isStructObject(x)) {
        if (byPointer && isStructArray(x)) {
          if (x.type !== named && x.type.name !== named.name) fail(x, `It is a StructArray of ${x.type.name}.`);
          if (x.disposed) throw structArrayDisposedError(`${fn}()`, p.name, `StructArray(${x.type.name}, ${x.length})`);
          scope.record(structArrayStorage(x));
          return x.length === 0 ? null : x.pointer;
        }
        if (mode !== 'out') checkStructObject(fn, p.name, named, x);
        if (named.bitfields) return nativeStructValue(fn, p.name, named, x, mode);
        // A struct with large array members is staged like an array of structs; the FFI layer's own
        // copy-back updates a single object in place, so the staged one does too.
        if (mode === 'value' || mode === 'in' || scope.copiesOut(named.size)) return x;
        return stageStructs(named, [x], mode, scope, ([back]) => Object.assign(x, back));
      }
      if (byPointer && Array.isArray(x)) {
        const test = mode === 'out' ? isStructObject : complete;
        for (let i = 0; i < x.length; i++) {
          const el: unknown = x[i];
          if (test(el)) continue;
          if (mode === 'out') throw argumentError(fn, `${p.name}[${i}]`, `an object (struct ${named.name}) for C to fill`, el);
          checkStructElement(fn, `${p.name}[${i}]`, named, el);
        }
        if (mode === 'in' || scope.copiesOut(x.length * named.size)) return x;
        // The FFI layer's copy-back replaces the elements with new objects; the staged one does too.
        return stageStructs(named, x as object[], mode, scope, (back) => back.forEach((o, i) => (x[i] = o)));
      }
      if (mode === 'in' && x === null) return null;
      if (mode === 'in' && typeof x === 'bigint') return rawPointer(fn, p.name, expected, x);
      return fail(x);
    },
  };
}

/**
 * A pointer to an opaque (or struct) type passed as a typed handle: a {@link Handle} of exactly that
 * type (its address goes to C), a bare bigint address (as C returned it), or null.
 */
export function handleCheck(fn: string, p: ParsedParam, typeName: string): ParamCheck {
  const expected = `a ${typeName} handle, a bigint address or null`;
  return {
    name: p.name,
    // A disposed handle's address reads 0n, so one read both checks liveness and gives the address.
    fast: (x) => `(${x} instanceof Handle && ${x}.type === ${JSON.stringify(typeName)} && ${x}.address !== 0n)`,
    fastValue: (x) => `${x}.address`,
    usesScope: false,
    constants: { Handle },
    convert: (x) => {
      if (x === null) return null;
      if (isHandle(x)) {
        if (x.type !== typeName) throw argumentError(fn, p.name, expected, x, `It is a ${x.type} handle.`);
        if (x.disposed) throw disposedError(`${fn}(): argument '${p.name}' is a disposed ${x.type} handle; its object is gone.`);
        return x.pointer;
      }
      if (typeof x === 'bigint') return rawPointer(fn, p.name, expected, x);
      throw argumentError(fn, p.name, expected, x);
    },
  };
}

/** An enum parameter: a member's value or name; for `{ flags: true }` enums, any bitwise OR of members. */
export function enumCheck(fn: string, p: ParsedParam, type: CType): ParamCheck {
  const members = type.enumMembers ?? new Map<string, number>();
  const values = new Set(members.values());
  const names = [...members.keys()];
  const listed = names.length <= 8 ? names.join(', ') : `${names.slice(0, 8).join(', ')}, ...`;
  const expected = type.flags
    ? `a bitwise OR of ${type.name} flags (${listed}) or a member name`
    : `a ${type.name} value or member name (${listed})`;
  const [lo, hi] = type.prim ? [Number(intRange(type.prim)[0]), Number(intRange(type.prim)[1])] : [-(2 ** 31), 2 ** 31 - 1];
  let mask = 0n;
  for (const v of values) mask |= BigInt(v) & ((1n << 64n) - 1n);
  const int32Flags = type.flags === true && lo === -(2 ** 31) && hi === 2 ** 31 - 1 && mask < 1n << 31n;
  const notMask = int32Flags ? ~Number(mask) : 0;
  // Dense enums (the usual case) are checked with a table lookup, sparse ones with a Set.
  const min = Math.min(...values);
  const span = Math.max(...values) - min + 1;
  const dense = span <= 4096 && Number.isSafeInteger(min) && min >= -(2 ** 31) && min + span <= 2 ** 31;
  const table = new Uint8Array(dense ? span : 0);
  if (dense) for (const v of values) table[v - min] = 1;
  const tableName = `ENUM_${type.name}`;
  let fast: ((x: string) => string) | null;
  if (type.flags) fast = int32Flags ? (x) => `(typeof ${x} === 'number' && (${x} | 0) === ${x} && (${x} & ${notMask}) === 0)` : null;
  else if (dense) fast = (x) => `(typeof ${x} === 'number' && (${x} | 0) === ${x} && ${tableName}[(${x} - ${min}) >>> 0] === 1)`;
  else fast = (x) => `(typeof ${x} === 'number' && ${tableName}.has(${x}))`;
  return {
    name: p.name,
    fast,
    usesScope: false,
    constants: type.flags ? {} : { [tableName]: dense ? table : values },
    convert: (x) => {
      if (typeof x === 'string') {
        const v = members.get(x);
        if (v === undefined) throw argumentError(fn, p.name, expected, x, `'${x}' is not a member of ${type.name}.`);
        return v;
      }
      if (typeof x === 'number' && Number.isInteger(x) && x >= lo && x <= hi) {
        if (values.has(x)) return x;
        if (type.flags && (BigInt(x) & ~mask & ((1n << 64n) - 1n)) === 0n) return x;
        throw argumentError(fn, p.name, expected, x, `${x} is not ${type.flags ? 'a combination of its flags' : 'one of its values'}.`);
      }
      throw argumentError(fn, p.name, expected, x);
    },
  };
}
