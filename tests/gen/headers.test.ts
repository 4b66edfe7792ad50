// ffikit gen on real system headers: coverage, tsc --strict, layouts against the C compiler, and round trips.
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { generate, verifyLayouts, writeAtomically, type GenResult } from '../../ts/gen/index';
import { ROOT, runChild } from '../helpers/child';

const OUT = path.join(ROOT, 'build', 'gen-test');

interface Case {
  readonly id: string;
  readonly header: string;
  readonly lib: string;
}

// Installed by .ci/run (zlib1g-dev libzstd-dev libsqlite3-dev libexpat1-dev liblzma-dev libssl-dev).
const CASES: Case[] = [
  { id: 'zlib', header: '/usr/include/zlib.h', lib: 'libz.so.1' },
  { id: 'zstd', header: '/usr/include/zstd.h', lib: 'libzstd.so.1' },
  { id: 'sqlite3', header: '/usr/include/sqlite3.h', lib: 'libsqlite3.so.0' },
  { id: 'expat', header: '/usr/include/expat.h', lib: 'libexpat.so.1' },
  { id: 'lzma', header: '/usr/include/lzma.h', lib: 'liblzma.so.5' },
  { id: 'sha', header: '/usr/include/openssl/sha.h', lib: 'libcrypto.so.3' },
  { id: 'evp', header: '/usr/include/openssl/evp.h', lib: 'libcrypto.so.3' },
];

const results = new Map<string, GenResult>();

beforeAll(async () => {
  const missing = CASES.filter((c) => !fs.existsSync(c.header)).map((c) => c.header);
  if (missing.length) throw new Error(`headers missing (install the -dev packages, see .ci/run): ${missing.join(', ')}`);
  fs.mkdirSync(OUT, { recursive: true });
  for (const c of CASES) {
    const ts = await generate(c.header, { lib: c.lib });
    const js = await generate(c.header, { lib: c.lib, format: 'js' });
    writeAtomically([
      [path.join(OUT, `${c.id}.ts`), ts.source],
      [path.join(OUT, `${c.id}.js`), js.source],
      [path.join(OUT, `${c.id}.d.ts`), js.declarations ?? ''],
    ]);
    results.set(c.id, ts);
  }
}, 120000);

describe.each(CASES)('$id', (c) => {
  it('binds at least 95% of the functions declared and exported, and lists every skip with a reason', () => {
    const r = results.get(c.id)!.report;
    expect(r.functions.exported).not.toBeNull();
    expect(r.functions.bound / r.functions.exported!).toBeGreaterThanOrEqual(0.95);
    const source = results.get(c.id)!.source;
    for (const s of r.skipped) {
      expect(s.reason.length).toBeGreaterThan(0);
      expect(source).toContain(`//   ${s.kind} ${s.name}: ${s.reason}`);
    }
  });

  it('lays out every struct as the C compiler does (--verify)', () => {
    const r = results.get(c.id)!;
    const v = verifyLayouts(c.header, r.typeCode, r.structs);
    expect(v.structs).toBe(r.structs.length);
  });

  it('is deterministic', async () => {
    expect((await generate(c.header, { lib: c.lib })).source).toBe(results.get(c.id)!.source);
  });
});

it('every generated module compiles under tsc --strict (TypeScript and .js + .d.ts)', () => {
  const config = path.join(OUT, 'tsconfig.json');
  fs.writeFileSync(
    config,
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        module: 'node16',
        moduleResolution: 'node16',
        target: 'ES2022',
        types: ['node'],
        skipLibCheck: false,
        lib: ['ES2023', 'ESNext.Disposable'],
      },
      files: [...CASES.map((c) => `${c.id}.ts`), 'use-js.ts'],
    }),
  );
  fs.writeFileSync(
    path.join(OUT, 'use-js.ts'),
    "import * as z from './zlib.js';\nconst n: number | bigint = z.load().compressBound(10);\nvoid n;\n",
  );
  const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', config], { encoding: 'utf8' });
  expect(tsc.stdout + tsc.stderr).toBe('');
  expect(tsc.status).toBe(0);
}, 120000);

function roundTrip(code: string): string {
  const r = runChild(code);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout.trim();
}

it('zlib: compress/uncompress round trip', () => {
  const out = roundTrip(`
    const z = require('./build/gen-test/zlib.js'); const m = z.load();
    const input = Buffer.from('ffikit gen '.repeat(100));
    const dest = new Uint8Array(m.compressBound(input.length)); const len = new BigUint64Array([BigInt(dest.length)]);
    if (m.compress(dest, len, input, input.length) !== z.Z_OK) throw new Error('compress');
    const back = new Uint8Array(input.length); const blen = new BigUint64Array([BigInt(back.length)]);
    if (m.uncompress(back, blen, dest, Number(len[0])) !== z.Z_OK) throw new Error('uncompress');
    console.log(Buffer.from(back).equals(input), m.zlibVersion() === z.ZLIB_VERSION, len[0] < BigInt(input.length));`);
  expect(out).toBe('true true true');
});

