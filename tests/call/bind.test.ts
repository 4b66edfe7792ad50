// Library#bind: every argument and return kind against the edge fixture, checked before the call.
import * as ffikit from '../../ts/index';
import { fixturePaths } from '../fixtures/build';

const lib = ffikit.load(fixturePaths().edge);
ffikit.struct('Point', { x: 'double', y: 'double' });
ffikit.struct('Segment', { a: 'Point', b: 'Point' });
ffikit.opaque('Counter');
ffikit.callbackType('int IntOp(int x)');

const m = lib.bind({
  add: 'int add(int a, int b)',
  addUnnamed: 'int add(int, int)',
  echo_i8: 'int8_t echo_i8(int8_t x)',
  echo_u8: 'unsigned char echo_u8(unsigned char x)',
  echo_i16: 'short echo_i16(short x)',
  echo_u16: 'uint16_t echo_u16(uint16_t x)',
  echo_u32: 'unsigned int echo_u32(unsigned int x)',
  echo_i64: 'long long echo_i64(long long x)',
  echo_u64: 'uint64_t echo_u64(uint64_t x)',
  echo_size: 'size_t echo_size(size_t x)',
  echo_f32: 'float echo_f32(float x)',
  echo_f64: 'double echo_f64(double x)',
  negate: 'bool negate(bool x)',
  echo_char: 'char echo_char(char c)',
  str_len: 'size_t str_len(const char *s)',
  greeting: 'const char *greeting(int which)',
  sum_i32: 'int64_t sum_i32(const int32_t *p, size_t n)',
  sum_i32_array_syntax: 'int64_t sum_i32(const int32_t p[], size_t n)',
  sum_bytes: 'uint64_t sum_bytes(const void *p, size_t n)',
  fill_buffer: 'int fill_buffer(char *buf, size_t cap)',
  count_strings: 'size_t count_strings(const char **list, size_t n)',
  divmod: 'int divmod(int a, int b, _Out_ int *q, _Out_ int *r)',
  make_u64: 'void make_u64(_Out_ uint64_t *out)',
  point_norm: 'double point_norm(Point p)',
  point_scale: 'void point_scale(_Inout_ Point *p, double k)',
  point_make: 'Point point_make(double x, double y)',
  counter_new: 'Counter *counter_new(int start)',
  counter_next: 'int counter_next(Counter *c)',
  counter_free: 'void counter_free(Counter *c)',
  counter_open: 'int counter_open(int start, _Out_ Counter **out)',
  apply_twice: 'int apply_twice(IntOp *op, int x)',
  apply_twice_value_spelling: 'int apply_twice(IntOp op, int x)',
});

afterAll(() => lib.close());

function expectArgError(fn: () => unknown, ...fragments: string[]): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(ffikit.ArgumentError);
  const err = caught as ffikit.ArgumentError;
  expect(err.code).toBe('ERR_FFIKIT_ARG');
  for (const f of fragments) expect(err.message).toContain(f);
}

describe('integers', () => {
  it('passes and returns in-range values of every width', () => {
    expect(m.add(2, 3)).toBe(5);
    expect(m.addUnnamed(-2, 3)).toBe(1);
    expect(m.echo_i8(-128)).toBe(-128);
    expect(m.echo_u8(255)).toBe(255);
    expect(m.echo_i16(-32768)).toBe(-32768);
    expect(m.echo_u16(65535)).toBe(65535);
    expect(m.echo_u32(4294967295)).toBe(4294967295);
    expect(m.echo_char(65)).toBe(65);
  });

  it('refuses NaN, fractions, out-of-range numbers and other kinds with what was expected and got', () => {
    expectArgError(() => m.add(NaN, 1), "add(): argument 'a' expects an integer (int) in [-2147483648, 2147483647], got NaN.");
    expectArgError(() => m.add(1, 1.5), "argument 'b'", 'got number 1.5');
    expectArgError(() => m.add(2 ** 31, 0), 'got number 2147483648');
    expectArgError(() => m.echo_u8(256), '[0, 255]', 'got number 256');
    expectArgError(() => m.echo_i8(-129), '[-128, 127]');
    expectArgError(() => m.echo_u32(-1), '[0, 4294967295]', 'got number -1');
    expectArgError(() => m.add('1' as never, 2), 'got string (1 chars)');
    expectArgError(() => m.add(1n as never, 2), 'got bigint 1n', 'Pass it as a number: 1.');
    expectArgError(() => m.add(true as never, 2), 'got boolean true');
    expectArgError(() => m.add(undefined as never, 2), 'got undefined');
  });

  it('takes 64-bit integers as safe numbers or BigInt, and returns bigint above 2**53', () => {
    expect(m.echo_i64(-5)).toBe(-5);
    expect(m.echo_i64(-(2n ** 63n))).toBe(-(2n ** 63n));
    expect(m.echo_u64(2n ** 64n - 1n)).toBe(2n ** 64n - 1n);
    expect(m.echo_size(12)).toBe(12);
    expectArgError(() => m.echo_i64(2 ** 53 + 2), 'pass a BigInt');
    expectArgError(() => m.echo_i64(1e300), 'got number 1e+300.');
    expectArgError(() => m.echo_u64(2n ** 64n), '[0, 18446744073709551615]', 'got bigint 18446744073709551616n');
    expectArgError(() => m.echo_size(-1n), 'got bigint -1n');
    expectArgError(() => m.echo_size(-1), 'got number -1');
  });
});

