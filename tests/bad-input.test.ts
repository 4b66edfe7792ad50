// The bad-input set for the load/bind/call layer: each case runs in its own child process, so a crash is a finding.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { ROOT } from './helpers/child';
import { childPool } from './helpers/child-pool';
import { expectBadCase, parseProbe, probeSnippet, type BadCase as SharedBadCase } from './helpers/error-probe';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const fx = require('./fixtures/build').fixturePaths() as Record<
  'edge' | 'undefinedSymbol' | 'needsDep' | 'executable' | 'object' | 'dir',
  string
>;

/** Files the loader cases need, made once before any case runs (concurrent tests may start before beforeAll). */
const scratchDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ffikit-bad-input-'));
const scratch = {
  text: path.join(scratchDir, 'libtext.so'),
  arm64: path.join(scratchDir, 'libedge-aarch64.so'),
  needsDep: path.join(scratchDir, 'libneeds-dep-linked.so'),
};
fs.writeFileSync(scratch.text, 'INPUT(-lc)\n');
const patched = fs.readFileSync(fx.edge);
patched.writeUInt16LE(183, 0x12); // e_machine = EM_AARCH64
fs.writeFileSync(scratch.arm64, patched);
// The same source as the needsDep fixture, but with the library after the source so --as-needed keeps DT_NEEDED.
execFileSync(process.env.CC || 'cc', [
  '-shared',
  '-fPIC',
  '-o',
  scratch.needsDep,
  path.join(ROOT, 'tests', 'fixtures', 'needs-dep.c'),
  `-L${path.join(fx.dir, 'hidden')}`,
  '-lffikit_fixture_dep',
]);
const edgeSha = createHash('sha256').update(fs.readFileSync(fx.edge)).digest('hex');

afterAll(() => fs.rmSync(scratchDir, { recursive: true, force: true }));

const EDGE = `
const lib = ffikit.load(fx.edge);
ffikit.struct('Point', { x: 'double', y: 'double' });
const m = lib.bind({
  add: 'int add(int a, int b)',
  echo_u8: 'uint8_t echo_u8(uint8_t x)',
  echo_u32: 'uint32_t echo_u32(uint32_t x)',
  echo_i64: 'int64_t echo_i64(int64_t x)',
  echo_u64: 'uint64_t echo_u64(uint64_t x)',
  echo_size: 'size_t echo_size(size_t x)',
  negate: 'bool negate(bool x)',
  str_len: 'size_t str_len(const char *s)',
  sum_i32: 'int64_t sum_i32(const int32_t *p, size_t n)',
  sum_bytes: 'uint64_t sum_bytes(const void *p, size_t n)',
  point_norm: 'double point_norm(Point p)',
});`;
const REF = 'const ref = ffikit.reference();';
// The abi fixture (unions, function pointers, variables, bitfields) for the C ABI parity cases.
const ABI = `
const lib = ffikit.load(fx.abi);
ffikit.union('U8', { i: 'int64_t', d: 'double', halves: ffikit.array('uint32_t', 2) });
ffikit.struct('Point2', { x: 'double', y: 'double' });
ffikit.callbackType('int32_t BinOp(int32_t a, int32_t b)');
ffikit.struct('bf01', { a: 'uint32_t:1', b: 'uint32_t:3', c: 'uint32_t:4' });
ffikit.struct('bf02', { a: 'int32_t:4', b: 'int32_t:4' });
const a = lib.bind({
  u8_bits: 'int64_t u8_bits(U8 u)',
  u8_negate: 'void u8_negate(_Inout_ U8 *u)',
  get_op: 'BinOp *get_op(int32_t which)',
  bf01_sum: 'int64_t bf01_sum(bf01 s)',
  bf02_xor1: 'void bf02_xor1(_Inout_ bf02 *s)',
});`;

const LOAD = ['LibraryLoadError', 'ERR_FFIKIT_LIBRARY_LOAD'] as const;
const ARG = ['ArgumentError', 'ERR_FFIKIT_ARG'] as const;
const DECL = ['DeclarationError', 'ERR_FFIKIT_DECLARATION'] as const;
const CLOSED = ['ClosedError', 'ERR_FFIKIT_CLOSED'] as const;