it('zstd: compress/decompress round trip', () => {
  const out = roundTrip(`
    const m = require('./build/gen-test/zstd.js').load();
    const input = Buffer.from('zstandard '.repeat(200));
    const dest = Buffer.alloc(m.ZSTD_compressBound(input.length));
    const n = m.ZSTD_compress(dest, dest.length, input, input.length, 3);
    if (m.ZSTD_isError(n)) throw new Error(m.ZSTD_getErrorName(n));
    const back = Buffer.alloc(input.length);
    const k = m.ZSTD_decompress(back, back.length, dest, n);
    console.log(Number(k) === input.length && back.equals(input));`);
  expect(out).toBe('true');
});

it('openssl sha.h: SHA256 equals node:crypto', () => {
  const data = 'the quick brown fox';
  const out = roundTrip(`
    const m = require('./build/gen-test/sha.js'); const f = m.load();
    const md = Buffer.alloc(m.SHA256_DIGEST_LENGTH);
    f.SHA256(Buffer.from(${JSON.stringify(data)}), ${data.length}, md);
    console.log(md.toString('hex'));`);
  expect(out).toBe(crypto.createHash('sha256').update(data).digest('hex'));
});

it('openssl evp.h: EVP_Digest with a handle from EVP_get_digestbyname equals node:crypto', () => {
  const out = roundTrip(`
    const e = require('./build/gen-test/evp.js'); const f = e.load();
    const md = f.EVP_get_digestbyname('SHA256');
    const out = Buffer.alloc(e.EVP_MAX_MD_SIZE); const len = new Uint32Array(1);
    if (f.EVP_Digest(Buffer.from('abc'), 3, out, len, md, null) !== 1) throw new Error('EVP_Digest');
    console.log(out.subarray(0, len[0]).toString('hex'));`);
  expect(out).toBe(crypto.createHash('sha256').update('abc').digest('hex'));
});

it('expat: XML parsing with registered callbacks', () => {
  const out = roundTrip(`
    const ffikit = require('ffikit'); const x = require('./build/gen-test/expat.js'); const f = x.load();
    const lib = ffikit.load(x.LIBRARY);
    const names = [];
    const start = lib.register(x.XML_StartElementHandler, (_u, name, _atts) => { names.push('+' + name); });
    const end = lib.register(x.XML_EndElementHandler, (_u, name) => { names.push('-' + name); });
    const p = f.XML_ParserCreate(null);
    f.XML_SetElementHandler(p, start, end);
    const doc = '<a><b/><c>t</c></a>';
    const status = f.XML_Parse(p, doc, doc.length, 1);
    f.XML_ParserFree(p); start.dispose(); end.dispose();
    console.log(status === x.XML_STATUS_OK, names.join(' '));`);
  expect(out).toBe('true +a +b -b +c -c -a');
});

it('sqlite3: a query through handles', () => {
  const out = roundTrip(`
    const ffikit = require('ffikit'); const s = require('./build/gen-test/sqlite3.js'); const f = s.load();
    const lib = ffikit.load(s.LIBRARY);
    const { open, prepare } = lib.bind({
      open: 'int sqlite3_open(const char *filename, _Out_ sqlite3 **db)',
      prepare: 'int sqlite3_prepare_v2(sqlite3 *db, const char *sql, int n, _Out_ sqlite3_stmt **stmt, _Out_ const char **tail)',
    });
    const db = [null]; if (open(':memory:', db) !== s.SQLITE_OK) throw new Error('open');
    const stmt = [null]; prepare(db[0], 'SELECT 6 * 7, sqlite_version()', -1, stmt, [null]);
    const row = f.sqlite3_step(stmt[0]) === s.SQLITE_ROW;
    console.log(row, f.sqlite3_column_int(stmt[0], 0), f.sqlite3_column_text(stmt[0], 1) !== null, f.sqlite3_libversion() === s.SQLITE_VERSION);
    f.sqlite3_finalize(stmt[0]); f.sqlite3_close(db[0]);`);
  expect(out).toBe('true 42 true true');
});

it('lzma: easy buffer encode/decode round trip', () => {
  const out = roundTrip(`
    const l = require('./build/gen-test/lzma.js'); const f = l.load();
    const input = Buffer.from('lzma '.repeat(100));
    const dest = Buffer.alloc(f.lzma_stream_buffer_bound(input.length)); const pos = new BigUint64Array(1);
    if (f.lzma_easy_buffer_encode(6, l.LZMA_CHECK_CRC64, null, input, input.length, dest, pos, dest.length) !== l.LZMA_OK) throw new Error('encode');
    const back = Buffer.alloc(input.length); const inPos = new BigUint64Array(1); const outPos = new BigUint64Array(1);
    const limit = new BigUint64Array([BigInt(1) << BigInt(30)]);
    const r = f.lzma_stream_buffer_decode(limit, 0, null, dest, inPos, Number(pos[0]), back, outPos, back.length);
    console.log(r === l.LZMA_OK, back.equals(input));`);
  expect(out).toBe('true true');
});
