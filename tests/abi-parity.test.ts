// C ABI parity: every case of the abi fixture through ffikit and through raw koffi; ffikit must pass whatever koffi passes.
import * as ffikit from '../ts/index';
import { fixturePaths } from './fixtures/build';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const koffi = require('koffi');

const fx = fixturePaths();
const lib = ffikit.load(fx.abi);
// Raw koffi shares the process-wide type registry with ffikit, so its types stay anonymous.
const raw = koffi.load(fx.abi);

ffikit.union('U1', { i8: 'int8_t', u8: 'uint8_t' });
ffikit.union('U4', { i: 'int32_t', f: 'float', bytes: ffikit.array('uint8_t', 4) });
ffikit.union('U8', { i: 'int64_t', d: 'double', halves: ffikit.array('uint32_t', 2) });
ffikit.struct('Vec3', { x: 'double', y: 'double', z: 'double' });
ffikit.union('U24', { v: 'Vec3', i: 'int64_t', raw: ffikit.array('uint8_t', 24) });
ffikit.struct('Tagged', { tag: 'int32_t', value: 'U8' });
ffikit.callbackType('double UnionVisitor(U8 u, int32_t tag)');
ffikit.callbackType('int32_t BinOp(int32_t a, int32_t b)');
ffikit.struct('Ops', { add: 'BinOp *', mul: 'BinOp *', version: 'int32_t' });
ffikit.struct('Point2', { x: 'double', y: 'double' });
ffikit.struct('Bits', { a: 'int32_t:4', b: 'int32_t:4' });

const f = lib.bind({
  u1_from_i8: 'U1 u1_from_i8(int8_t x)',
  u1_as_u8: 'uint8_t u1_as_u8(U1 u)',
  u1_flip: 'void u1_flip(_Inout_ U1 *u)',
  u4_from_float: 'U4 u4_from_float(float f)',
  u4_bits: 'int32_t u4_bits(U4 u)',
  u4_as_float: 'float u4_as_float(U4 u)',
  u4_negate: 'void u4_negate(_Inout_ U4 *u)',
  u8_from_double: 'U8 u8_from_double(double d)',
  u8_bits: 'int64_t u8_bits(U8 u)',
  u8_as_double: 'double u8_as_double(U8 u)',
  u8_negate: 'void u8_negate(_Inout_ U8 *u)',
  u8_read: 'double u8_read(const U8 *u)',
  u24_from_vec: 'U24 u24_from_vec(double x, double y, double z)',
  u24_sum: 'double u24_sum(U24 u)',
  u24_scale: 'void u24_scale(_Inout_ U24 *u, double k)',
  tagged_value: 'double tagged_value(Tagged t)',
  tagged_make: 'Tagged tagged_make(int32_t tag, double d)',
  visit_union: 'double visit_union(UnionVisitor cb, double d)',
  get_op: 'BinOp *get_op(int32_t which)',
  get_ops: 'Ops get_ops(void)',
  get_counter_fn: 'void *get_counter_fn(void)',
  get_dot3: 'void *get_dot3(void)',
  abi_read_int: 'int32_t abi_read_int(void)',
  abi_read_double: 'double abi_read_double(void)',
  abi_point_sum: 'double abi_point_sum(void)',
  bits_sum: 'int64_t bf02_sum(Bits s)',
  bits_xor1: 'void bf02_xor1(_Inout_ Bits *s)',
});

const K = {
  U1: koffi.union({ i8: 'int8_t', u8: 'uint8_t' }),
  U4: koffi.union({ i: 'int32_t', f: 'float', bytes: koffi.array('uint8_t', 4) }),
  U8: koffi.union({ i: 'int64_t', d: 'double', halves: koffi.array('uint32_t', 2) }),
  Vec3: koffi.struct({ x: 'double', y: 'double', z: 'double' }),
  BinOp: koffi.proto('int32_t (int32_t a, int32_t b)'),
};
const KU24 = koffi.union({ v: K.Vec3, i: 'int64_t', raw: koffi.array('uint8_t', 24) });
const KTagged = koffi.struct({ tag: 'int32_t', value: K.U8 });
const kfn = (name: string, result: unknown, params: unknown[]) => raw.func(name, result, params);