describe('floating point and bool', () => {
  it('passes numbers through, NaN and infinities included', () => {
    expect(m.echo_f64(1.5)).toBe(1.5);
    expect(m.echo_f64(NaN)).toBeNaN();
    expect(m.echo_f64(-Infinity)).toBe(-Infinity);
    expect(m.echo_f32(0.1)).toBe(Math.fround(0.1));
    expectArgError(() => m.echo_f64('1' as never), 'a number (double)', 'got string');
    expectArgError(() => m.echo_f64(1n as never), 'Convert with Number(x).');
  });

  it('wants real booleans for bool', () => {
    expect(m.negate(true)).toBe(false);
    expectArgError(() => m.negate(1 as never), 'a boolean (bool)', 'got number 1', 'Pass true or false.');
  });
});

describe('strings', () => {
  it('passes UTF-8 strings and null to const char *', () => {
    expect(m.str_len('héllo')).toBe(6);
    expect(m.str_len('')).toBe(0);
    expect(m.str_len(null)).toBe(2n ** 64n - 1n);
    expect(m.greeting(1)).toBe('hello');
    expect(m.greeting(0)).toBeNull();
  });

  it('returns a writable char * as its address, so C-allocated strings can be freed', () => {
    const libc = ffikit.load('libc.so.6');
    const c = libc.bind({ strdup: 'char *strdup(const char *s)', free: 'void free(void *p)' });
    const p = c.strdup('héllo');
    expect(typeof p).toBe('bigint');
    expect(ffikit.decode(p as bigint, 'char', -1)).toBe('héllo');
    c.free(p);
    libc.close();
  });

  it('refuses embedded NUL characters, which C would silently stop at', () => {
    expectArgError(() => m.str_len('ab\0cd'), 'without NUL', 'index 2');
    expectArgError(() => m.str_len(5 as never), 'a string (const char *) or null', 'got number 5');
  });

  it('takes a byte buffer or a string for char * and string arrays for const char **', () => {
    const buf = Buffer.alloc(4);
    expect(m.fill_buffer(buf, buf.length)).toBe(3);
    expect(buf.toString('utf8', 0, 2)).toBe('ok');
    expect(m.count_strings(['ab', 'cde', null], 3)).toBe(5);
    expectArgError(() => m.fill_buffer('abc' as never, 3), "declare the parameter 'const char *'", 'Buffer.alloc(n)');
    expectArgError(() => m.count_strings(['a', 1 as never], 2), "argument 'list[1]'");
  });
});

describe('pointers to numbers', () => {
  it('passes matching typed arrays zero-copy, subarrays at their offset', () => {
    const data = new Int32Array([1, 2, 3, 4, 5]);
    expect(m.sum_i32(data, data.length)).toBe(15);
    expect(m.sum_i32(data.subarray(3), 2)).toBe(9);
    expect(m.sum_i32_array_syntax(data, 2)).toBe(3);
    expect(m.sum_i32(null, 0)).toBe(0);
    expect(m.sum_i32(new Int32Array(0), 0)).toBe(0);
  });

  it('refuses other element types, plain arrays and unsafe buffers', () => {
    expectArgError(
      () => m.sum_i32(new Int16Array(2) as never, 2),
      'expects Int32Array (int32), got Int16Array(2). Convert with new Int32Array(x).',
    );
    expectArgError(() => m.sum_i32([1, 2] as never, 2), 'got Array(2). Convert with Int32Array.from(x).');
    expectArgError(() => m.sum_i32(2n ** 64n, 0), 'a bigint address must be in [-(2**63), 2**64)');
    expectArgError(() => m.sum_i32(-(2n ** 63n) - 1n, 0), 'a bigint address must be in [-(2**63), 2**64)');
    const resizable = new Int32Array(new ArrayBuffer(16, { maxByteLength: 64 }));
    expectArgError(() => m.sum_i32(resizable, 4), 'resizable');
    const buf = new ArrayBuffer(8);
    const detached = new Int32Array(buf);
    structuredClone(buf, { transfer: [buf] });
    expectArgError(() => m.sum_i32(detached, 2), 'detached');
  });

  it('accepts any byte view, an ArrayBuffer or an address for void *', () => {
    expect(m.sum_bytes(new Uint8Array([1, 2, 3]), 3)).toBe(6);
    expect(m.sum_bytes(new Uint16Array([0x0102]).buffer, 2)).toBe(3);
    expect(m.sum_bytes(new DataView(new Uint8Array([7, 8]).buffer), 2)).toBe(15);
    expectArgError(() => m.sum_bytes('abc' as never, 3), 'void *');
  });

  it('writes out-parameters back into one-element arrays and typed arrays', () => {
    const q: [number] = [0];
    const r = new Int32Array(1);
    expect(m.divmod(17, 5, q, r)).toBe(0);
    expect(q[0]).toBe(3);
    expect(r[0]).toBe(2);
    const big: [number | bigint] = [0];
    m.make_u64(big);
    expect(big[0]).toBe(2n ** 64n - 1n);
    expectArgError(() => m.divmod(1, 1, [] as never, r), 'one-element array');
  });
});

