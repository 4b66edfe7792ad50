// Struct bitfields: the platform ABI's layout rules (System V, MSVC) and packing values into storage bytes.

import { argumentError, declarationError } from '../core/errors';
import type { Primitive } from './primitives';

/** One struct member as the layout rules see it: its size and alignment, and a width for bitfields. */
export interface LayoutInput {
  readonly name: string;
  readonly size: number;
  readonly align: number;
  /** Bit width for a bitfield (0 = a zero-width field that only aligns what follows). */
  readonly width?: number;
}

/** Where one member landed: a byte offset, or a bit offset (from the struct's start) for a bitfield. */
export interface LaidOut {
  readonly name: string;
  readonly offset: number;
  readonly bitOffset?: number;
  readonly width?: number;
}

/** A struct layout: member positions, size and alignment in bytes. */
export interface StructLayout {
  readonly size: number;
  readonly alignment: number;
  readonly members: readonly LaidOut[];
}

const roundUp = (n: number, to: number): number => Math.ceil(n / to) * to;

/**
 * System V (GCC/Clang on Linux and macOS) bitfield layout: a field goes at the next free bit unless it
 * would cross a boundary of its type's alignment, in which case it starts at that boundary; storage is
 * shared with neighbouring members of any type. A zero-width field moves to the next boundary of its
 * type without raising the struct's alignment.
 * @param members Members in declaration order.
 * @returns The layout (offsets in bytes, bitfield positions in bits).
 */
export function layoutSysV(members: readonly LayoutInput[]): StructLayout {
  let bits = 0;
  let alignment = 1;
  const out: LaidOut[] = [];
  for (const m of members) {
    const unit = m.align * 8;
    if (m.width === undefined) {
      bits = roundUp(bits, unit);
      out.push({ name: m.name, offset: bits / 8 });
      bits += m.size * 8;
      alignment = Math.max(alignment, m.align);
    } else if (m.width === 0) {
      bits = roundUp(bits, unit);
      out.push({ name: m.name, offset: bits / 8, bitOffset: bits, width: 0 });
    } else {
      if ((bits % unit) + m.width > m.size * 8) bits = roundUp(bits, unit);
      out.push({ name: m.name, offset: Math.floor(bits / 8), bitOffset: bits, width: m.width });
      bits += m.width;
      alignment = Math.max(alignment, m.align);
    }
  }
  return { size: roundUp(Math.ceil(bits / 8), alignment), alignment, members: out };
}

/**
 * MSVC bitfield layout (Windows): consecutive bitfields share one storage unit of their type while
 * they fit and the type's size does not change; otherwise a new unit starts at the type's alignment.
 * Any other member closes the unit. A zero-width field closes the current unit and is ignored when
 * it does not follow a bitfield.
 * @param members Members in declaration order.
 * @returns The layout (offsets in bytes, bitfield positions in bits).
 */
export function layoutMsvc(members: readonly LayoutInput[]): StructLayout {
  let bits = 0;
  let alignment = 1;
  let unit: { start: number; size: number; used: number } | null = null;
  const out: LaidOut[] = [];
  for (const m of members) {
    if (m.width === undefined) {
      unit = null;
      bits = roundUp(bits, m.align * 8);
      out.push({ name: m.name, offset: bits / 8 });
      bits += m.size * 8;
      alignment = Math.max(alignment, m.align);
    } else if (m.width === 0) {
      if (unit) bits = roundUp(bits, m.align * 8);
      unit = null;
      out.push({ name: m.name, offset: bits / 8, bitOffset: bits, width: 0 });
    } else {
      if (!unit || unit.size !== m.size || unit.used + m.width > m.size * 8) {
        unit = { start: roundUp(bits, m.align * 8), size: m.size, used: 0 };
      }
      out.push({ name: m.name, offset: unit.start / 8, bitOffset: unit.start + unit.used, width: m.width });
      unit.used += m.width;
      bits = unit.start + unit.size * 8;
      alignment = Math.max(alignment, m.align);
    }
  }
  return { size: roundUp(Math.ceil(bits / 8), alignment), alignment, members: out };
}