/** One ABI case: the value expected, how ffikit gets it, and how raw koffi gets it (null: koffi cannot). */
interface ParityCase {
  name: string;
  expected: unknown;
  ffikit: () => unknown | Promise<unknown>;
  koffi: (() => unknown | Promise<unknown>) | null;
}

const f64 = (d: number) => new Float64Array([d]);
const bitsOf = (d: number) => new BigInt64Array(f64(d).buffer)[0];
const floatBits = (x: number) => new Int32Array(new Float32Array([x]).buffer)[0];

const cases: ParityCase[] = [
  // Unions of 1, 4, 8 and 24 bytes: by value both ways, by pointer (in, and _Inout_ written back).
  {
    name: 'U1 result by value',
    expected: 255,
    ffikit: () => (f.u1_from_i8(-1) as { u8: number }).u8,
    koffi: () => kfn('u1_from_i8', K.U1, ['int8_t'])(-1).u8,
  },
  {
    name: 'U1 argument by value',
    expected: 254,
    ffikit: () => f.u1_as_u8({ i8: -2 }),
    koffi: () => kfn('u1_as_u8', 'uint8_t', [K.U1])({ i8: -2 }),
  },
  {
    name: 'U1 _Inout_ pointer',
    expected: 0xf0,
    ffikit: () => {
      const u: { u8?: number } = { u8: 0x0f };
      f.u1_flip(u);
      return u.u8;
    },
    koffi: () => {
      const u = new koffi.Union(K.U1);
      u.u8 = 0x0f;
      kfn('u1_flip', 'void', [koffi.inout(koffi.pointer(K.U1))])(u);
      return u.u8;
    },
  },
  {
    name: 'U4 result by value',
    expected: 1.5,
    ffikit: () => (f.u4_from_float(1.5) as { f: number }).f,
    koffi: () => kfn('u4_from_float', K.U4, ['float'])(1.5).f,
  },
  {
    name: 'U4 argument by value (float bits)',
    expected: floatBits(1),
    ffikit: () => f.u4_bits({ f: 1 }),
    koffi: () => kfn('u4_bits', 'int32_t', [K.U4])({ f: 1 }),
  },
  {
    name: 'U4 array member by value',
    expected: 1 << 24,
    ffikit: () => f.u4_bits({ bytes: new Uint8Array([0, 0, 0, 1]) }),
    koffi: () => kfn('u4_bits', 'int32_t', [K.U4])({ bytes: new Uint8Array([0, 0, 0, 1]) }),
  },
  {
    name: 'U4 _Inout_ pointer',
    expected: -2.5,
    ffikit: () => {
      const u: { f?: number } = { f: 2.5 };
      f.u4_negate(u);
      return u.f;
    },
    koffi: () => {
      const u = new koffi.Union(K.U4);
      u.f = 2.5;
      kfn('u4_negate', 'void', [koffi.inout(koffi.pointer(K.U4))])(u);
      return u.f;
    },
  },
  {
    name: 'U8 result by value, every member read',
    expected: [2.5, bitsOf(2.5)],
    ffikit: () => {
      const u = f.u8_from_double(2.5) as { d: number; i: bigint };
      return [u.d, u.i];
    },
    koffi: () => {
      const u = kfn('u8_from_double', K.U8, ['double'])(2.5);
      return [u.d, u.i];
    },
  },
  {
    name: 'U8 argument by value',
    expected: bitsOf(1),
    ffikit: () => f.u8_bits({ d: 1 }),
    koffi: () => kfn('u8_bits', 'int64_t', [K.U8])({ d: 1 }),
  },
  {
    name: 'U8 argument by value (int member)',
    expected: 5,
    ffikit: () => f.u8_bits({ i: 5n }),
    koffi: () => kfn('u8_bits', 'int64_t', [K.U8])({ i: 5n }),
  },
  {
    name: 'U8 const pointer argument',
    expected: 7,
    ffikit: () => f.u8_read({ d: 7 }),
    koffi: () => kfn('u8_read', 'double', [koffi.pointer(K.U8)])({ d: 7 }),
  },
  {
    name: 'U8 _Inout_ pointer',
    expected: -3,
    ffikit: () => {
      const u: { d?: number } = { d: 3 };
      f.u8_negate(u);
      return u.d;
    },
    koffi: () => {
      const u = new koffi.Union(K.U8);
      u.d = 3;
      kfn('u8_negate', 'void', [koffi.inout(koffi.pointer(K.U8))])(u);
      return u.d;
    },
  },
  {
    name: 'U24 (struct member) result by value',
    expected: { x: 1, y: 2, z: 3 },
    ffikit: () => ({ ...(f.u24_from_vec(1, 2, 3) as { v: object }).v }),
    koffi: () => ({ ...kfn('u24_from_vec', KU24, ['double', 'double', 'double'])(1, 2, 3).v }),
  },
  {
    name: 'U24 argument by value',
    expected: 6,
    ffikit: () => f.u24_sum({ v: { x: 1, y: 2, z: 3 } }),
    koffi: () => kfn('u24_sum', 'double', [KU24])({ v: { x: 1, y: 2, z: 3 } }),
  },
  {
    name: 'U24 _Inout_ pointer',
    expected: { x: 2, y: 4, z: 6 },
    ffikit: () => {
      const u: { v?: object } = { v: { x: 1, y: 2, z: 3 } };
      f.u24_scale(u, 2);
      return { ...u.v };
    },
    koffi: () => {
      const u = new koffi.Union(KU24);
      u.v = { x: 1, y: 2, z: 3 };
      kfn('u24_scale', 'void', [koffi.inout(koffi.pointer(KU24)), 'double'])(u, 2);
      return { ...u.v };
    },
  },
  {
    name: 'union inside a struct, by value',
    expected: 4.5,
    ffikit: () => f.tagged_value({ tag: 1, value: { d: 4.5 } }),
    koffi: () => kfn('tagged_value', 'double', [KTagged])({ tag: 1, value: { d: 4.5 } }),
  },
  {
    name: 'union inside a struct result',
    expected: 6.5,
    ffikit: () => (f.tagged_make(1, 6.5) as { value: { d: number } }).value.d,
    koffi: () => kfn('tagged_make', KTagged, ['int32_t', 'double'])(1, 6.5).value.d,
  },
  {
    name: 'union as a callback parameter',
    expected: 11,
    ffikit: () => f.visit_union((u: { d: number }, tag: number) => u.d * 2 + tag, 5),
    koffi: () => {
      const visitor = koffi.pointer(koffi.proto('double', [K.U8, 'int32_t']));
      return kfn('visit_union', 'double', [visitor, 'double'])((u: { d: number }, tag: number) => u.d * 2 + tag, 5);
    },
  },
  // Function pointers C hands out: as results, as struct members, as void *.
  {
    name: 'function pointer result, called',
    expected: 5,
    ffikit: () => ffikit.bindPointer(f.get_op(0) as bigint, 'int32_t add(int32_t a, int32_t b)')(2, 3),
    koffi: () => koffi.call(kfn('get_op', koffi.pointer(K.BinOp), ['int32_t'])(0), K.BinOp, 2, 3),
  },
  {
    name: 'function pointer called with .async',
    expected: 42,
    ffikit: () => ffikit.bindPointer(f.get_op(1) as bigint, 'int32_t mul(int32_t a, int32_t b)').async(6, 7),
    koffi: () =>
      new Promise((resolve, reject) => {
        const fn = koffi.decode(kfn('get_op', koffi.pointer(K.BinOp), ['int32_t'])(1), K.BinOp);
        fn.async(6, 7, (err: unknown, r: unknown) => (err ? reject(err) : resolve(r)));
      }),
  },
  {
    name: 'function pointers as struct members',
    expected: [3, 7, 12],
    ffikit: () => {
      const ops = f.get_ops() as { add: bigint; mul: bigint; version: number };
      const add = ffikit.bindPointer(ops.add, 'int32_t add(int32_t a, int32_t b)');
      const mul = ffikit.bindPointer(ops.mul, { fn: 'int32_t mul(int32_t a, int32_t b)' });
      return [ops.version, add(3, 4), mul(3, 4)];
    },
    koffi: () => {
      const ops = kfn('get_ops', koffi.struct({ add: koffi.pointer(K.BinOp), mul: koffi.pointer(K.BinOp), version: 'int32_t' }), [])();
      return [ops.version, koffi.call(ops.add, K.BinOp, 3, 4), koffi.call(ops.mul, K.BinOp, 3, 4)];
    },
  },
  {
    name: 'function pointer with a string parameter',
    expected: 3,
    ffikit: () => ffikit.bindPointer(f.get_counter_fn() as bigint, 'size_t count_chars(const char *s, char c)')('banana', 97),
    koffi: () => koffi.call(kfn('get_counter_fn', 'void *', [])(), koffi.proto('size_t (const char *s, char c)'), 'banana', 97),
  },
  {
    name: 'function pointer with array contracts',
    expected: 32,
    ffikit: () =>
      ffikit.bindPointer(f.get_dot3() as bigint, {
        fn: 'double dot3(const double *a, const double *b)',
        arrays: { a: { dtype: 'float64', minLength: 3 }, b: { dtype: 'float64', minLength: 3 } },
      })(new Float64Array([1, 2, 3]), new Float64Array([4, 5, 6])),
    koffi: () =>
      koffi.call(
        kfn('get_dot3', 'void *', [])(),
        koffi.proto('double (const double *a, const double *b)'),
        new Float64Array([1, 2, 3]),
        new Float64Array([4, 5, 6]),
      ),
  },
  // Exported variables: int, double, struct; read and written.
  {
    name: 'int variable',
    expected: [42, 9],
    ffikit: () => {
      const v = lib.variable<number>('abi_int', 'int32_t');
      const before = v.get();
      v.set(9);
      const after = f.abi_read_int();
      v.set(42);
      return [before, after];
    },
    koffi: () => {
      const p = raw.symbol('abi_int');
      const before = koffi.decode(p, 'int32_t');
      koffi.encode(p, 'int32_t', 9);
      const after = f.abi_read_int();
      koffi.encode(p, 'int32_t', 42);
      return [before, after];
    },
  },
  {
    name: 'double variable',
    expected: [2.5, 0.25],
    ffikit: () => {
      const v = lib.variable<number>('abi_double', 'double');
      const before = v.get();
      v.set(0.25);
      const after = f.abi_read_double();
      v.set(2.5);
      return [before, after];
    },
    koffi: () => {
      const p = raw.symbol('abi_double');
      const before = koffi.decode(p, 'double');
      koffi.encode(p, 'double', 0.25);
      const after = f.abi_read_double();
      koffi.encode(p, 'double', 2.5);
      return [before, after];
    },
  },
  {
    name: 'struct variable',
    expected: [{ x: 1, y: -2 }, 11],
    ffikit: () => {
      const v = lib.variable('abi_point', 'Point2');
      const before = v.get();
      v.set({ x: 5, y: 6 });
      const after = f.abi_point_sum();
      v.set({ x: 1, y: -2 });
      return [before, after];
    },
    koffi: () => {
      const t = koffi.struct({ x: 'double', y: 'double' });
      const p = raw.symbol('abi_point');
      const before = { ...koffi.decode(p, t) };
      koffi.encode(p, t, { x: 5, y: 6 });
      const after = f.abi_point_sum();
      koffi.encode(p, t, { x: 1, y: -2 });
      return [before, after];
    },
  },
  {
    name: 'variable address',
    expected: true,
    ffikit: () => ffikit.decode(lib.variable('abi_int', 'int32_t').pointer, 'int32_t') === 42,
    koffi: () => koffi.decode(raw.symbol('abi_int'), 'int32_t') === 42,
  },
  // Bitfields: koffi has none (its structs cannot describe them), so only ffikit runs these; the full
  // set (25 structs, layouts checked against the compiler) is in abi-parity-bitfields.test.ts.
  { name: 'bitfield struct by value', expected: -8 + 2 * 7, ffikit: () => f.bits_sum({ a: -8, b: 7 }), koffi: null },
  {
    name: 'bitfield struct _Inout_ pointer',
    expected: { a: -7, b: 6 },
    ffikit: () => {
      const s = { a: -8, b: 7 };
      f.bits_xor1(s);
      return s;
    },
    koffi: null,
  },
];

