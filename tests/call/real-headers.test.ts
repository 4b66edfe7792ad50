// Real C headers through the public API: typedefs, enumerations, typed handles, variadics, char ** outs, sentinels, minLength/leadingDim, _Nonnull.
import { createHash } from 'node:crypto';

import * as ffikit from '../../ts/index';
import { runChild } from '../helpers/child';

declare module '../../ts/index' {
  interface NamedTypes {
    EVP_MD_CTX: ffikit.Opaque;
    EVP_MD: ffikit.Opaque;
  }
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const fx = require('../fixtures/build').fixturePaths() as { edge: string };

describe('typedefs behave as what they name', () => {
  it('errcheck tables and policies, contracts and null-is-failure see through aliases', () => {
    const ref = ffikit.reference();
    ffikit.alias('status_t', 'int32_t');
    ffikit.alias('blen_t', 'size_t');
    ffikit.alias('dptr_t', 'double *');
    const m = ref.library.bind({
      p1: { fn: 'status_t process_1d(dptr_t data, blen_t len)', errcheck: ffikit.ReferenceErrorCodes, arrays: { data: { length: 'len' } } },
      p2: { fn: 'status_t safe_operation(dptr_t arr, blen_t len)', errcheck: 'nonzero-status' },
      mk: { fn: 'dptr_t create_array(blen_t len)', errcheck: 'null-is-failure' },
      free: 'void free_array(dptr_t arr)',
    });
    const d = new Float64Array([1, 2]);
    m.p1(d);
    expect(Array.from(d)).toEqual([2, 4]);
    expect(() => m.p2(d, 0)).toThrow('p2() failed: UNKNOWN (-2)');
    const p = m.mk(4);
    expect(typeof p).toBe('bigint');
    m.free(p);
    ref.close();
  });
});

describe('enumerations', () => {
  const lib = ffikit.load(fx.edge);
  const Status = ffikit.enumeration('EStatus', { OK: 0, WARN: 1, FAIL: 2 });
  const Mode = ffikit.enumeration('EMode', { READ: 1, WRITE: 2, EXEC: 4 }, { flags: true });
  ffikit.enumeration('EByte', { LOW: 0, HIGH: 255 }, { base: 'uint8_t' });
  const m = lib.bind({
    st: 'EStatus add(EStatus a, int b)',
    mode: 'int add(EMode a, int b)',
    byte: 'EByte echo_u8(EByte x)',
  });
  afterAll(() => lib.close());

  it('members are constants; parameters take values or names; results are numbers', () => {
    expect(Status.WARN).toBe(1);
    expect(Object.keys(Status)).toEqual(['OK', 'WARN', 'FAIL']);
    expect(m.st(1, 1)).toBe(2);
    expect(m.st('FAIL', 0)).toBe(2);
    expect(m.byte('HIGH')).toBe(255);
    expect(ffikit.sizeof('EByte')).toBe(1);
  });

  it('flags take any bitwise OR of members', async () => {
    expect(m.mode(Mode.READ | Mode.EXEC, 0)).toBe(5);
    expect(m.mode('WRITE', 0)).toBe(2);
    expect(await m.mode.async(7, 0)).toBe(7);
    expect(() => m.mode(8, 0)).toThrow(ffikit.ArgumentError);
  });

  it('errorCodes(enumeration) names failures by member and accepts ok by name', () => {
    const Codes = ffikit.errorCodes(Status, { ok: ['OK', 'WARN'] });
    const checked = lib.bind({ f: { fn: 'EStatus add(EStatus a, int b)', errcheck: Codes } });
    expect(checked.f('OK', 1)).toBe(1);
    expect(() => checked.f('WARN', 1)).toThrow('f() failed: FAIL (2)');
  });

  it('declaring the same enumeration twice is allowed; a different one under the name is not', () => {
    expect(() => ffikit.enumeration('EStatus', { OK: 0, WARN: 1, FAIL: 2 })).not.toThrow();
    expect(() => ffikit.enumeration('EStatus', { OK: 0 })).toThrow(ffikit.DeclarationError);
  });
});

describe('typed handles', () => {
  ffikit.opaque('Counter');
  const lib = ffikit.load(fx.edge);
  const m = lib.bind({
    make: 'Counter *counter_new(int start)',
    next: 'int counter_next(Counter *c)',
    open: 'int counter_open(int start, _Out_ Counter **out)',
    free: { fn: 'void counter_free(Counter *c)', disposes: 'c' },
  });
  afterAll(() => lib.close());

  it('results and _Out_ T ** become handles; the same address is the same Handle', () => {
    const c = m.make(1) as unknown as ffikit.Handle<'Counter'>;
    expect(m.next(c as never)).toBe(2);
    expect(ffikit.handle('Counter', c.pointer)).toBe(c);
    const out: unknown[] = [null];
    m.open(5, out);
    const h = out[0] as ffikit.Handle<'Counter'>;
    expect(h.type).toBe('Counter');
    expect(m.next(h as never)).toBe(6);
    m.free(c as never);
    expect(c.disposed).toBe(true);
    expect(() => m.next(c as never)).toThrow(ffikit.DisposedError);
    h.dispose(); // calls counter_free once
    expect(h.disposed).toBe(true);
    h.dispose(); // idempotent
  });

  it('`using` calls the disposer at the end of the scope; .async takes handles', async () => {
    let kept: ffikit.Handle<'Counter'>;
    {
      using c = m.make(10) as unknown as ffikit.Handle<'Counter'>;
      kept = c;
      expect(await m.next.async(c as never)).toBe(11);
    }
    expect(kept.disposed).toBe(true);
    await expect(m.next.async(kept as never)).rejects.toThrow(ffikit.DisposedError);
  });

  it('a forgotten handle is freed by the GC backstop with its disposer, with one warning per site', () => {
    const r = runChild(
      `const ffikit = require('./ts/index');
       ffikit.opaque('Counter');
       const lib = ffikit.load(${JSON.stringify(fx.edge)});
       const m = lib.bind({ make: 'Counter *counter_new(int s)', free: { fn: 'void counter_free(Counter *c)', disposes: 'c' } });
       const warnings = [];
       process.on('warning', (w) => warnings.push(w.code + ' ' + w.message));
       for (let i = 0; i < 50; i++) m.make(i);
       setImmediate(() => { gc(); setTimeout(() => { gc(); setTimeout(() => console.log(JSON.stringify(warnings)), 20); }, 20); });`,
      { nodeArgs: ['--expose-gc'] },
    );
    expect(r.status).toBe(0);
    const warnings = JSON.parse(r.stdout) as string[];
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^FFIKIT_UNDISPOSED Counter handle created at .* was never disposed; the garbage collector freed it with free\(\)/,
    );
  });
});

