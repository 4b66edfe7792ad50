// Callback return values: checked against the C return type before the FFI layer converts them (issue 11, item 6a).
import * as ffikit from '../../ts/index';
import { callbackReturn, callbackReturnCheck, isCallbackReturnError, kRefused } from '../../ts/callbacks/return-check';
import { fixturePaths } from '../fixtures/build';

const IntOp = ffikit.callbackType('int IntOp(int x)');
const CompareFn = ffikit.callbackType('int CompareFn(const void *a, const void *b)');

const edge = ffikit.load(fixturePaths().edge);
const e = edge.bind({ apply_twice: 'int apply_twice(IntOp *op, int x)' });

afterAll(() => edge.close());

function caught(fn: () => unknown): ffikit.CallbackError {
  try {
    fn();
  } catch (err) {
    return err as ffikit.CallbackError;
  }
  throw new Error('expected an error');
}

describe('registered callbacks returning a value C cannot take', () => {
  // The report: "ArgumentError: bsearch(): the arguments were refused: Unexpected String value, expected number."
  it('issue 11.6a: bsearch with a comparison returning a string throws CallbackError naming CompareFn and int', () => {
    const libc = ffikit.load('libc.so.6');
    const { bsearch } = libc.bind({
      bsearch: 'void *bsearch(const void *key, const void *base, size_t nmemb, size_t size, CompareFn *compar)',
    });
    const cb = libc.register(CompareFn, () => 'x' as never);
    const err = caught(() => bsearch(new Int32Array([5]), new Int32Array([1, 3, 5, 7]), 4, 4, cb));
    expect(err).toBeInstanceOf(ffikit.CallbackError);
    expect(err.code).toBe('ERR_FFIKIT_CALLBACK');
    expect(err.message).toBe(
      'bsearch(): expected the registered CompareFn callback to return an integer (int) in [-2147483648, 2147483647], got string (1 chars). ' +
        'Return a number, not a string (Number(x) converts one). C received 0 instead.',
    );
    cb.dispose();
    libc.close();
  });

  it('C receives the neutral value and the call completes; the first refusal is the one reported', () => {
    const returned: unknown[] = [];
    using cb = edge.register(IntOp, (x: number) => {
      returned.push(x);
      return (x === 1 ? 2.5 : 'later') as never;
    });
    const err = caught(() => e.apply_twice(cb, 1));
    expect(err.message).toContain('apply_twice(): expected the registered IntOp callback to return an integer (int)');
    expect(err.message).toContain('got number 2.5. Return an integer (Math.trunc(x); for a comparison, Math.sign(x)).');
    expect(returned).toEqual([1, 0]); // C went on with 0 and called again
    expect(e.apply_twice((x: number) => x + 1, 1)).toBe(3); // nothing left pending
  });

  it('a good value still passes, bigint in range is refused with the number to return', () => {
    using good = edge.register(IntOp, (x: number) => x * 3);
    expect(e.apply_twice(good, 2)).toBe(18);
    using big = edge.register(IntOp, () => 7n as never);
    expect(caught(() => e.apply_twice(big, 0)).message).toContain('got bigint 7n. Return it as a number: 7.');
  });

  it('with no synchronous call to rethrow it (C called back during .async), it goes to the error channel', async () => {
    const errors: ffikit.CallbackError[] = [];
    using cb = edge.register(IntOp, () => undefined as never, { onError: (err) => errors.push(err) });
    await expect(e.apply_twice.async(cb, 4)).resolves.toBe(0); // C received 0 twice
    await new Promise((r) => setImmediate(r));
    expect(errors[0]).toBeInstanceOf(ffikit.CallbackError);
    expect(errors[0]?.message).toBe(
      'RegisteredCallback(IntOp): expected it to return an integer (int) in [-2147483648, 2147483647], got undefined. ' +
        'The function returned nothing; return a number. C received 0 instead.',
    );
  });
});