/** Whether one side produced the expected value; on failure, why (the mismatch or the error thrown). */
async function outcome(run: () => unknown, expected: unknown): Promise<{ pass: boolean; detail?: string }> {
  try {
    expect(await run()).toEqual(expected);
    return { pass: true };
  } catch (err) {
    return { pass: false, detail: (err as Error).message };
  }
}

const results = new Map<string, { ffikit: boolean; koffi: boolean | null }>();

describe('ABI parity fixture: ffikit and raw koffi on every case', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const mine = await outcome(c.ffikit, c.expected);
    const theirs = c.koffi ? await outcome(c.koffi, c.expected) : null;
    results.set(c.name, { ffikit: mine.pass, koffi: theirs ? theirs.pass : null });
    expect(mine).toEqual({ pass: true });
  });

  it('ffikit passes every case raw koffi passes', () => {
    expect(results.size).toBe(cases.length);
    const koffiPassed = [...results].filter(([, r]) => r.koffi === true).map(([n]) => n);
    const ffikitPassed = [...results].filter(([, r]) => r.ffikit).map(([n]) => n);
    expect(koffiPassed.filter((n) => !ffikitPassed.includes(n))).toEqual([]);
    expect(ffikitPassed.length).toBeGreaterThan(koffiPassed.length);
    // Raw koffi can do every union, function-pointer and variable case here too (with more code per case).
    expect(koffiPassed).toEqual(cases.filter((c) => c.koffi !== null).map((c) => c.name));
  });

  it('a struct member of callback type decodes to an address bindPointer takes', () => {
    const ops = f.get_ops() as { add: bigint };
    expect(typeof ops.add).toBe('bigint');
    expect(ffikit.bindPointer(ops.add, 'int32_t add(int32_t a, int32_t b)').info.symbol).toBe('add');
  });

  it('a union from C has every member read from the same bytes', () => {
    const u = f.u8_from_double(1) as { i: bigint; d: number; halves: Uint32Array };
    expect({ ...u, halves: [...u.halves] }).toEqual({ i: bitsOf(1), d: 1, halves: [0, 0x3ff00000] });
    expect(ffikit.sizeof('U8')).toBe(8);
    expect(ffikit.sizeof('U24')).toBe(24);
    expect(ffikit.sizeof('U1')).toBe(1);
    const decoded = ffikit.decode(new Float64Array([1]), 'U8') as typeof u;
    expect({ ...decoded, halves: [...decoded.halves] }).toEqual({ ...u, halves: [...u.halves] });
  });
});

