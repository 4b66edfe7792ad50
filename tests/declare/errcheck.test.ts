// errorCodes tables and errcheck policies: statuses become NativeError with status, statusName and fn.
import * as ffikit from '../../ts/index';
import { fixturePaths } from '../fixtures/build';

const lib = ffikit.load(fixturePaths().edge);
afterAll(() => lib.close());

const Codes = ffikit.errorCodes({
  SUCCESS: 0,
  ERR_NULL_POINTER: [-1, 'Null pointer error'],
  ERR_INVALID_SIZE: [-2, 'Invalid size error'],
});
const Sqlite = ffikit.errorCodes(
  { SQLITE_OK: 0, SQLITE_ERROR: [1, 'SQL error'], SQLITE_ROW: 100, SQLITE_DONE: 101 },
  { ok: [0, 100, 101] },
);

const m = lib.bind({
  table: { fn: 'int status_of(int code)', errcheck: Codes },
  multi: { fn: 'int status_of(int code)', errcheck: Sqlite },
  nonzero: { fn: 'int status_of(int code)', errcheck: 'nonzero-status' },
  errno: { fn: 'int neg_errno(int e)', errcheck: 'negative-errno' },
  nullFail: { fn: 'void *null_with_errno(int e)', errcheck: 'null-is-failure' },
  nonNull: { fn: 'void *non_null(void)', errcheck: 'null-is-failure' },
  custom: {
    fn: 'int status_of(int code)',
    errcheck: (r: unknown, ctx: ffikit.ErrcheckContext) => `${ctx.fn}:${String(r)}:${ctx.args.join(',')}`,
  },
});

function caught(fn: () => unknown): ffikit.NativeError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ffikit.NativeError);
    expect(err).toBeInstanceOf(ffikit.FfikitError);
    return err as ffikit.NativeError;
  }
  throw new Error('no error thrown');
}

describe('errorCodes', () => {
  it('exposes names as values and looks statuses up both ways', () => {
    expect(Codes.ERR_INVALID_SIZE).toBe(-2);
    expect(Codes.nameOf(-1)).toBe('ERR_NULL_POINTER');
    expect(Codes.nameOf(-7)).toBe('UNKNOWN');
    expect(Codes.messageOf(-2)).toBe('Invalid size error');
    expect([...Sqlite.ok]).toEqual([0, 100, 101]);
  });

  it('refuses malformed tables', () => {
    expect(() => ffikit.errorCodes({ A: 1.5 })).toThrow(ffikit.ArgumentError);
    expect(() => ffikit.errorCodes({ A: 1, B: 1 })).toThrow("a status not already used by 'A'");
    expect(() => ffikit.errorCodes({ A: 0 }, { ok: [] })).toThrow('non-empty array');
    expect(() => ffikit.errorCodes({ nameOf: 3 })).toThrow('not a method');
  });
});

describe('errcheck', () => {
  it('table: success returns void; failures throw the contract message', () => {
    expect(m.table(0)).toBeUndefined();
    const err = caught(() => m.table(-2));
    expect(err).toMatchObject({ code: 'ERR_FFIKIT_NATIVE', status: -2, statusName: 'ERR_INVALID_SIZE', fn: 'table' });
    expect(err.message).toBe('table() failed: ERR_INVALID_SIZE (-2): Invalid size error');
    const unknown = caught(() => m.table(-42));
    expect(unknown.statusName).toBe('UNKNOWN');
    expect(unknown.message).toBe('table() failed: UNKNOWN (-42): status -42 is not in the error table');
  });

  it('table with several ok values returns which one', () => {
    expect(m.multi(100)).toBe(100);
    expect(m.multi(101)).toBe(101);
    expect(caught(() => m.multi(1)).statusName).toBe('SQLITE_ERROR');
  });

  it('nonzero-status, negative-errno, null-is-failure and a custom function', () => {
    expect(m.nonzero(0)).toBeUndefined();
    expect(caught(() => m.nonzero(3))).toMatchObject({ status: 3, statusName: 'UNKNOWN' });
    expect(m.errno(0)).toBe(7);
    expect(caught(() => m.errno(2))).toMatchObject({ status: -2, statusName: 'ENOENT' });
    const nul = caught(() => m.nullFail(13));
    expect(nul).toMatchObject({ status: 13, statusName: 'EACCES' });
    expect(nul.message).toContain('returned NULL');
    expect(typeof m.nonNull()).toBe('bigint');
    expect(m.custom(5)).toBe('custom:5:5');
  });

  it('applies the same check to .async calls', async () => {
    await expect(m.table.async(0)).resolves.toBeUndefined();
    await expect(m.table.async(-1)).rejects.toMatchObject({ statusName: 'ERR_NULL_POINTER', fn: 'table' });
  });

  it('refuses an errcheck that does not fit the return type, or an unknown policy', () => {
    expect(() => lib.bind({ x: { fn: 'void *non_null(void)', errcheck: Codes } })).toThrow('needs an integer return type');
    expect(() => lib.bind({ x: { fn: 'int status_of(int c)', errcheck: 'null-is-failure' } })).toThrow('needs a pointer');
    expect(() => lib.bind({ x: { fn: 'int status_of(int c)', errcheck: 'strict' as never } })).toThrow(ffikit.DeclarationError);
    expect(() => lib.bind({ x: { fn: 'int status_of(int c)', errcheck: Codes, strict: true } as never })).toThrow(
      "unknown option 'strict'",
    );
  });
});