interface BadCase extends SharedBadCase {
  /** For LibraryLoadError: its reason and path. */
  reason?: string;
  path?: string;
}

const real = (p: string): string => fs.realpathSync(p);
const load = (name: string, reason: string, file: string, body: string, words: string[]): BadCase => ({
  name,
  setup: '',
  body,
  error: LOAD,
  reason,
  path: file,
  words: [file, ...words],
});
const INT = 'an integer (int) in [-2147483648, 2147483647]';

const cases: BadCase[] = [
  // Loader: one case per reason (several for the reasons with distinct causes).
  load(
    'not-found: missing absolute path',
    'not-found',
    '/nonexistent/dir/libnothing.so',
    "ffikit.load('/nonexistent/dir/libnothing.so');",
    ['no such file'],
  ),
  load('not-found: unknown bare name', 'not-found', 'libffikit_no_such_lib.so.9', "ffikit.load('libffikit_no_such_lib.so.9');", [
    "'libffikit_no_such_lib.so.9'",
    'where the system loader looks',
    'LD_LIBRARY_PATH',
  ]),
  load('not-found: relative path is reported absolute', 'not-found', path.join(ROOT, 'missing.so'), "ffikit.load('./missing.so');", [
    "'./missing.so' was resolved against",
  ]),
  load('not-a-file: a directory', 'not-a-file', real(fx.dir), 'ffikit.load(fx.dir);', ['directory']),
  load('bad-format: a text file (linker script)', 'bad-format', real(scratch.text), 'ffikit.load(scratch.text);', ['not a shared library']),
  load('bad-format: an object file', 'bad-format', real(fx.object), 'ffikit.load(fx.object);', [
    'object file',
    'not a shared library',
    '-shared',
  ]),
  load('bad-format: an executable', 'bad-format', real(fx.executable), 'ffikit.load(fx.executable);', [
    'executable',
    'not a shared library',
  ]),
  load('wrong-arch: e_machine patched to aarch64', 'wrong-arch', real(scratch.arm64), 'ffikit.load(scratch.arm64);', [
    'built for arm64',
    `process is ${process.arch}`,
  ]),
  load('missing-dependency: needsDep fixture', 'missing-dependency', real(fx.needsDep), 'ffikit.load(fx.needsDep);', [
    'libffikit_fixture_dep.so',
    'LD_LIBRARY_PATH',
  ]),
  load(
    'missing-dependency: needs-dep.c linked with DT_NEEDED kept',
    'missing-dependency',
    real(scratch.needsDep),
    'ffikit.load(scratch.needsDep);',
    ['libffikit_fixture_dep.so', 'LD_LIBRARY_PATH'],
  ),
  load('integrity: sha256 mismatch', 'integrity', real(fx.edge), "ffikit.load(fx.edge, { sha256: '0'.repeat(64) });", [
    edgeSha,
    `expected ${'0'.repeat(64)}`,
  ]),
  load('integrity: malformed sha256', 'integrity', real(fx.edge), "ffikit.load(fx.edge, { sha256: 'xyz' });", [
    '64 hex digits',
    "got 'xyz'",
  ]),
  load('dlopen: undefined symbol', 'dlopen', real(fx.undefinedSymbol), 'ffikit.load(fx.undefinedSymbol);', [
    'undefined symbol',
    'ffikit_fixture_missing_variable',
  ]),

  // Wrong argument kinds.
  { name: 'string for int', body: "m.add('1', 2);", error: ARG, words: ["add(): argument 'a'", INT, 'got string (1 chars)'] },
  { name: 'bigint for int', body: 'm.add(1n, 2);', error: ARG, words: [INT, 'got bigint 1n', 'Pass it as a number'] },
  { name: 'boolean for int', body: 'm.add(true, 2);', error: ARG, words: [INT, 'got boolean true'] },
  { name: 'number for bool', body: 'm.negate(1);', error: ARG, words: ["argument 'x'", 'a boolean (bool)', 'got number 1'] },
  { name: 'number for const char *', body: 'm.str_len(42);', error: ARG, words: ['a string (const char *)', 'got number 42'] },
  { name: "string containing '\\0'", body: "m.str_len('a\\0b');", error: ARG, words: ['without NUL', 'got string (3 chars)', 'index 1'] },

  // Integer ranges.
  { name: 'NaN for int', body: 'm.add(NaN, 1);', error: ARG, words: [INT, 'got NaN'] },
  { name: '1.5 for int', body: 'm.add(1.5, 1);', error: ARG, words: [INT, 'got number 1.5'] },
  { name: '2**31 for int', body: 'm.add(2 ** 31, 1);', error: ARG, words: [INT, 'got number 2147483648'] },
  { name: '-1 for uint32_t', body: 'm.echo_u32(-1);', error: ARG, words: ['(uint32_t) in [0, 4294967295]', 'got number -1'] },
  { name: '256 for uint8_t', body: 'm.echo_u8(256);', error: ARG, words: ['(uint8_t) in [0, 255]', 'got number 256'] },
  { name: '1e300 for int', body: 'm.add(1e300, 1);', error: ARG, words: [INT, 'got number 1e+300'] },
  {
    name: '2**53+2 for int64_t suggests BigInt',
    body: 'm.echo_i64(2 ** 53 + 2);',
    error: ARG,
    words: ['(int64_t)', 'got number 9007199254740994', 'BigInt'],
  },
  {
    name: '2n**64n for uint64_t',
    body: 'm.echo_u64(2n ** 64n);',
    error: ARG,
    words: ['(uint64_t) in [0, 18446744073709551615]', 'got bigint 18446744073709551616n'],
  },
  { name: '-1n for uint64_t', body: 'm.echo_u64(-1n);', error: ARG, words: ['(uint64_t) in [0,', 'got bigint -1n'] },
  { name: '-1n for size_t', body: 'm.echo_size(-1n);', error: ARG, words: ['(size_t) in [0,', 'got bigint -1n'] },

  // Arity, sync and async (async must reject, never throw).
  { name: 'too few arguments', body: 'm.add(1);', error: ARG, words: ['add(): expected 2 arguments (a, b)', 'got 1'] },
  { name: 'too many arguments', body: 'm.add(1, 2, 3);', error: ARG, words: ['add(): expected 2 arguments (a, b)', 'got 3'] },
  {
    name: '.async with too few arguments rejects',
    body: 'return m.add.async(1);',
    async: true,
    error: ARG,
    words: ['expected 2 arguments', 'got 1'],
  },
  {
    name: '.async with too many arguments rejects',
    body: 'return m.add.async(1, 2, 3);',
    async: true,
    error: ARG,
    words: ['expected 2 arguments', 'got 3'],
  },
  {
    name: '.async with a string for int rejects',
    body: "return m.add.async('x', 2);",
    async: true,
    error: ARG,
    words: [INT, 'got string'],
  },

  // Arrays and pointers.
  {
    name: 'Float32Array to double *',
    setup: REF,
    body: 'ref.fn.process_1d(new Float32Array(4), 4);',
    error: ARG,
    words: ["process_1d(): argument 'data'", 'Float64Array (float64)', 'got Float32Array(4)', 'new Float64Array'],
  },
  {
    name: 'Int16Array to int32_t *',
    body: 'm.sum_i32(new Int16Array(4), 4);',
    error: ARG,
    words: ['Int32Array (int32)', 'got Int16Array(4)'],
  },
  {
    name: 'plain array to double *',
    setup: REF,
    body: 'ref.fn.process_1d([1, 2, 3], 3);',
    error: ARG,
    words: ['Float64Array (float64)', 'got Array(3)', 'Float64Array.from'],
  },
  {
    name: 'detached buffer',
    setup: REF,
    body: 'const buf = new ArrayBuffer(32); const data = new Float64Array(buf); structuredClone(buf, { transfer: [buf] }); ref.fn.process_1d(data, 4);',
    error: ARG,
    words: ["argument 'data'", 'Float64Array', 'detached'],
  },
  {
    name: 'resizable ArrayBuffer',
    setup: REF,
    body: 'ref.fn.process_1d(new Float64Array(new ArrayBuffer(32, { maxByteLength: 64 })), 4);',
    error: ARG,
    words: ['Float64Array', 'got Float64Array(4)', 'resizable'],
  },
  {
    name: '.async with a resizable ArrayBuffer rejects',
    setup: REF,
    body: 'return ref.fn.process_1d.async(new Float64Array(new ArrayBuffer(32, { maxByteLength: 64 })), 4);',
    async: true,
    error: ARG,
    words: ['resizable'],
  },
  // A negative bigint is a two's-complement address ((void *)-1 is -1n); only values outside 64 bits are refused.
  {
    name: 'a bigint below -(2**63) for a pointer',
    body: 'm.sum_bytes(-(2n ** 63n) - 1n, 0);',
    error: ARG,
    words: ['(void *)', '[-(2**63), 2**64)', 'got bigint -9223372036854775809n'],
  },
  { name: 'number for a struct parameter', body: 'm.point_norm(5);', error: ARG, words: ['struct Point', 'got number 5'] },

  // Closed library.
  { name: 'call after lib.close()', body: 'lib.close(); m.add(1, 2);', error: CLOSED, words: ['add()', 'closed', 'ffikit.load'] },
  {
    name: '.async after lib.close() rejects',
    body: 'lib.close(); return m.add.async(1, 2);',
    async: true,
    error: CLOSED,
    words: ['add.async()', 'closed'],
  },

  // Declarations.
  {
    name: 'unparsable prototype',
    body: "lib.bind({ bad: 'int add(int a,' });",
    error: DECL,
    words: ["'bad'", 'cannot parse', "'int add(int a,'"],
  },
  {
    name: 'unknown type name',
    body: "lib.bind({ f: 'int add(Foo a, int b)' });",
    error: DECL,
    words: ["'f'", "unknown type 'Foo'", 'ffikit.struct()'],
  },
  {
    name: 'missing symbol',
    body: "lib.bind({ f: 'int no_such_function(int a)' });",
    error: DECL,
    words: ["does not export 'no_such_function'", fx.edge],
  },
  {
    name: "errcheck 'nonzero-status' on a double return",
    body: "lib.bind({ f: { fn: 'double echo_f64(double x)', errcheck: 'nonzero-status' } });",
    error: DECL,
    words: ["'nonzero-status'", 'integer return type', "got 'double'"],
  },
  {
    name: "errcheck 'null-is-failure' on an int return",
    body: "lib.bind({ f: { fn: 'int add(int a, int b)', errcheck: 'null-is-failure' } });",
    error: DECL,
    words: ["'null-is-failure'", 'pointer', "got 'int'"],
  },
  {
    name: 'errcheck errorCodes table on a pointer return',
    body: "lib.bind({ f: { fn: 'void *non_null(void)', errcheck: ffikit.errorCodes({ OK: 0 }) } });",
    error: DECL,
    words: ['errorCodes table', 'integer return type', "got 'void *'"],
  },
  {
    name: 'errcheck with an unknown policy name',
    body: "lib.bind({ f: { fn: 'int add(int a, int b)', errcheck: 'always' } });",
    error: DECL,
    words: ["'nonzero-status'", "got 'always'"],
  },
  // C ABI parity: unions, function pointers, exported variables, bitfields (the abi fixture).
  {
    name: 'union argument with no member set',
    setup: ABI,
    body: 'a.u8_bits({});',
    error: ARG,
    words: ["u8_bits(): argument 'u'", 'exactly one member of union U8', 'got object', 'No member is set'],
  },
  {
    name: 'union argument with two members set',
    setup: ABI,
    body: 'a.u8_bits({ i: 1n, d: 2 });',
    error: ARG,
    words: ["argument 'u'", 'exactly one member of union U8', '2 members are set (i, d)'],
  },
  {
    name: 'union _Inout_ pointer with a member that is not in the union',
    setup: ABI,
    body: 'a.u8_negate({ x: 1 });',
    error: ARG,
    words: ["u8_negate(): argument 'u'", "'x' is not a member of U8"],
  },
  {
    name: 'bindPointer(0n): a NULL function pointer',
    setup: ABI,
    body: "ffikit.bindPointer(0n, 'int32_t add(int32_t a, int32_t b)');",
    error: ARG,
    words: ["bindPointer(): argument 'address'", 'non-NULL function pointer', 'got bigint 0n', 'NULL function pointer'],
  },
  {
    name: 'bindPointer with a number instead of an address',
    setup: ABI,
    body: "ffikit.bindPointer(12345, 'int32_t add(int32_t a, int32_t b)');",
    error: ARG,
    words: ["argument 'address'", 'bigint address', 'got number'],
  },
  {
    name: 'function pointer bound, called with a wrong argument',
    setup: ABI,
    body: "ffikit.bindPointer(a.get_op(0), 'int32_t add(int32_t a, int32_t b)')('2', 3);",
    error: ARG,
    words: ["add(): argument 'a'", 'int32_t', 'got string'],
  },
  {
    name: 'variable set with a value of the wrong type',
    setup: ABI,
    body: "lib.variable('abi_int', 'int32_t').set('seven');",
    error: ARG,
    words: ["abi_int.set(): argument 'value'", 'int32_t', 'got string'],
  },
  {
    name: 'struct variable set without a member',
    setup: ABI,
    body: "lib.variable('abi_point', 'Point2').set({ x: 1 });",
    error: ARG,
    words: ["abi_point.set(): argument 'value'", 'struct Point2', "Member 'y' is missing"],
  },
  {
    name: 'variable the library does not export, with a near name',
    setup: ABI,
    body: "lib.variable('abi_integer', 'int32_t');",
    error: DECL,
    words: ["variable(): 'abi_integer'", "does not export a variable 'abi_integer'", "Did you mean 'abi_int'"],
  },
  {
    name: 'bitfield value out of range (unsigned)',
    setup: ABI,
    body: 'a.bf01_sum({ a: 2, b: 0, c: 0 });',
    error: ARG,
    words: ["bf01_sum(): argument 's.a'", 'an integer in [0, 1] (unsigned 1-bit field)', 'got number 2'],
  },
  {
    name: 'bitfield value out of range (signed, through an _Inout_ pointer)',
    setup: ABI,
    body: 'a.bf02_xor1({ a: -9, b: 0 });',
    error: ARG,
    words: ["argument 's.a'", 'an integer in [-8, 7] (signed 4-bit field)', 'got number -9'],
  },
  {
    name: 'bitfield wider than its type',
    setup: ABI,
    body: "ffikit.struct('TooWide', { a: 'uint8_t:9' });",
    error: DECL,
    words: ["bitfield 'a'", 'a width from 0 to 8 bits', "got '9'"],
  },
  {
    name: 'long double parameter',
    setup: ABI,
    body: "lib.bind({ f: 'long double powl(long double x, long double y)' });",
    error: DECL,
    words: ["'long double' cannot cross the FFI layer", 'C shim that takes or returns double'],
  },
];

const run = childPool(2);
const env = { FFIKIT_TEST_SCRATCH: JSON.stringify(scratch) };

describe('bad input: each case in its own process', () => {
  it('has at least 30 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  it.concurrent.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const report = await expectBadCase(run, c, EDGE, env);
    if (c.reason !== undefined) {
      expect(report.reason).toBe(c.reason);
      expect(report.path).toBe(c.path);
      expect(report.message).toContain('Possible solutions');
    }
  });

  it.concurrent('a relative path that exists loads, and lib.path is absolute', async () => {
    const rel = `./${path.relative(ROOT, fx.edge)}`;
    const res = await run(probeSnippet('', `return ffikit.load(${JSON.stringify(rel)}).path;`, false), { env });
    const report = parseProbe(res);
    expect({ status: res.status, signal: res.signal }).toEqual({ status: 0, signal: null });
    expect(report).toEqual({ noError: true, sync: true, value: fs.realpathSync(fx.edge) });
  });
});