/** The layout rules of the platform this process runs on. */
export function platformLayout(members: readonly LayoutInput[]): StructLayout {
  return process.platform === 'win32' ? layoutMsvc(members) : layoutSysV(members);
}

/** A member spelling with a width (`'uint32_t:3'`, `'int : 0'`), split; undefined for plain members. */
export function splitBitfield(spelling: string): { type: string; width: string } | undefined {
  const m = /^(.*?):\s*(\S*)\s*$/.exec(spelling);
  return m ? { type: (m[1] ?? '').trim(), width: m[2] ?? '' } : undefined;
}

/** One bitfield member, ready for packing. */
export interface BitfieldMember {
  readonly name: string;
  readonly prim: Primitive;
  /** Bit position relative to the first byte of its run. */
  readonly bit: number;
  readonly width: number;
  readonly signed: boolean;
}

/** A run of bytes holding bitfields, presented to the FFI layer as one byte-array member. */
export interface BitfieldRun {
  /** The hidden member's name (`__bits0`, ...). */
  readonly key: string;
  readonly offset: number;
  readonly length: number;
  readonly fields: readonly BitfieldMember[];
}

/** How a struct with bitfields maps between JS objects and the FFI layer's byte-level view. */
export interface BitfieldPlan {
  readonly layout: StructLayout;
  readonly runs: readonly BitfieldRun[];
  /** Members that are not bitfields (JS name = FFI name). */
  readonly plain: readonly string[];
  /** Plain members that are structs with bitfields themselves (packed recursively). */
  readonly nested: Readonly<Record<string, BitfieldPlan>>;
}

/**
 * Groups the bitfields of a layout into byte runs (consecutive bitfields whose bytes touch), which
 * is what the FFI layer is shown in their place.
 */
export function bitfieldRuns(
  layout: StructLayout,
  prims: ReadonlyMap<string, Primitive>,
  unitBytes: (name: string) => number,
): BitfieldRun[] {
  const runs: { offset: number; end: number; fields: { name: string; bitOffset: number; width: number; prim: Primitive }[] }[] = [];
  let current: (typeof runs)[number] | null = null;
  for (const m of layout.members) {
    if (m.bitOffset === undefined || m.width === undefined) {
      current = null;
      continue;
    }
    if (m.width === 0) continue;
    const prim = prims.get(m.name) as Primitive;
    // MSVC units occupy their whole type; System V fields only the bytes their bits touch.
    const msvcUnit = unitBytes(m.name);
    const start = msvcUnit > 0 ? m.offset : Math.floor(m.bitOffset / 8);
    const end = msvcUnit > 0 ? m.offset + msvcUnit : Math.ceil((m.bitOffset + m.width) / 8);
    if (current && start <= current.end) {
      current.end = Math.max(current.end, end);
    } else {
      current = { offset: start, end, fields: [] };
      runs.push(current);
    }
    current.fields.push({ name: m.name, bitOffset: m.bitOffset, width: m.width, prim });
  }
  return runs.map((r, i) => ({
    key: `__bits${i}`,
    offset: r.offset,
    length: r.end - r.offset,
    fields: r.fields.map((f) => ({
      name: f.name,
      prim: f.prim,
      bit: f.bitOffset - r.offset * 8,
      width: f.width,
      signed: f.prim.signed && f.prim.kind === 'int',
    })),
  }));
}

/** Parses and checks a bitfield width against its type. */
export function bitfieldWidth(where: string, member: string, prim: Primitive | undefined, typeText: string, width: string): number {
  if (!prim || (prim.kind !== 'int' && prim.kind !== 'bool')) {
    throw declarationError(`${where}: bitfield '${member}' expected an integer type (int, uint32_t, bool, an enum), got '${typeText}'.`);
  }
  const n = Number(width);
  const max = prim.kind === 'bool' ? 1 : prim.size * 8;
  if (!/^\d+$/.test(width) || n > max) {
    throw declarationError(
      `${where}: bitfield '${member}' expected a width from 0 to ${max} bits (${typeText}), got '${width}'. Write it as '${typeText}:N'.`,
    );
  }
  return n;
}

