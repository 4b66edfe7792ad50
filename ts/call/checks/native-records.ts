// Records whose JS form differs from what the FFI layer encodes: unions (one member set) and structs with bitfields.

import { packBitfields, unpackBitfields } from '../../declare/bitfields';
import { unionObject } from '../../declare/decode';
import type { CType } from '../../declare/named-types';
import type { ParsedParam } from '../../declare/prototype';
import { kNative } from '../../declare/type-registry';
import * as native from '../../native/koffi';
import { checkUnionObject } from '../../declare/struct-objects';
import { rawPointer } from './buffers';
import type { ParamCheck } from './check';

/** On the object handed to the FFI layer for an `_Out_`/`_Inout_` record: the caller's object, to write back into. */
const kSource = Symbol('ffikit.recordSource');

/**
 * A union argument: by value (`'value'`), through an input pointer (`'in'`: also an address or null),
 * or through an `_Out_`/`_Inout_` pointer (`'out'`/`'inout'`), where every member is written back
 * into the object passed after the call.
 */
export function unionCheck(fn: string, p: ParsedParam, type: CType, mode: 'value' | 'in' | 'out' | 'inout'): ParamCheck {
  return {
    name: p.name,
    fast: null,
    usesScope: false,
    constants: {},
    convert: (x) => {
      if (mode === 'in' && x === null) return null;
      if (mode === 'in' && typeof x === 'bigint') return rawPointer(fn, p.name, `a ${type.name} union object, a bigint address or null`, x);
      if (mode === 'out' && typeof x === 'object' && x !== null && !Array.isArray(x) && !ArrayBuffer.isView(x)) {
        return Object.assign(native.unionValue(type[kNative]), { [kSource]: x });
      }
      const member = checkUnionObject(fn, p.name, type, x);
      const value = (x as Record<string, unknown>)[member];
      if (mode === 'inout') return Object.assign(native.unionValue(type[kNative], member, value), { [kSource]: x });
      return { [member]: value };
    },
  };
}

/**
 * The hook structCheck calls for a struct with bitfields: the object the FFI layer encodes (bitfield
 * values packed into byte runs). For `_Out_`/`_Inout_` pointers it keeps the caller's object, which
 * {@link writeBackRecord} fills after the call.
 * @throws {ArgumentError} for a bitfield value outside its width.
 */
export function nativeStructValue(fn: string, param: string, type: CType, value: object, mode: 'value' | 'in' | 'inout' | 'out'): object {
  const plan = type.bitfields;
  if (!plan) return value;
  // `_Out_` objects need no members (C fills them); `_Inout_` ones do. Both are written back.
  const packed = packBitfields(fn, param, plan, value as Record<string, unknown>, mode === 'out');
  return mode === 'out' || mode === 'inout' ? Object.assign(packed, { [kSource]: value }) : packed;
}

/** After the call: copies what C wrote into an `_Out_`/`_Inout_` union or bitfield struct back into the caller's object. */
export function writeBackRecord(type: CType, written: unknown): void {
  if (typeof written !== 'object' || written === null) return;
  const target = (written as Record<symbol, unknown>)[kSource] as Record<string, unknown> | undefined;
  if (!target) return;
  if (type.kind === 'union') unionObject(type, written, target);
  else if (type.bitfields) unpackBitfields(type.bitfields, written as Record<string, unknown>, target);
}
