// Example: the system SQLite — typed handles with disposers, status codes with several "ok" values, a char ** out-parameter.
import * as ffikit from 'ffikit';

declare module 'ffikit' {
  interface NamedTypes {
    sqlite3: ffikit.Opaque;
    sqlite3_stmt: ffikit.Opaque;
  }
}

ffikit.opaque('sqlite3');
ffikit.opaque('sqlite3_stmt');

// SQLITE_ROW (100) and SQLITE_DONE (101) are not failures: with several ok values the status is returned.
const Sqlite = ffikit.errorCodes(
  {
    SQLITE_OK: 0,
    SQLITE_ERROR: [1, 'SQL error or missing database'],
    SQLITE_MISUSE: [21, 'library used incorrectly'],
    SQLITE_ROW: 100,
    SQLITE_DONE: 101,
  },
  { ok: [0, 100, 101] },
);
const SQLITE_TRANSIENT = -1n; // (sqlite3_destructor_type)-1: SQLite copies the text

using lib = ffikit.load('libsqlite3.so.0'); // macOS: 'libsqlite3.dylib'
const s = lib.bind({
  version: 'const char *sqlite3_libversion(void)',
  open: { fn: 'int sqlite3_open(const char *file, _Out_ sqlite3 **db)', errcheck: Sqlite },
  close: { fn: 'int sqlite3_close(sqlite3 *db)', disposes: 'db', errcheck: Sqlite },
  exec: 'int sqlite3_exec(sqlite3 *db, const char *sql, void *cb, void *arg, _Out_ char **errmsg)',
  free: 'void sqlite3_free(void *p)',
  prepare: {
    fn: 'int sqlite3_prepare_v2(sqlite3 *db, const char *sql, int n, _Out_ sqlite3_stmt **stmt, _Out_ const char **tail)',
    errcheck: Sqlite,
  },
  bindText: { fn: 'int sqlite3_bind_text(sqlite3_stmt *s, int i, const char *text, int n, void *destructor)', errcheck: Sqlite },
  bindInt: { fn: 'int sqlite3_bind_int(sqlite3_stmt *s, int i, int value)', errcheck: Sqlite },
  step: { fn: 'int sqlite3_step(sqlite3_stmt *stmt)', errcheck: Sqlite },
  reset: { fn: 'int sqlite3_reset(sqlite3_stmt *stmt)', errcheck: Sqlite },
  columnText: 'const char *sqlite3_column_text(sqlite3_stmt *stmt, int i)',
  columnInt: 'int sqlite3_column_int(sqlite3_stmt *stmt, int i)',
  finalize: { fn: 'int sqlite3_finalize(sqlite3_stmt *stmt)', disposes: 'stmt' },
});
console.log(`SQLite ${s.version()} from ${lib.path}`);

const dbOut: [ffikit.Handle<'sqlite3'> | null] = [null];
s.open(':memory:', dbOut);
using db = dbOut[0]!; // `using`: sqlite3_close runs at the end of the scope unless closed before

// sqlite3_exec's error message is a char * SQLite allocated: a writable char ** out gives its address.
const errmsg: [bigint | null] = [null];
if (s.exec(db, 'create table langs (name text, year int)', null, null, errmsg) !== 0) throw new Error('create');
if (s.exec(db, 'select * from nope', null, null, errmsg) !== 0 && errmsg[0] !== null) {
  console.log(`exec error: ${ffikit.decode(errmsg[0], 'char', -1) as string}`);
  s.free(errmsg[0]);
}

function prepare(sql: string): ffikit.Handle<'sqlite3_stmt'> {
  const stmt: [ffikit.Handle<'sqlite3_stmt'> | null] = [null];
  s.prepare(db, sql, -1, stmt, [null]);
  return stmt[0]!;
}

{
  using insert = prepare('insert into langs values (?1, ?2)');
  for (const [name, year] of [
    ['C', 1972],
    ['Python', 1991],
    ['TypeScript', 2012],
  ] as const) {
    s.bindText(insert, 1, name, -1, SQLITE_TRANSIENT);
    s.bindInt(insert, 2, year);
    s.step(insert); // SQLITE_DONE
    s.reset(insert);
  }
} // sqlite3_finalize ran here

using query = prepare('select name, year from langs order by year desc');
while (s.step(query) === 100 /* SQLITE_ROW */) {
  console.log(`  ${s.columnText(query, 0)} (${s.columnInt(query, 1)})`);
}
s.finalize(query); // the declared disposer: query.disposed is now true, and `using` will not run it again

try {
  s.step(db as never); // a sqlite3 handle where sqlite3_stmt * is expected
} catch (err) {
  console.log(`refused before the call: ${(err as Error).message.split('.')[0]}`);
}
try {
  s.prepare(db, 'selec 1', -1, [null], [null]);
} catch (err) {
  if (!(err instanceof ffikit.NativeError)) throw err;
  console.log(`status: ${err.statusName} (${err.status})`);
}