describe('callbackReturnCheck (the checker for transient callbacks)', () => {
  const check = (proto: string): ((v: unknown) => unknown) => {
    const type = ffikit.callbackType(proto);
    return callbackReturnCheck(type, 'f()', `the ${type.name} callback passed as 'cb'`);
  };
  const refusal = (fn: (v: unknown) => unknown, value: unknown): ffikit.CallbackError => {
    const err = caught(() => fn(value));
    expect(err).toBeInstanceOf(ffikit.CallbackError);
    expect(isCallbackReturnError(err)).toBe(true);
    return err;
  };

  it('int: integers in range pass; fractions, strings, booleans, NaN and out-of-range values are refused', () => {
    const c = check('int RInt(void)');
    expect(c(-5)).toBe(-5);
    expect(c(2147483647)).toBe(2147483647);
    expect(refusal(c, 'x').message).toBe(
      "f(): expected the RInt callback passed as 'cb' to return an integer (int) in [-2147483648, 2147483647], got string (1 chars). " +
        'Return a number, not a string (Number(x) converts one). C received 0 instead.',
    );
    expect(refusal(c, 0.5).message).toContain('Math.sign(x)');
    expect(refusal(c, true).message).toContain('got boolean true. Return a number (Number(x) gives 1 or 0).');
    expect(refusal(c, NaN).message).toContain('got NaN. Return an integer in that range.');
    expect(refusal(c, 2 ** 31).message).toContain('got number 2147483648. Return an integer in that range.');
  });

  it('unsigned and narrow integers: their own range', () => {
    const u = check('uint32_t RU32(void)');
    expect(u(4294967295)).toBe(4294967295);
    expect(refusal(u, -1).message).toContain('an integer (uint32_t) in [0, 4294967295]');
    const b = check('uint8_t RU8(void)');
    expect(b(255)).toBe(255);
    expect(refusal(b, 256).message).toContain('in [0, 255], got number 256');
  });

  it('64-bit integers: safe numbers and bigints in range; unsafe numbers want a BigInt', () => {
    const c = check('int64_t RI64(void)');
    expect(c(-3)).toBe(-3);
    expect(c(-(2n ** 63n))).toBe(-(2n ** 63n));
    expect(refusal(c, 2 ** 60).message).toContain('return a BigInt');
    expect(refusal(c, 2n ** 63n).message).toContain('got bigint 9223372036854775808n');
    const u = check('uint64_t RU64(void)');
    expect(u(2n ** 64n - 1n)).toBe(2n ** 64n - 1n);
    expect(refusal(u, -1).message).toContain('[0, 18446744073709551615]');
  });

  it('floating point: any number; a bigint asks for Number(x)', () => {
    const c = check('double RDbl(void)');
    expect(c(0.25)).toBe(0.25);
    expect(Number.isNaN(c(NaN))).toBe(true);
    expect(refusal(c, 1n).message).toContain(
      'to return a number (double), got bigint 1n. Convert it with Number(x). C received 0 instead.',
    );
    expect(refusal(c, undefined).message).toContain('The function returned nothing; return a number.');
  });

  it('bool: booleans only', () => {
    const c = check('bool RBool(void)');
    expect(c(false)).toBe(false);
    expect(refusal(c, 1).message).toContain('a boolean (bool), got number 1. Return true or false. C received false instead.');
  });

  it('pointers: null or a bigint address; strings and JS buffers would dangle in C', () => {
    const c = check('void *RPtr(void)');
    expect(c(null)).toBeNull();
    expect(c(0x1000n)).toBe(0x1000n);
    expect(c(-1n)).toBe(2n ** 64n - 1n); // two's complement, as for arguments
    expect(refusal(c, 'abc').message).toContain('temporary copy that is freed as soon as the callback returns');
    expect(refusal(c, new Uint8Array(4)).message).toContain('the garbage collector may move or free');
    expect(refusal(c, undefined).message).toContain('return null for NULL. C received NULL instead.');
    expect(refusal(c, 4096).message).toContain('Return addresses as bigint');
    const s = check('const char *RStr(void)');
    expect(refusal(s, 'hello').message).toContain('a bigint address or null (const char *), got string (5 chars)');
  });

  it('structs by value: an object with every member (nested ones too)', () => {
    ffikit.struct('RInner', { a: 'int' });
    ffikit.struct('ROuter', { x: 'int', inner: 'RInner' });
    const c = check('ROuter RStruct(void)');
    const good = { x: 1, inner: { a: 2 } };
    expect(c(good)).toBe(good);
    expect(refusal(c, { x: 1 }).message).toContain("struct ROuter (x, inner), got object. Member 'inner' is missing or not an object.");
    expect(refusal(c, { x: 1, inner: {} }).message).toContain("Member 'inner.a' is missing");
    expect(refusal(c, null).message).toContain('Return an object. C received a zero-filled struct ROuter instead.');
  });

  it('named types behave as what they name; void callbacks ignore what they return', () => {
    ffikit.alias('rcount_t', 'uint16_t');
    const c = check('rcount_t RAlias(void)');
    expect(c(65535)).toBe(65535);
    expect(refusal(c, 65536).message).toContain('an integer (rcount_t: uint16_t) in [0, 65535]');
    const v = check('void RVoid(int x)');
    expect(v('anything')).toBeUndefined();
    expect(callbackReturn(ffikit.callbackType('void RVoid(int x)'))).toBeNull();
  });

  it('callbackReturn exposes the neutral value and refuses without throwing', () => {
    const ret = callbackReturn(ffikit.callbackType('int64_t RNeutral(void)'));
    expect(ret?.neutral).toBe(0n);
    expect(ret?.normalise('1')).toBe(kRefused);
    expect(isCallbackReturnError(new ffikit.CallbackError('thrown by the user', undefined))).toBe(false);
  });
});
