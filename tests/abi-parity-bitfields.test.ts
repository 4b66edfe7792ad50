// Bitfield structs (beyond koffi): layouts checked against the C compiler's, values through every way a struct crosses.
import { execFileSync } from 'node:child_process';

import { layoutMsvc, layoutSysV, platformLayout, type LayoutInput, type StructLayout } from '../ts/declare/bitfields';
import * as ffikit from '../ts/index';
import { fixturePaths } from './fixtures/build';

interface ProbeField {
  name: string;
  type: string;
  width?: number;
  bit?: number;
  count?: number;
  offset?: number;
}
interface ProbeStruct {
  name: string;
  size: number;
  align: number;
  fields: ProbeField[];
}

const fx = fixturePaths();
// The compiler's own answer: abi.c built as a program prints sizeof, alignment and every field's bits.
const probe = JSON.parse(execFileSync(fx.abiProbe, { encoding: 'utf8' })) as { sysv: ProbeStruct[]; msvc: ProbeStruct[] };
const lib = ffikit.load(fx.abi);

const primSize = (t: string): number => ffikit.sizeof(t);
const layoutInput = (s: ProbeStruct): LayoutInput[] =>
  s.fields.map((f) => ({
    name: f.name,
    size: primSize(f.type),
    align: ffikit.alignof(f.type),
    ...(f.width !== undefined ? { width: f.width } : {}),
  }));

/** The layout in the probe's terms: size, alignment, and each field's bit position or byte offset. */
function asProbe(s: ProbeStruct, layout: StructLayout): unknown {
  return {
    size: layout.size,
    align: layout.alignment,
    fields: s.fields
      .filter((f) => f.width !== 0)
      .map((f) => {
        const m = layout.members.find((x) => x.name === f.name);
        return f.width === undefined ? { name: f.name, offset: m?.offset } : { name: f.name, bit: m?.bitOffset, count: m?.width };
      }),
  };
}
const probed = (s: ProbeStruct): unknown => ({
  size: s.size,
  align: s.align,
  fields: s.fields
    .filter((f) => f.width !== 0)
    .map((f) => (f.width === undefined ? { name: f.name, offset: f.offset } : { name: f.name, bit: f.bit, count: f.count })),
});

describe('bitfield layout rules against the C compiler', () => {
  it('the fixture has at least 20 bitfield structs', () => {
    expect(probe.sysv.length).toBeGreaterThanOrEqual(20);
  });

  it.each(probe.sysv.map((s) => [s.name, s] as const))('System V: %s', (_n, s) => {
    expect(asProbe(s, layoutSysV(layoutInput(s)))).toEqual(probed(s));
  });

  // GCC's ms_struct attribute lays structs out by MSVC's rules; the probe prints them on x86.
  it('the probe printed the MSVC layouts wherever gcc has ms_struct (x86)', () => {
    expect(probe.msvc.length).toBe(['x64', 'ia32'].includes(process.arch) ? probe.sysv.length : 0);
  });
  if (probe.msvc.length > 0) {
    it.each(probe.msvc.map((s) => [s.name, s] as const))('MSVC (gcc ms_struct): %s', (_n, s) => {
      expect(asProbe(s, layoutMsvc(layoutInput(s)))).toEqual(probed(s));
    });
  }

  it('MSVC known layouts: a type change starts a new unit, a zero-width field after a plain member is ignored', () => {
    const msvc = layoutMsvc([
      { name: 'a', size: 1, align: 1, width: 4 },
      { name: 'b', size: 4, align: 4, width: 4 },
    ]);
    expect(msvc).toEqual({
      size: 8,
      alignment: 4,
      members: [
        { name: 'a', offset: 0, bitOffset: 0, width: 4 },
        { name: 'b', offset: 4, bitOffset: 32, width: 4 },
      ],
    });
    const ignored = layoutMsvc([
      { name: 'c', size: 1, align: 1 },
      { name: 'z', size: 4, align: 4, width: 0 },
      { name: 'd', size: 1, align: 1 },
    ]);
    expect(ignored.size).toBe(2);
    expect(
      layoutSysV([
        { name: 'c', size: 1, align: 1 },
        { name: 'z', size: 4, align: 4, width: 0 },
        { name: 'd', size: 1, align: 1 },
      ]).size,
    ).toBe(5);
  });

  it('platformLayout picks the rules of this platform', () => {
    const input = layoutInput(probe.sysv.find((s) => s.name === 'bf14') as ProbeStruct);
    expect(platformLayout(input)).toEqual(process.platform === 'win32' ? layoutMsvc(input) : layoutSysV(input));
  });
});