describe('sqlite3: handles, statuses, char ** outs and sentinels', () => {
  ffikit.opaque('sqlite3');
  ffikit.opaque('sqlite3_stmt');
  const Codes = ffikit.errorCodes(
    { SQLITE_OK: 0, SQLITE_ERROR: 1, SQLITE_MISUSE: 21, SQLITE_ROW: 100, SQLITE_DONE: 101 },
    { ok: [0, 100, 101] },
  );
  const lib = ffikit.load('libsqlite3.so.0');
  const s = lib.bind({
    open: { fn: 'int sqlite3_open(const char *file, _Out_ sqlite3 **db)', errcheck: Codes },
    close: { fn: 'int sqlite3_close(sqlite3 *db)', disposes: 'db', errcheck: Codes },
    prepare: {
      fn: 'int sqlite3_prepare_v2(sqlite3 *db, const char *sql, int n, _Out_ sqlite3_stmt **stmt, _Out_ const char **tail)',
      errcheck: Codes,
    },
    bindText: { fn: 'int sqlite3_bind_text(sqlite3_stmt *s, int i, const char *text, int n, void *destructor)', errcheck: Codes },
    step: { fn: 'int sqlite3_step(sqlite3_stmt *stmt)', errcheck: Codes },
    text: 'const char *sqlite3_column_text(sqlite3_stmt *stmt, int i)',
    finalize: { fn: 'int sqlite3_finalize(sqlite3_stmt *stmt)', disposes: 'stmt' },
    exec: 'int sqlite3_exec(sqlite3 *db, const char *sql, void *cb, void *arg, _Out_ char **errmsg)',
    free: 'void sqlite3_free(void *p)',
    mprintf: 'char *sqlite3_mprintf(const char *fmt, ...)',
  });
  afterAll(() => lib.close());

  it('opens, prepares with a string tail, binds with SQLITE_TRANSIENT as -1n, steps, finalizes and closes', () => {
    const out: unknown[] = [null];
    s.open(':memory:', out);
    const db = out[0] as never;
    const st: unknown[] = [null];
    const tail: unknown[] = [null];
    s.prepare(db, 'select upper(?1); select 2', -1, st, tail);
    expect(tail[0]).toBe(' select 2');
    const stmt = st[0] as never;
    s.bindText(stmt, 1, 'héllo', -1, -1n); // (void *)-1: SQLite copies the text
    expect(s.step(stmt)).toBe(100);
    expect(s.text(stmt, 0)).toBe('HéLLO');
    expect(s.step(stmt)).toBe(101);
    s.finalize(stmt);
    s.close(db);
    expect(() => s.close(db)).toThrow(ffikit.DisposedError);
  });

  it('a writable char ** out-parameter gives the address to free; variadic sqlite3_mprintf', () => {
    const out: unknown[] = [null];
    s.open(':memory:', out);
    const db = out[0] as never;
    const err: unknown[] = [null];
    expect(s.exec(db, 'select * from nope', null, null, err)).toBe(1);
    expect(typeof err[0]).toBe('bigint');
    expect(ffikit.decode(err[0] as bigint, 'char', -1)).toBe('no such table: nope');
    s.free(err[0] as bigint);
    const p = s.mprintf.variadic('int', 'const char *')('%d-%s', 7, 'x');
    expect(ffikit.decode(p as bigint, 'char', -1)).toBe('7-x');
    s.free(p);
    s.close(db);
  });
});

