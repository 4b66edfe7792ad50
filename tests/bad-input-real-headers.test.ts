// The bad-input set for real-header shapes (handles, enumerations, variadics, minLength/leadingDim, _Nonnull): each case in its own child process.
import { childPool } from './helpers/child-pool';
import { expectBadCase, type BadCase } from './helpers/error-probe';

const ARG = ['ArgumentError', 'ERR_FFIKIT_ARG'] as const;
const DECL = ['DeclarationError', 'ERR_FFIKIT_DECLARATION'] as const;
const DISPOSED = ['DisposedError', 'ERR_FFIKIT_DISPOSED'] as const;
const NATIVE = ['NativeError', 'ERR_FFIKIT_NATIVE'] as const;
const UNSUPPORTED = ['UnsupportedError', 'ERR_FFIKIT_UNSUPPORTED'] as const;

const SQLITE = `
ffikit.opaque('sqlite3'); ffikit.opaque('sqlite3_stmt');
const Codes = ffikit.errorCodes({ SQLITE_OK: 0, SQLITE_ERROR: 1, SQLITE_MISUSE: 21, SQLITE_ROW: 100, SQLITE_DONE: 101 }, { ok: [0, 100, 101] });
const s = ffikit.load('libsqlite3.so.0').bind({
  open: { fn: 'int sqlite3_open(const char *file, _Out_ sqlite3 **db)', errcheck: Codes },
  close: { fn: 'int sqlite3_close(sqlite3 *db)', disposes: 'db', errcheck: Codes },
  prepare: { fn: 'int sqlite3_prepare_v2(sqlite3 *db, const char *sql, int n, _Out_ sqlite3_stmt **stmt, _Out_ const char **tail)', errcheck: Codes },
  step: { fn: 'int sqlite3_step(sqlite3_stmt *stmt)', errcheck: Codes },
  finalize: { fn: 'int sqlite3_finalize(sqlite3_stmt *stmt)', disposes: 'stmt' },
  errmsg: 'const char *sqlite3_errmsg(_Nonnull sqlite3 *db)',
});
const dbOut = [null]; s.open(':memory:', dbOut); const db = dbOut[0];
const st = [null]; s.prepare(db, 'select 1', -1, st, [null]); const stmt = st[0];`;

const ENUM = `
const lib = ffikit.load(fx.edge);
const Status = ffikit.enumeration('Status', { OK: 0, WARN: 1, FAIL: 2 });
const Mode = ffikit.enumeration('Mode', { READ: 1, WRITE: 2, EXEC: 4 }, { flags: true });
const m = lib.bind({ st: 'int add(Status a, int b)', mode: 'int add(Mode a, int b)' });`;

const LIBC = `
ffikit.callbackType('int Cmp(const void *a, const void *b)');
const c = ffikit.load('libc.so.6').bind({
  snprintf: 'int snprintf(char *buf, size_t n, const char *fmt, ...)',
  strlen: 'size_t strlen(_Nonnull const char *s)',
  strlen2: 'size_t strlen(const char *_Nonnull s)',
  getenv: '_Nonnull char *getenv(const char *name)',
  qsort: 'void qsort(_Nonnull void *base, size_t n, size_t size, _Nonnull Cmp *cmp)',
});
const buf = Buffer.alloc(32);`;

const EDGE = `
const lib = ffikit.load(fx.edge);
const m = lib.bind({
  sum32: { fn: 'int64_t sum_i32(const int32_t *p, size_t n)', arrays: { p: { minLength: 4 } } },
  sumN: { fn: 'int64_t sum_i32(const int32_t *p, size_t n)', arrays: { p: { minLength: 'n' } } },
  sumNN: { fn: 'int64_t sum_i32(_Nonnull const int32_t *p, size_t n)', arrays: { p: { length: 'n' } } },
});`;

const REF2D = `
const ref = ffikit.reference();
const m = ref.library.bind({
  p2d: { fn: 'int32_t process_2d(double *data, size_t rows, size_t cols)', arrays: { data: { ndim: 2, shape: ['rows', null], leadingDim: 'cols' } } },
});`;