/** The member spec ffikit gets for a probed struct (zero-width fields keep the probe's `_zN` names). */
const membersOf = (s: ProbeStruct): Record<string, string> =>
  Object.fromEntries(s.fields.map((f) => [f.name, f.width === undefined ? f.type : `${f.type}:${f.width}`]));

const isBool = (f: ProbeField): boolean => f.type === 'bool' || f.type === '_Bool';
const isSigned = (f: ProbeField): boolean => !isBool(f) && !/unsigned|uint|^char$/.test(f.type);

/** A deterministic test value per field: extremes for narrow fields, large patterns for wide ones (sums stay in int64). */
function valueFor(f: ProbeField, k: number): bigint {
  if (f.width === undefined) return BigInt(7 + k);
  if (isBool(f)) return BigInt(k % 2);
  const w = f.width as number;
  const pattern = 0x5a5a5a5a5a5a5a5an >> BigInt(Math.max(0, 64 - Math.min(w, 40)));
  if (isSigned(f)) return k % 2 === 1 && w <= 40 ? -(1n << BigInt(w - 1)) : BigInt.asIntN(w, pattern);
  return k % 2 === 1 && w <= 40 ? (1n << BigInt(w)) - 1n : BigInt.asUintN(w, pattern);
}

const toJs = (f: ProbeField, v: bigint): unknown => (isBool(f) ? v !== 0n : v >= -(2n ** 53n) && v <= 2n ** 53n ? Number(v) : v);
const norm = (x: unknown): bigint => (typeof x === 'boolean' ? (x ? 1n : 0n) : BigInt(x as number));

describe.each(probe.sysv.map((s) => [s.name, s] as const))('bitfield struct %s through ffikit', (name, s) => {
  ffikit.struct(name, membersOf(s));
  const fields = s.fields.filter((f) => f.width !== 0);
  const values = fields.map((f, k) => valueFor(f, k));
  const object = Object.fromEntries(fields.map((f, k) => [f.name, toJs(f, values[k] as bigint)]));
  const c = lib.bind({
    size: `size_t ${name}_size(void)`,
    get: `int64_t ${name}_get(const ${name} *s, int32_t i)`,
    set: `void ${name}_set(_Out_ ${name} *s, const int64_t *v)`,
    fill: `void ${name}_set(void *s, const int64_t *v)`,
    sum: `int64_t ${name}_sum(${name} s)`,
    make: `${name} ${name}_make(const int64_t *v)`,
    xor1: `void ${name}_xor1(_Inout_ ${name} *s)`,
  });
  const cValues = BigInt64Array.from(values);

  it('has the size C has', () => {
    expect(ffikit.sizeof(name)).toBe(Number(c.size()));
    expect(ffikit.alignof(name)).toBe(process.platform === 'win32' ? (probe.msvc.find((m) => m.name === name)?.align ?? s.align) : s.align);
  });

  it('by value: C reads every field', () => {
    const expected = fields.reduce((acc, _f, k) => acc + BigInt(k + 1) * (values[k] as bigint), 0n);
    expect(norm(c.sum(object))).toBe(expected);
  });

  it('by pointer: C reads every field', () => {
    fields.forEach((_f, k) => expect(norm(c.get(object, k))).toBe(values[k]));
  });

  it('as a result: every field comes back, sign-extended', () => {
    expect(c.make(cValues)).toEqual(object);
  });

  it('through an _Out_ pointer: C fills the object passed', () => {
    const out: Record<string, unknown> = {};
    c.set(out, cValues);
    expect(out).toEqual(object);
  });

  it('through an _Inout_ pointer: written back', () => {
    const io: Record<string, unknown> = { ...object };
    c.xor1(io);
    const expected = Object.fromEntries(
      fields.map((f, k) => {
        const v = values[k] as bigint;
        if (f.width === undefined) return [f.name, toJs(f, v + 1n)];
        const w = f.width as number;
        const x = isSigned(f) ? BigInt.asIntN(w, v ^ 1n) : BigInt.asUintN(w, v ^ 1n);
        return [f.name, toJs(f, x)];
      }),
    );
    expect(io).toEqual(expected);
  });

  it('decode reads it from memory C wrote', () => {
    const buf = new Uint8Array(ffikit.sizeof(name));
    c.fill(buf, cValues);
    expect(ffikit.decode(buf, name)).toEqual(object);
    expect(ffikit.decode(buf, name, 1)).toEqual([object]);
  });
});