describe('lib.variable and bindPointer details', () => {
  it('a pointer variable reads as C stores it and takes only addresses', () => {
    const name = lib.variable<string | null, bigint | null>('abi_name', 'const char *');
    expect(name.get()).toBe('abi');
    expect(() => name.set('xyz' as unknown as bigint)).toThrow(
      expect.objectContaining({ code: 'ERR_FFIKIT_ARG', message: expect.stringContaining('a bigint address or null') }),
    );
    const address = ffikit.decode(name.pointer, 'void *') as bigint;
    name.set(null);
    expect(name.get()).toBeNull();
    name.set(address);
    expect(name.get()).toBe('abi');
  });

  it('refuses a void variable and an unknown type', () => {
    expect(() => lib.variable('abi_int', 'void')).toThrow(expect.objectContaining({ code: 'ERR_FFIKIT_DECLARATION' }));
    expect(() => lib.variable('abi_int', 'NoSuchType')).toThrow(
      expect.objectContaining({ code: 'ERR_FFIKIT_DECLARATION', message: expect.stringContaining("unknown type 'NoSuchType'") }),
    );
  });

  it('get/set after close() throw ClosedError', () => {
    const other = ffikit.load(fx.abi);
    const v = other.variable<number>('abi_int', 'int32_t');
    other.close();
    expect(() => v.get()).toThrow(expect.objectContaining({ code: 'ERR_FFIKIT_CLOSED' }));
    expect(() => v.set(1)).toThrow(expect.objectContaining({ code: 'ERR_FFIKIT_CLOSED' }));
    expect(() => other.variable('abi_int', 'int32_t')).toThrow(expect.objectContaining({ code: 'ERR_FFIKIT_CLOSED' }));
  });

  it('bindPointer: .async rejects bad arguments, variadic prototypes are refused', async () => {
    const add = ffikit.bindPointer(f.get_op(0) as bigint, 'int32_t add(int32_t a, int32_t b)');
    await expect(add.async(1, 'x' as unknown as number)).rejects.toMatchObject({ code: 'ERR_FFIKIT_ARG' });
    expect(() => ffikit.bindPointer(f.get_op(0) as bigint, 'int printf(const char *fmt, ...)')).toThrow(
      expect.objectContaining({ code: 'ERR_FFIKIT_DECLARATION', message: expect.stringContaining('variadic') }),
    );
    expect(() => ffikit.bindPointer(-1n, 'int f(int a)')).toThrow(expect.objectContaining({ code: 'ERR_FFIKIT_ARG' }));
  });
});