describe('OpenSSL EVP: handles with disposers; SHA-256 equals node:crypto', () => {
  it('digests through EVP_MD_CTX', () => {
    ffikit.opaque('EVP_MD_CTX');
    ffikit.opaque('EVP_MD');
    const lib = ffikit.load('libcrypto.so.3');
    const c = lib.bind({
      newCtx: { fn: 'EVP_MD_CTX *EVP_MD_CTX_new(void)', errcheck: 'null-is-failure' },
      freeCtx: { fn: 'void EVP_MD_CTX_free(EVP_MD_CTX *ctx)', disposes: 'ctx' },
      sha256: 'const EVP_MD *EVP_sha256(void)',
      init: {
        fn: 'int EVP_DigestInit_ex(EVP_MD_CTX *ctx, const EVP_MD *type, void *engine)',
        errcheck: (r: unknown) => {
          if (r !== 1) throw new Error('init');
        },
      },
      update: { fn: 'int EVP_DigestUpdate(EVP_MD_CTX *ctx, const void *d, size_t n)', arrays: { d: { dtype: 'uint8', length: 'n' } } },
      final: { fn: 'int EVP_DigestFinal_ex(EVP_MD_CTX *ctx, uint8_t *md, _Out_ unsigned int *s)', arrays: { md: { minLength: 32 } } },
    });
    const data = Buffer.from('ffikit real headers');
    using ctx = c.newCtx();
    c.init(ctx, c.sha256(), null);
    c.update(ctx, data);
    const md = new Uint8Array(32);
    const size = new Uint32Array(1);
    c.final(ctx, md, size);
    expect(size[0]).toBe(32);
    expect(Buffer.from(md).toString('hex')).toBe(createHash('sha256').update(data).digest('hex'));
    expect(() => c.final(ctx, new Uint8Array(16), size)).toThrow('expects at least 32 elements, got 16');
    expect(() => c.update(c.sha256() as never, data)).toThrow('It is a EVP_MD handle');
    lib.close();
  });
});

describe('libc: variadics, _Nonnull, sentinels', () => {
  const c = ffikit.load('libc.so.6').bind({
    snprintf: 'int snprintf(char *buf, size_t n, const char *fmt, ...)',
    strlen: 'size_t strlen(_Nonnull const char *s)',
    memmove: 'void *memmove(void *dst, const void *src, size_t n)',
  });

  it('variadic calls apply C default promotions and are cached per type list', () => {
    const buf = Buffer.alloc(64);
    const f = c.snprintf.variadic('int', 'float', 'char', 'const char *');
    expect(f).toBe(c.snprintf.variadic('int', 'float', 'char', 'const char *'));
    const n = f(buf, buf.length, '%d %.2f %c %s', -3, 0.5, 65, 'end');
    expect(buf.toString('latin1', 0, n)).toBe('-3 0.50 A end');
    expect(f.info.prototype).toBe('int snprintf(char *buf, size_t n, const char *fmt, ...) with (int, float, char, const char *)');
    expect(c.snprintf(buf, buf.length, 'plain')).toBe(5);
  });

  it("_Nonnull passes real values; a negative bigint is its two's-complement address", () => {
    expect(c.strlen('four')).toBe(4);
    expect(c.memmove(-1n, -1n, 0)).toBe(0xffffffffffffffffn);
  });
});

describe('contracts: minLength and leadingDim', () => {
  const ref = ffikit.reference();
  const m = ref.library.bind({
    p2d: {
      fn: 'int32_t process_2d(double *data, size_t rows, size_t lda)',
      arrays: { data: { ndim: 2, shape: ['rows', null], leadingDim: 'lda' } },
    },
  });
  afterAll(() => ref.close());

  // process_2d(data, rows, lda) updates rows * lda elements, row-major: a stand-in for a BLAS routine.
  it('fills lda with the row stride of a padded NDArray view and passes its first element', () => {
    const big = new Float64Array(2 * 5 + 2);
    const view = new ffikit.NDArray(big, [2, 3], { strides: [5, 1], offset: 2 });
    m.p2d(view);
    // C saw rows 5 apart starting at big[2]: element (r, c) at big[2 + r * 5 + c] += r * 1000 + c.
    expect(big[2 + 1]).toBe(1);
    expect(big[2 + 5 + 2]).toBe(1002);
  });

  it('{ data, shape } with padded rows and an explicit lda', () => {
    // process_2d walks rows * lda elements (it is not a BLAS routine), so give it all of them.
    const data = new Float64Array(10);
    m.p2d({ data, shape: [2, 3] }, 2, 5);
    expect(data[5 + 2]).toBe(1002);
  });
});