describe('bitfield declarations and values', () => {
  it('refuses a value outside the field, naming the member', () => {
    const c = lib.bind({ sum: 'int64_t bf02_sum(bf02 s)' });
    expect(() => c.sum({ a: 8, b: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_FFIKIT_ARG', message: expect.stringContaining("argument 's.a' expects an integer in [-8, 7]") }),
    );
    expect(() => c.sum({ a: 1.5, b: 0 })).toThrow(expect.objectContaining({ code: 'ERR_FFIKIT_ARG' }));
    expect(() => c.sum({ a: 1 })).toThrow(
      expect.objectContaining({ code: 'ERR_FFIKIT_ARG', message: expect.stringContaining("Member 'b' is missing") }),
    );
    expect(c.sum({ a: -8, b: 7n })).toBe(-8 + 14);
  });

  it('refuses widths wider than the type, non-integer bitfields and packed bitfield structs', () => {
    const decl = (fn: () => unknown, words: string) =>
      expect(fn).toThrow(expect.objectContaining({ code: 'ERR_FFIKIT_DECLARATION', message: expect.stringContaining(words) }));
    decl(() => ffikit.struct('BfWide', { a: 'uint16_t:17' }), "a width from 0 to 16 bits (uint16_t), got '17'");
    decl(() => ffikit.struct('BfFloat', { a: 'double:3' }), "expected an integer type (int, uint32_t, bool, an enum), got 'double'");
    decl(() => ffikit.struct('BfBool', { a: 'bool:2' }), 'a width from 0 to 1 bits');
    decl(() => ffikit.struct('BfWord', { a: 'int:x' }), "got 'x'");
    decl(() => ffikit.struct('BfPacked', { a: 'int:3' }, { packed: true }), 'packed');
    decl(() => ffikit.struct('BfOnlyZero', { z: 'int:0' }), 'at least one member');
  });

  it('a struct holding a bitfield struct converts it too (by value, as a result)', () => {
    const wrapped = ffikit.struct('Wrapped', { id: 'int32_t', flags: 'bf01', weight: 'double' });
    expect(wrapped.size).toBe(16);
    const c = lib.bind({
      sum: 'int64_t wrapped_sum(Wrapped w)',
      make: 'Wrapped wrapped_make(int32_t id, uint32_t a, uint32_t b, uint32_t c)',
    });
    expect(c.sum({ id: 100, flags: { a: 1, b: 5, c: 9 }, weight: 3 })).toBe(100 + 1 + 10 + 27 + 3);
    expect(c.make(7, 1, 2, 3)).toEqual({ id: 7, flags: { a: 1, b: 2, c: 3 }, weight: 0.5 });
    expect(() => c.sum({ id: 1, flags: { a: 1, b: 8, c: 0 }, weight: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_FFIKIT_ARG', message: expect.stringContaining("argument 'w.flags.b'") }),
    );
  });

  it('enum and alias types work as bitfield types', () => {
    ffikit.enumeration('BfMode', { OFF: 0, ON: 1, AUTO: 2 }, { base: 'uint32_t' });
    ffikit.alias('bf_word', 'uint32_t');
    const t = ffikit.struct('BfEnum', { a: 'BfMode:1', b: 'bf_word:3', c: 'uint32_t:4' });
    expect(t.size).toBe(4);
    const c = lib.bind({ sum: 'int64_t bf01_sum(BfEnum s)' });
    expect(c.sum({ a: 1, b: 7, c: 15 })).toBe(1 + 14 + 45);
  });
});
