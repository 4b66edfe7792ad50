// Checks for structs (by value, through input and output pointers) and opaque handles (addresses C returned).

import { argumentError, disposedError } from '../../core/errors';
import type { CType } from '../../declare/named-types';
import { intRange } from '../../declare/primitives';
import { Handle, isHandle } from '../../memory/handle';
import type { ParsedParam } from '../../declare/prototype';
import { kMaxPointer, rawPointer } from './buffers';
import { checkUnionObject, nativeStructValue } from './native-records';
import type { ParamCheck } from './check';

/** koffi reads a missing member as 0; a struct argument must name every member instead. */
export function checkStructObject(fn: string, param: string, type: CType, value: object): void {
  for (const member of type.members ?? []) {
    if (!(member in value)) {
      throw argumentError(
        fn,
        param,
        `an object with every member of struct ${type.name} (${(type.members ?? []).join(', ')})`,
        value,
        `Member '${member}' is missing.`,
      );
    }
    const nested = type.memberStructs?.[member];
    const inner = (value as Record<string, unknown>)[member];
    if (nested?.kind === 'union') {
      checkUnionObject(fn, `${param}.${member}`, nested, inner);
    } else if (nested) {
      if (typeof inner !== 'object' || inner === null)
        throw argumentError(fn, `${param}.${member}`, `an object (struct ${nested.name})`, inner);
      checkStructObject(fn, `${param}.${member}`, nested, inner);
    }
  }
}

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
 * A struct argument: by value (`'value'`), through an input pointer (`'in'`: also an address or null),
 * or through an `_Out_`/`_Inout_` pointer (`'out'`: an object C fills, members not required).
 */
export function structCheck(fn: string, p: ParsedParam, named: CType, mode: 'value' | 'in' | 'out'): ParamCheck {
  const expected = `an object with the members of struct ${named.name}${mode === 'in' ? ', a bigint address or null' : ''}`;
  return {
    name: p.name,
    fast: null,
    usesScope: false,
    constants: {},
    convert: (x) => {
      if (typeof x === 'object' && x !== null && !Array.isArray(x) && !ArrayBuffer.isView(x)) {
        if (mode !== 'out') checkStructObject(fn, p.name, named, x);
        return named.bitfields ? nativeStructValue(fn, p.name, named, x, mode) : x;
      }
      if (mode === 'in' && x === null) return null;
      if (mode === 'in' && typeof x === 'bigint') return rawPointer(fn, p.name, expected, x);
      throw argumentError(fn, p.name, expected, x, mode === 'out' ? 'Pass an object ({}); C fills its members.' : undefined);
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
    fast: (x) => `(${x} instanceof Handle && ${x}.type === ${JSON.stringify(typeName)} && !${x}.disposed)`,
    fastValue: (x) => `${x}.pointer`,
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
  return {
    name: p.name,
    fast: type.flags
      ? int32Flags
        ? (x) => `(typeof ${x} === 'number' && (${x} | 0) === ${x} && (${x} & ${notMask}) === 0)`
        : null
      : (x) => `(typeof ${x} === 'number' && ENUM_${type.name}.has(${x}))`,
    usesScope: false,
    constants: type.flags ? {} : { [`ENUM_${type.name}`]: values },
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