const cases: BadCase[] = [
  // Handles
  {
    name: 'a sqlite3 handle where sqlite3_stmt * is expected',
    setup: SQLITE,
    body: 's.step(db);',
    error: ARG,
    words: ["step(): argument 'stmt' expects a sqlite3_stmt handle", 'It is a sqlite3 handle'],
  },
  {
    name: 'a sqlite3_stmt handle where sqlite3 * is expected',
    setup: SQLITE,
    body: "s.prepare(stmt, 'select 2', -1, [null], [null]);",
    error: ARG,
    words: ["argument 'db' expects a sqlite3 handle", 'It is a sqlite3_stmt handle'],
  },
  {
    name: 'use after the disposer ran',
    setup: SQLITE,
    body: "s.finalize(stmt); s.close(db); s.prepare(db, 'select 1', -1, [null], [null]);",
    error: DISPOSED,
    words: ["argument 'db' is a disposed sqlite3 handle"],
  },
  {
    name: 'double free through the disposer',
    setup: SQLITE,
    body: 's.finalize(stmt); s.close(db); s.close(db);',
    error: DISPOSED,
    words: ["close(): argument 'db' is a disposed sqlite3 handle"],
  },
  {
    name: 'a statement used after finalize',
    setup: SQLITE,
    body: 's.finalize(stmt); s.step(stmt);',
    error: DISPOSED,
    words: ['disposed sqlite3_stmt handle'],
  },
  {
    name: 'handle.pointer after dispose()',
    setup: SQLITE,
    body: 'stmt.dispose(); return stmt.pointer;',
    error: DISPOSED,
    words: ['sqlite3_stmt handle: it was disposed'],
  },
  {
    name: 'a handle used after handle.dispose() called the disposer',
    setup: SQLITE,
    body: 's.finalize(stmt); db.dispose(); s.errmsg(db);',
    error: DISPOSED,
    words: ['disposed sqlite3 handle'],
  },
  {
    name: 'a mixed-up handle in .async',
    setup: SQLITE,
    body: 'return s.step.async(db);',
    async: true,
    error: ARG,
    words: ['expects a sqlite3_stmt handle'],
  },
  {
    name: 'ffikit.handle() of an undeclared type',
    setup: '',
    body: "ffikit.handle('nope_t', 1n);",
    error: ARG,
    words: ["handle(): argument 'type'", 'declared opaque or struct type'],
  },
  {
    name: 'ffikit.handle() of a NULL address',
    setup: "ffikit.opaque('Thing');",
    body: "ffikit.handle('Thing', 0n);",
    error: ARG,
    words: ['a non-zero 64-bit address'],
  },
  {
    name: 'disposes naming a parameter that is not a handle',
    setup: "ffikit.opaque('sqlite3');",
    body: "ffikit.load('libsqlite3.so.0').bind({ c: { fn: 'int sqlite3_close(sqlite3 *db)', disposes: 'nope' } });",
    error: DECL,
    words: ["'disposes' must name a handle parameter"],
  },
  {
    name: 'a _Nonnull handle parameter given null',
    setup: SQLITE,
    body: 's.errmsg(null);',
    error: ARG,
    words: ["errmsg(): argument 'db' must not be null (declared _Nonnull)"],
  },
  // Enumerations
  {
    name: 'an enum value out of range',
    setup: ENUM,
    body: 'm.st(7, 1);',
    error: ARG,
    words: ["argument 'a' expects a Status value or member name (OK, WARN, FAIL)", '7 is not one of its values'],
  },
  { name: 'an unknown enum member name', setup: ENUM, body: "m.st('NOPE', 1);", error: ARG, words: ["'NOPE' is not a member of Status"] },
  { name: 'a non-integer enum value', setup: ENUM, body: 'm.st(1.5, 1);', error: ARG, words: ['got number 1.5'] },
  {
    name: 'a flags enum with an unknown bit',
    setup: ENUM,
    body: 'm.mode(8 | 1, 1);',
    error: ARG,
    words: ['a bitwise OR of Mode flags', 'not a combination of its flags'],
  },
  {
    name: 'an enum value out of range in .async',
    setup: ENUM,
    body: 'return m.st.async(9, 1);',
    async: true,
    error: ARG,
    words: ['9 is not one of its values'],
  },
  {
    name: 'an enumeration with a non-integer base',
    setup: '',
    body: "ffikit.enumeration('E1', { A: 0 }, { base: 'double' });",
    error: DECL,
    words: ['base must be an integer type', "'double'"],
  },
  {
    name: 'an enumeration member outside its base type',
    setup: '',
    body: "ffikit.enumeration('E2', { A: 300 }, { base: 'uint8_t' });",
    error: DECL,
    words: ['A = 300 is not an integer in [0, 255]'],
  },
  {
    name: 'errorCodes(enumeration) without ok',
    setup: "const E = ffikit.enumeration('E3', { OK: 0, BAD: 1 });",
    body: 'ffikit.errorCodes(E);',
    error: ARG,
    words: ["errorCodes(): argument 'ok'", 'the E3 members that mean success'],
  },
  // Variadic functions
  {
    name: 'a string where a variadic int goes',
    setup: LIBC,
    body: "c.snprintf.variadic('int')(buf, 32, '%d', 'x');",
    error: ARG,
    words: ["argument 'va0' expects an integer (int)"],
  },
  {
    name: 'a variadic type that is not a type',
    setup: LIBC,
    body: "c.snprintf.variadic('int', 'no such type')(buf, 32, '%d', 1, 2);",
    error: DECL,
    words: ['no such type'],
  },
  { name: 'a variadic void', setup: LIBC, body: "c.snprintf.variadic('void');", error: ARG, words: ['a non-void C type'] },
  {
    name: 'a variadic type that is not a string',
    setup: LIBC,
    body: 'c.snprintf.variadic(42);',
    error: ARG,
    words: ["variadic(): argument 'types[0]'"],
  },
  {
    name: 'a variadic call in .async',
    setup: LIBC,
    body: "return c.snprintf.variadic('int').async(buf, 32, '%d', 1);",
    async: true,
    error: UNSUPPORTED,
    words: ['variadic functions can only be called on the calling thread'],
  },
  {
    name: "'...' with no fixed parameter",
    setup: '',
    body: "ffikit.load('libc.so.6').bind({ f: 'int printf(...)' });",
    error: DECL,
    words: ["'...' must follow at least one parameter"],
  },
  // Contracts: minLength and leadingDim
  {
    name: 'a buffer below its minLength',
    setup: EDGE,
    body: 'm.sum32(new Int32Array(2), 2);',
    error: ARG,
    words: ["sum32(): argument 'p' expects at least 4 elements, got 2"],
  },
  {
    name: 'a buffer below a minLength named by a parameter',
    setup: EDGE,
    body: 'm.sumN(new Int32Array(3), 8);',
    error: ARG,
    words: ["argument 'p' expects at least 8 elements ('n' is 8), got 3"],
  },
  {
    name: 'a leading dimension smaller than a row',
    setup: REF2D,
    body: 'm.p2d(ffikit.NDArray.from([[1, 2, 3], [4, 5, 6]], "float64"), 2, 2);',
    error: ARG,
    words: ["argument 'cols' expects an integer >= 3"],
  },
  {
    name: 'a leading dimension that reads past the data',
    setup: REF2D,
    body: 'm.p2d({ data: new Float64Array(6), shape: [2, 3] }, 2, 5);',
    error: ARG,
    words: ['2 rows 5 apart need 8 elements', 'C would read past the end'],
  },
  {
    name: 'leadingDim on a 1-D contract',
    setup: 'const ref = ffikit.reference();',
    body: "ref.library.bind({ f: { fn: 'int32_t process_1d(double *data, size_t len)', arrays: { data: { leadingDim: 'len' } } } });",
    error: DECL,
    words: ["'arrays.data.leadingDim' needs a 2-D contract"],
  },
  {
    name: 'minLength naming a parameter that is not an integer',
    setup: 'const lib = ffikit.load(fx.edge);',
    body: "lib.bind({ f: { fn: 'int64_t sum_i32(const int32_t *p, size_t n)', arrays: { p: { minLength: 'p' } } } });",
    error: DECL,
    words: ["'arrays.p.minLength' names 'p', which is not an integer parameter"],
  },
  // _Nonnull
  {
    name: 'null for a _Nonnull string (strlen)',
    setup: LIBC,
    body: 'c.strlen(null);',
    error: ARG,
    words: ["strlen(): argument 's' must not be null (declared _Nonnull)"],
  },
  {
    name: 'undefined for a _Nonnull string written after the star',
    setup: LIBC,
    body: 'c.strlen2(undefined);',
    error: ARG,
    words: ["argument 's' must not be null (declared _Nonnull)"],
  },
  {
    name: 'null for a _Nonnull string in .async',
    setup: LIBC,
    body: 'return c.strlen.async(null);',
    async: true,
    error: ARG,
    words: ['must not be null (declared _Nonnull)'],
  },
  {
    name: 'null for a _Nonnull array with a contract',
    setup: EDGE,
    body: 'm.sumNN(null, 0);',
    error: ARG,
    words: ["sumNN(): argument 'p' must not be null (declared _Nonnull)"],
  },
  {
    name: 'a _Nonnull result that is NULL',
    setup: LIBC,
    body: "c.getenv('FFIKIT_SURELY_UNSET_VARIABLE');",
    error: NATIVE,
    words: ['getenv() failed: NULL'],
  },
  // Addresses
  {
    name: 'a bigint address below -(2**63)',
    setup: "const lib = ffikit.load(fx.edge); const m = lib.bind({ s: 'uint64_t sum_bytes(const void *p, size_t n)' });",
    body: 'm.s(-(2n ** 63n) - 1n, 0);',
    error: ARG,
    words: ['a bigint address must be in [-(2**63), 2**64)'],
  },
];

const run = childPool(2);

describe('bad input for real-header shapes: each case in its own process', () => {
  it('has at least 30 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  it.concurrent.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    await expectBadCase(run, c, '');
  });
});