describe('structs, opaque handles and callbacks', () => {
  it('passes structs by value and by pointer, and returns them as objects', () => {
    expect(m.point_norm({ x: 3, y: 4 })).toBe(5);
    const p = { x: 1, y: 2 };
    m.point_scale(p, 3);
    expect(p).toEqual({ x: 3, y: 6 });
    expect(m.point_make(5, 6)).toEqual({ x: 5, y: 6 });
  });

  it('refuses struct objects with missing members (koffi would read 0) or wrong member types', () => {
    expectArgError(() => m.point_norm({ x: 1 } as never), "Member 'y' is missing");
    expectArgError(() => m.point_norm({ x: 'a', y: 1 } as never), 'Unexpected String value');
    expectArgError(() => m.point_norm(5 as never), 'struct Point');
  });

  it('returns pointers to opaque types as typed handles, including through _Out_ T **; bare addresses still pass', () => {
    const c = m.counter_new(10) as unknown as ffikit.Handle<'Counter'>;
    expect(ffikit.isHandle(c)).toBe(true);
    expect(c.type).toBe('Counter');
    expect(typeof c.pointer).toBe('bigint');
    expect(m.counter_next(c as never)).toBe(11);
    expect(m.counter_next(c.pointer)).toBe(12);
    m.counter_free(c as never);
    const out: unknown[] = [null];
    expect(m.counter_open(5, out)).toBe(0);
    const h = out[0] as ffikit.Handle<'Counter'>;
    expect(ffikit.isHandle(h) && h.type).toBe('Counter');
    expect(m.counter_next(h as never)).toBe(6);
    m.counter_free(h as never);
    expectArgError(() => m.counter_next({} as never), 'a Counter handle, a bigint address or null', 'got object');
  });

  it('calls transient JS callbacks, written as Cb *cb or Cb cb', () => {
    expect(m.apply_twice((x: number) => x * 3, 2)).toBe(18);
    expect(m.apply_twice_value_spelling((x: number) => x + 1, 2)).toBe(4);
    expect(m.apply_twice(null, 1)).toBe(-1);
  });

  it('completes the native call and rethrows a callback exception as CallbackError', () => {
    const boom = new Error('boom');
    let calls = 0;
    let caught: unknown;
    try {
      m.apply_twice(() => {
        calls++;
        throw boom;
      }, 1);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ffikit.CallbackError);
    expect((caught as ffikit.CallbackError).code).toBe('ERR_FFIKIT_CALLBACK');
    expect((caught as ffikit.CallbackError).cause).toBe(boom);
    expect(calls).toBe(1);
  });
});

describe('arity, metadata and async', () => {
  it('checks the argument count', () => {
    expectArgError(() => (m.add as (...a: unknown[]) => unknown)(1), 'add(): expected 2 arguments (a, b), got 1.');
    expectArgError(() => (m.add as (...a: unknown[]) => unknown)(1, 2, 3), 'got 3');
    expectArgError(() => (m.greeting as (...a: unknown[]) => unknown)(), 'expected 1 argument (which), got 0');
  });

  it('exposes the declaration and a real name and length', () => {
    expect(m.add.name).toBe('add');
    expect(m.add.length).toBe(2);
    expect(m.addUnnamed.info).toEqual({ symbol: 'add', prototype: 'int add(int, int)', params: ['arg0', 'arg1'] });
  });

  it('runs .async off the main thread with the same checks, rejecting instead of throwing', async () => {
    await expect(m.add.async(20, 22)).resolves.toBe(42);
    const bad = m.add.async(1.5, 1);
    expect(bad).toBeInstanceOf(Promise);
    await expect(bad).rejects.toThrow(ffikit.ArgumentError);
    await expect((m.add.async as (...a: unknown[]) => Promise<unknown>)(1)).rejects.toThrow('expected 2 arguments');
    const q: [number] = [0];
    const r = new Int32Array(1);
    await expect(m.divmod.async(9, 4, q, r)).resolves.toBe(0);
    expect([q[0], r[0]]).toEqual([2, 1]);
  });

  it('reports transient callback errors from .async calls as CallbackError', async () => {
    await expect(m.apply_twice.async((x: number) => x * 2, 3)).resolves.toBe(12);
    await expect(
      m.apply_twice.async(() => {
        throw new TypeError('inside');
      }, 3),
    ).rejects.toThrow(ffikit.CallbackError);
  });

  it('keeps many concurrent .async calls ordered by promise, beyond koffi’s own queue limit', async () => {
    const results = await Promise.all(Array.from({ length: 600 }, (_, i) => m.add.async(i, 1)));
    expect(results).toEqual(Array.from({ length: 600 }, (_, i) => i + 1));
  });
});
