// Declares a struct with bitfields to the FFI layer: laid out by the platform ABI, bitfield bytes as hidden byte arrays.

import { declarationError } from '../core/errors';
import * as native from '../native/koffi';
import { bitfieldRuns, bitfieldWidth, platformLayout, splitBitfield, type BitfieldPlan, type LayoutInput } from './bitfields';
import type { Primitive } from './primitives';
import { CType } from './type-registry';

/** One member of a struct declaration: already converted to the FFI layer's type, or a bitfield spelling. */
export interface BitfieldStructMember {
  readonly name: string;
  /** For plain members. */
  readonly native?: native.NativeTypeSpec;
  readonly align?: number;
  /** For plain members that are structs (nested objects; packed too when they have bitfields). */
  readonly struct?: CType;
  /** For bitfields: the resolved integer type and the spelling (for messages). */
  readonly prim?: Primitive;
  readonly typeText?: string;
  readonly width?: string;
}

/** True when any member spelling carries a width (`'uint32_t:3'`). */
export function hasBitfields(members: Record<string, unknown>): boolean {
  return Object.values(members).some((m) => typeof m === 'string' && splitBitfield(m) !== undefined);
}

/**
 * Lays the struct out with the platform's rules, then declares it to the FFI layer with every run
 * of bitfield bytes as a `uint8_t[n]` member (`__bits0`, ...) and explicit padding, so each plain
 * member lands at the offset C gives it. The first member carries the struct's alignment.
 * @throws {DeclarationError} for a bad width, a non-integer bitfield type, or a layout the FFI layer disagrees with.
 */
export function defineBitfieldStruct(where: string, name: string, members: readonly BitfieldStructMember[]): CType {
  const inputs: LayoutInput[] = [];
  const prims = new Map<string, Primitive>();
  for (const m of members) {
    if (m.width !== undefined) {
      const width = bitfieldWidth(where, m.name, m.prim, m.typeText ?? '?', m.width);
      if (width > 0) prims.set(m.name, m.prim as Primitive);
      const size = (m.prim as Primitive).size;
      inputs.push({ name: m.name, size, align: native.alignOf((m.prim as Primitive).canonical), width });
    } else {
      const spec = m.native as native.NativeTypeSpec;
      inputs.push({ name: m.name, size: native.sizeOf(spec), align: m.align ?? native.alignOf(spec) });
    }
  }
  if (!inputs.some((m) => m.width !== 0))
    throw declarationError(`${where}: a struct needs at least one member that is not a zero-width bitfield.`);
  const layout = platformLayout(inputs);
  const win = process.platform === 'win32';
  const runs = bitfieldRuns(layout, prims, (n) => (win ? (prims.get(n)?.size ?? 0) : 0));
  // Everything at its offset: plain members, byte runs, and padding wherever the two leave a gap.
  const placed: { offset: number; key: string; spec: native.NativeTypeSpec; size: number }[] = [];
  for (const m of members) {
    if (m.width !== undefined) continue;
    const at = layout.members.find((x) => x.name === m.name);
    const spec = m.native as native.NativeTypeSpec;
    placed.push({ offset: at?.offset ?? 0, key: m.name, spec, size: native.sizeOf(spec) });
  }
  for (const r of runs)
    placed.push({ offset: r.offset, key: r.key, spec: native.defineArray('uint8_t', r.length, 'Typed'), size: r.length });
  placed.sort((a, b) => a.offset - b.offset);
  const def: Record<string, native.NativeTypeSpec | [number, native.NativeTypeSpec]> = {};
  let end = 0;
  let pads = 0;
  for (const p of placed) {
    if (p.offset > end) def[`__pad${pads++}`] = native.defineArray('uint8_t', p.offset - end, 'Typed');
    def[p.key] = p.spec;
    end = p.offset + p.size;
  }
  const [firstKey] = Object.keys(def);
  if (firstKey !== undefined) def[firstKey] = [layout.alignment, def[firstKey] as native.NativeTypeSpec];
  const nativeType = native.defineStruct(name, def, false);
  if (native.sizeOf(nativeType) !== layout.size || native.alignOf(nativeType) !== layout.alignment) {
    throw declarationError(
      `${where}: expected the FFI layer to lay the struct out in ${layout.size} bytes (align ${layout.alignment}), got ${native.sizeOf(nativeType)} (align ${native.alignOf(nativeType)}). Report this layout as a bug.`,
    );
  }
  const nested: Record<string, BitfieldPlan> = {};
  const memberStructs: Record<string, CType> = {};
  for (const m of members) {
    if (m.struct) memberStructs[m.name] = m.struct;
    if (m.struct?.bitfields) nested[m.name] = m.struct.bitfields;
  }
  const plan: BitfieldPlan = Object.freeze({
    layout,
    runs,
    plain: members.filter((m) => m.width === undefined).map((m) => m.name),
    nested,
  });
  const visible = layout.members.filter((m) => m.width !== 0).map((m) => m.name);
  return new CType(name, 'struct', nativeType, { members: visible, memberStructs, bitfields: plan });
}