function fieldRange(f: BitfieldMember): [bigint, bigint] {
  return f.signed ? [-(1n << BigInt(f.width - 1)), (1n << BigInt(f.width - 1)) - 1n] : [0n, (1n << BigInt(f.width)) - 1n];
}

function fieldValue(fn: string, param: string, f: BitfieldMember, value: unknown): bigint {
  const [lo, hi] = fieldRange(f);
  const expected = `an integer in [${lo}, ${hi}] (${f.signed ? 'signed' : 'unsigned'} ${f.width}-bit field)`;
  let v: bigint;
  if (typeof value === 'boolean' && f.prim.kind === 'bool') v = value ? 1n : 0n;
  else if (typeof value === 'bigint') v = value;
  else if (typeof value === 'number' && Number.isInteger(value)) v = BigInt(value);
  else throw argumentError(fn, `${param}.${f.name}`, expected, value);
  if (v < lo || v > hi) throw argumentError(fn, `${param}.${f.name}`, expected, value, 'Mask or clamp it to the field width first.');
  return v;
}

/**
 * A JS object with bitfield members → the object the FFI layer encodes (byte runs in their place).
 * Missing members are 0 when `partial` (an object C fills through an `_Out_` pointer).
 * @throws {ArgumentError} for a bitfield value outside its width, naming the member.
 */
export function packBitfields(fn: string, param: string, plan: BitfieldPlan, value: Record<string, unknown>, partial = false): object {
  const out: Record<string, unknown> = {};
  for (const name of plan.plain) {
    const nested = plan.nested[name];
    const v = value[name];
    if (partial && v === undefined) continue;
    out[name] =
      nested && typeof v === 'object' && v !== null
        ? packBitfields(fn, `${param}.${name}`, nested, v as Record<string, unknown>, partial)
        : v;
  }
  for (const run of plan.runs) {
    const bytes = new Uint8Array(run.length);
    for (const f of run.fields) {
      const raw = value[f.name];
      if (partial && raw === undefined) continue;
      let v = BigInt.asUintN(f.width, fieldValue(fn, param, f, raw));
      for (let bit = f.bit; v !== 0n; bit++, v >>= 1n) {
        if (v & 1n) bytes[bit >> 3] = (bytes[bit >> 3] as number) | (1 << (bit & 7));
      }
    }
    out[run.key] = bytes;
  }
  return out;
}

function readField(bytes: Uint8Array, f: BitfieldMember): unknown {
  let v = 0n;
  for (let i = f.width - 1; i >= 0; i--) {
    const bit = f.bit + i;
    v = (v << 1n) | BigInt(((bytes[bit >> 3] as number) >> (bit & 7)) & 1);
  }
  if (f.signed) v = BigInt.asIntN(f.width, v);
  if (f.prim.kind === 'bool') return v !== 0n;
  return f.prim.size === 8 && (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) ? v : Number(v);
}

/** The FFI layer's decoded object → a JS object with each bitfield as a number (sign-extended). */
export function unpackBitfields(
  plan: BitfieldPlan,
  decoded: Record<string, unknown>,
  into: Record<string, unknown> = {},
): Record<string, unknown> {
  const byOffset: [number, () => void][] = [];
  for (const name of plan.plain) {
    const nested = plan.nested[name];
    const v = decoded[name];
    const m = plan.layout.members.find((x) => x.name === name);
    byOffset.push([
      (m?.offset ?? 0) * 8,
      () => (into[name] = nested && typeof v === 'object' && v !== null ? unpackBitfields(nested, v as Record<string, unknown>) : v),
    ]);
  }
  for (const run of plan.runs) {
    const raw = decoded[run.key];
    const bytes = raw instanceof Uint8Array ? raw : Uint8Array.from(raw as ArrayLike<number>);
    for (const f of run.fields) byOffset.push([run.offset * 8 + f.bit, () => (into[f.name] = readField(bytes, f))]);
  }
  // Members come back in declaration (memory) order, as for plain structs.
  for (const [, assign] of byOffset.sort((a, b) => a[0] - b[0])) assign();
  return into;
}
