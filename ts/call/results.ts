// What comes back from a call besides the raw value: typed handles, unions and bitfield structs, for results and out-parameters.

import type { ParsedPrototype, ParsedType } from '../declare/prototype';
import { recordObject } from '../declare/decode';
import { namedType, type CType } from '../declare/type-registry';
import { adoptHandle } from '../memory/handle';
import { writeBackRecord } from './checks/native-records';

/** The handle type a pointer of this type carries (`sqlite3 *` → 'sqlite3'), at `depth` stars. */
export function handleTypeOf(t: ParsedType, depth: number): string | undefined {
  if (t.prim || t.pointer !== depth) return undefined;
  return namedType(t.base)?.kind === 'opaque' ? t.base : undefined;
}

/** Converts a raw result: a pointer to an opaque type comes back as its typed Handle (NULL as null). */
export function resultConversion(proto: ParsedPrototype): ((r: unknown) => unknown) | null {
  const record = convertedRecord(proto.result, 0);
  if (record) return (r) => recordObject(record, r);
  const type = handleTypeOf(proto.result, 1);
  if (type === undefined) return null;
  return (r) => (typeof r === 'bigint' && r !== 0n ? adoptHandle(type, r) : null);
}

/** `_Out_ T **` parameters of opaque T: C wrote an address into element 0, which becomes a Handle. */
export function outputConversions(proto: ParsedPrototype): { index: number; convert: (out: unknown) => void }[] {
  const outputs: { index: number; convert: (out: unknown) => void }[] = [];
  proto.params.forEach((p, index) => {
    if (p.type.direction === 'in') return;
    const record = convertedRecord(p.type, 1);
    if (record) outputs.push({ index, convert: (out) => writeBackRecord(record, out) });
    const type = handleTypeOf(p.type, 2);
    if (type === undefined) return;
    outputs.push({
      index,
      convert: (out) => {
        if (!Array.isArray(out)) return;
        const v: unknown = out[0];
        if (typeof v === 'bigint') out[0] = v === 0n ? null : adoptHandle(type, v);
      },
    });
  });
  return outputs;
}

/** A union, or a struct with bitfields (or holding unions), at `depth` stars: its JS form differs from the FFI layer's. */
function convertedRecord(t: ParsedType, depth: number): CType | undefined {
  if (t.prim || t.pointer !== depth) return undefined;
  const type = namedType(t.base);
  if (type?.kind === 'union' || type?.bitfields) return type;
  if (depth === 0 && type?.kind === 'struct' && Object.keys(type.memberStructs ?? {}).length > 0) return type;
  return undefined;
}
