// Checks for structs (by value, through input and output pointers) and opaque handles (addresses C returned).

import { argumentError } from '../../core/errors';
import type { CType } from '../../declare/named-types';
import type { ParsedParam } from '../../declare/prototype';
import { kMaxPointer, rawPointer } from './buffers';
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
    if (nested) {
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
        return x;
      }
      if (mode === 'in' && x === null) return null;
      if (mode === 'in' && typeof x === 'bigint') return rawPointer(fn, p.name, expected, x);
      throw argumentError(fn, p.name, expected, x, mode === 'out' ? 'Pass an object ({}); C fills its members.' : undefined);
    },
  };
}