describe('long double and decode', () => {
  it('long double is a DeclarationError that says what to do', () => {
    expect(() => lib.bind({ powl: 'long double powl(long double x, long double y)' })).toThrow(
      expect.objectContaining({ code: 'ERR_FFIKIT_DECLARATION', message: expect.stringContaining('C shim that takes or returns double') }),
    );
    expect(() => ffikit.sizeof('long double')).toThrow(expect.objectContaining({ code: 'ERR_FFIKIT_DECLARATION' }));
  });

  it("decode(ptr, 'char', n) returns exactly n bytes, NULs included", () => {
    const bytes = new Uint8Array([0x61, 0x62, 0, 0x63, 0x64, 0]);
    expect(ffikit.decode(bytes, 'char', 5)).toBe('ab\0cd');
    expect(ffikit.decode(bytes, 'char', -1)).toBe('ab');
    expect(ffikit.decode(bytes, 'char', 0)).toBe('');
  });

  it('decode reads wchar_t at its platform width, -1 meaning NUL-terminated', () => {
    const width = ffikit.sizeof('wchar_t');
    expect(width).toBe(process.platform === 'win32' ? 2 : 4);
    const text = 'héllo';
    const units = width === 2 ? Uint16Array.from(text, (c) => c.charCodeAt(0)) : Uint32Array.from(text, (c) => c.codePointAt(0) as number);
    const buf = new (width === 2 ? Uint16Array : Uint32Array)(units.length + 2);
    buf.set(units);
    buf[units.length + 1] = 0x78;
    expect(ffikit.decode(buf, 'wchar_t', -1)).toBe(text);
    expect(ffikit.decode(buf, 'wchar_t', 3)).toBe('hél');
    expect(ffikit.decode(buf, 'wchar_t', units.length + 2)).toBe(`${text}\0x`);
    expect(ffikit.decode(new Uint16Array([0x68, 0, 0x69]), 'char16_t', 3)).toBe('h\0i');
  });

  it('refuses -1 for types that are not characters', () => {
    expect(() => ffikit.decode(new Int32Array(2), 'int', -1)).toThrow(
      expect.objectContaining({ code: 'ERR_FFIKIT_ARG', message: expect.stringContaining("'wchar_t'") }),
    );
  });
});
