// ffikit gen on a fixture header covering each shape it maps: constants, renames, nonnull, packing, handles, skips.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { GenError } from '../../ts/gen/errors';
import { generate, verifyLayouts, writeAtomically, type GenResult } from '../../ts/gen/index';
import { scanComments } from '../../ts/gen/comments';
import { ROOT, runChild } from '../helpers/child';

const FIXTURES = path.join(__dirname, 'fixtures');
const HEADER = path.join(FIXTURES, 'shapes.h');
const OUT = path.join(ROOT, 'build', 'gen-test', 'shapes');
const LIB = path.join(OUT, 'libshapes.so');

let ts: GenResult;

beforeAll(async () => {
  fs.mkdirSync(OUT, { recursive: true });
  const cc = spawnSync(
    'cc',
    ['-shared', '-fPIC', '-Wall', '-Wextra', '-Werror', '-o', LIB, path.join(FIXTURES, 'shapes.c'), `-I${FIXTURES}`],
    {
      encoding: 'utf8',
    },
  );
  if (cc.status !== 0) throw new Error(cc.stderr);
  ts = await generate(HEADER, { lib: LIB });
  const js = await generate(HEADER, { lib: LIB, format: 'js' });
  writeAtomically([
    [path.join(OUT, 'shapes.ts'), ts.source],
    [path.join(OUT, 'shapes.js'), js.source],
    [path.join(OUT, 'shapes.d.ts'), js.declarations ?? ''],
  ]);
}, 60000);

describe('what is emitted', () => {
  it('integer, float, string and 64-bit #define constants, expressions of other constants and enum members', () => {
    for (const line of [
      "export const SHAPES_VERSION = '1.2';",
      'export const SHAPES_TWICE = 32;',
      'export const SHAPES_MASK = 2147483648;',
      'export const SHAPES_BIG = 18446744073709551615n;',
      'export const SHAPES_HALF = 1.625;',
      'export const SHAPES_NEG = -16;',
      'export const SHAPES_FROM_ENUM = 11;',
      'export const SHAPE_TRIANGLE = 2;',
    ]) {
      expect(ts.source).toContain(line);
    }
  });

  it('maps nonnull and returns_nonnull to _Nonnull, binds variadics and rename macros', () => {
    expect(ts.source).toContain("shapes_area: 'double shapes_area(_Nonnull const Shape *s)'");
    expect(ts.source).toContain("shapes_name_length: 'size_t shapes_name_length(_Nonnull const char *name)'");
    expect(ts.source).toContain("shapes_canvas_new: '_Nonnull canvas *shapes_canvas_new(int width)'");
    expect(ts.source).toContain("shapes_format: 'int shapes_format(char *buf, size_t n, const char *fmt, ...)'");
    expect(ts.source).toContain("shapes_plus: 'int shapes_add(int a, int b)'");
    expect(ts.source).toContain("shapes_sum: 'int shapes_add(int a, int b)'");
  });

  it('declares structs (nested, anonymous members, arrays, packed), enums (flags), typedefs and callback types', () => {
    expect(ts.source).toContain(
      "ffikit.struct('Shape', { kind: 'ShapeKind', origin: 'Point', size: 'shape_s_size', name: ffikit.array('char', 12), id: ffikit.array('unsigned char', 8), next: 'void *' })",
    );
    expect(ts.source).toContain(
      "ffikit.struct('PackedRecord', { tag: 'uint8_t', value: 'uint32_t', extra: 'uint16_t' }, { packed: true })",
    );
    expect(ts.source).toContain("ffikit.struct('AttrPacked', { a: 'uint8_t', b: 'uint64_t' }, { packed: true })");
    expect(ts.source).toContain(
      "ffikit.enumeration('shape_flags', { SHAPE_FILLED: 1, SHAPE_DASHED: 2, SHAPE_HIDDEN: 4 }, { flags: true })",
    );
    expect(ts.source).toContain("ffikit.alias('shape_id', ffikit.array('unsigned char', 8))");
    expect(ts.source).toContain("ffikit.callbackType('int shape_visitor(const Shape *shape, void *user)')");
    expect(ts.source).toContain("export const canvas = ffikit.opaque('canvas');");
  });

  it('carries header comments over as TSDoc', () => {
    expect(ts.source).toMatch(/\/\*\*\n {5}\* Creates a canvas; never returns NULL\.\n {5}\*\/\n {4}shapes_canvas_new:/);
  });

  it('declares unions (by value, as struct members, anonymous) and bitfield members as type:width', () => {
    expect(ts.source).toContain("export const Value = ffikit.union('Value', { i: 'int', d: 'double' });");
    expect(ts.source).toContain("ffikit.union('Tagged_1', { f: 'float', u: 'uint32_t' })");
    expect(ts.source).toContain("ffikit.union('shape_raw', { bytes: ffikit.array('uint8_t', 4), word: 'int32_t' })");
    expect(ts.source).toContain("ffikit.struct('Tagged', { kind: 'int', value: 'Value', __anonymous1: 'Tagged_1', raw: 'shape_raw' })");
    // An enum-typed field is stored as GCC stores it: unsigned int when no member is negative.
    expect(ts.source).toContain(
      "ffikit.struct('Bits', { flag: 'unsigned int:1', rest: 'unsigned int:7', level: 'int:4', __anonymous1: 'unsigned int:0', kind: 'unsigned int:2', on: '_Bool:1', tail: 'uint8_t', wide: 'uint64_t:40' })",
    );
    expect(ts.source).toContain("shapes_value_of: 'Value shapes_value_of(double d)'");
    expect(ts.source).toContain("shapes_bits_make: 'Bits shapes_bits_make(int level)'");
  });

  it('reports the records ffikit cannot lay out as skipped with the reason, declared opaque', () => {
    const reasons = Object.fromEntries(ts.report.skipped.map((s) => [s.name, s.reason]));
    expect(reasons.BitUnion).toBe(
      "bitfield member 'a': ffikit.union has no bitfield members; declared opaque (usable through pointers only)",
    );
    expect(reasons.UnnamedBits).toBe(
      'an unnamed 5-bit bitfield: ffikit has no unnamed padding bits; declared opaque (usable through pointers only)',
    );
    expect(ts.source).toContain("export const BitUnion = ffikit.opaque('BitUnion');");
    expect(reasons.SHAPES_CALL).toBe('function-like macro that does more than rename a function');
    expect(ts.report.skipped.map((s) => s.name).sort()).toEqual(['BitUnion', 'SHAPES_CALL', 'UnnamedBits']);
    expect(ts.source).toContain(`// Skipped declarations (${ts.report.skipped.length}):`);
    expect(ts.report.functions).toEqual({ declared: 16, exported: 16, bound: 16 });
  });

  it('lays out structs, unions and bitfields as the C compiler does, packed ones included', () => {
    expect(ts.structs.map((s) => s.name)).toEqual(expect.arrayContaining(['Value', 'shape_raw', 'Tagged', 'Bits']));
    const v = verifyLayouts(HEADER, ts.typeCode, ts.structs);
    expect(v).toEqual({ structs: ts.structs.length, fields: 17, bitfields: 6 });
  });

  it('--verify names a bitfield whose bits ffikit places differently from the C compiler', () => {
    const header = path.join(OUT, 'swapped.h');
    fs.writeFileSync(header, 'typedef struct { unsigned a : 3; unsigned b : 5; } SwappedBits;\n');
    const code = ["ffikit.struct('SwappedBits', { a: 'unsigned int:5', b: 'unsigned int:3' })"];
    const e = (() => {
      try {
        return verifyLayouts(header, code, [{ name: 'SwappedBits', cName: 'SwappedBits', fields: [], bitfields: ['a', 'b'] }]);
      } catch (x) {
        return x;
      }
    })();
    expect(e).toBeInstanceOf(GenError);
    expect((e as GenError).message).toBe(
      'ffikit gen --verify: SwappedBits.a: expected bitfield at bit 0, 3 bits wide (the C compiler), got bit 0, 5 bits wide (ffikit). Report the header; pass -D options matching how the library was built.',
    );
  });

  it('suggests disposes for new/free pairs without applying it', () => {
    expect(ts.report.suggestions).toEqual([
      expect.stringMatching(/^shapes_canvas_free: disposes its handle parameter \(pairs with shapes_canvas_new\)/),
    ]);
    expect(ts.source).not.toContain('disposes');
  });

  it('parses the header without a preprocessor (--no-cpp) and still binds what macros do not hide', async () => {
    const raw = await generate(HEADER, { lib: LIB, compiler: false });
    expect(raw.report.preprocessor).toBeNull();
    expect(raw.report.functions.bound).toBe(16);
    expect(raw.source).toContain("shapes_area: 'double shapes_area(_Nonnull const Shape *s)'");
  });
});

describe('the generated module at run time', () => {
  it('calls through structs, handles, callbacks, variadics and renames; _Nonnull refuses null', () => {
    const r = runChild(`
      const s = require('./build/gen-test/shapes/shapes.js'); const f = s.load();
      const ffikit = require('ffikit');
      const sq = { kind: s.SHAPE_SQUARE, origin: { x: 0, y: 0 }, size: { w: 3, h: 4 }, name: 'sq', id: new Uint8Array(8), next: null };
      const c = f.shapes_canvas_new(640);
      const out = [];
      out.push(f.shapes_add(2, 3), f.shapes_plus(2, 3), f.shapes_sum(4, 5), f.shapes_area(sq));
      out.push(f.shapes_canvas_width(c), ffikit.isHandle(c) && c.type);
      try { f.shapes_area(null); } catch (e) { out.push(e.code); }
      try { f.shapes_count_kind(sq, 1, 7); } catch (e) { out.push(e.code); }
      out.push(f.shapes_count_kind(sq, 1, 'SHAPE_SQUARE'));
      out.push(f.shapes_packed_sum({ tag: 1, value: 2, extra: 3 }));
      out.push(f.shapes_visit(sq, 1, (shape, user) => 7, null));
      const buf = Buffer.alloc(32); f.shapes_format.variadic('int', 'double')(buf, 32, '%d/%.1f', 4, 2.5);
      out.push(buf.toString('utf8', 0, buf.indexOf(0)));
      f.shapes_canvas_free(c);
      console.log(JSON.stringify(out));`);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual([5, 5, 9, 12, 640, 'canvas', 'ERR_FFIKIT_ARG', 'ERR_FFIKIT_ARG', 1, 6, 7, '4/2.5']);
  });

  it('passes unions and bitfield structs in and out by value and by pointer', () => {
    const r = runChild(`
      const f = require('./build/gen-test/shapes/shapes.js').load();
      const out = [];
      out.push(f.shapes_value({ i: 42 }), f.shapes_value_of(2.5).d);
      const t = f.shapes_tagged_make(1, 0.5);
      out.push(t.kind, t.value.d, t.__anonymous1.f, t.raw.word, Array.from(t.raw.bytes));
      out.push(f.shapes_tagged_sum({ kind: 0, value: { i: 3 }, __anonymous1: { f: 0.25 }, raw: { bytes: new Uint8Array([1, 0, 0, 4]) } }));
      // A union read back has every member; going in, C reads the one set.
      out.push(f.shapes_tagged_sum({ ...t, value: { d: t.value.d }, __anonymous1: { f: t.__anonymous1.f }, raw: { word: t.raw.word } }));
      const b = f.shapes_bits_make(-3);
      out.push(b, f.shapes_bits_sum(b));
      out.push(f.shapes_bits_sum({ flag: 0, rest: 127, level: 7, kind: 3, on: false, tail: 1, wide: 2n ** 40n - 1n }));
      try { f.shapes_bits_sum({ ...b, level: 8 }); } catch (e) { out.push(e.code, e.message); }
      console.log(JSON.stringify(out, (k, v) => (typeof v === 'bigint' ? String(v) : v)));`);
    expect(r.stderr).toBe('');
    const [i, d, kind, vd, f, word, bytes, sum1, sum2, bits, bitsSum, maxSum, code, message] = JSON.parse(r.stdout) as unknown[];
    expect([i, d, kind, vd, f, word, bytes]).toEqual([42, 2.5, 1, 0.5, 1, 0x04000002, [2, 0, 0, 4]]);
    expect([sum1, sum2]).toEqual([3 + 0.25 + 1 + 4, 0.5 + 1 + 2 + 4]);
    // The zero-width field is not a member; a 40-bit field comes back as a number.
    expect(bits).toEqual({ flag: 1, rest: 100, level: -3, kind: 2, on: true, tail: 200, wide: 0xabcdef1234 });
    expect(bitsSum).toBe(1 + 100 - 3 + 2 + 1 + 200 + 0xabcdef1234);
    expect(maxSum).toBe(127 + 7 + 3 + 1 + 2 ** 40 - 1);
    expect(code).toBe('ERR_FFIKIT_ARG');
    expect(message).toContain("'b.level'");
  });

  it('applies an annotations file: _Out_, disposes, errcheck', async () => {
    const file = path.join(OUT, 'annotations.json');
    fs.writeFileSync(file, JSON.stringify({ shapes_canvas_free: { disposes: 'c' }, shapes_add: { errcheck: 'negative-errno' } }));
    const annotated = await generate(HEADER, { lib: LIB, annotate: file, format: 'js' });
    expect(annotated.source).toContain("shapes_canvas_free: { fn: 'void shapes_canvas_free(canvas *c)', disposes: 'c' },");
    writeAtomically([[path.join(OUT, 'annotated.js'), annotated.source]]);
    const r = runChild(`
      const f = require('./build/gen-test/shapes/annotated.js').load();
      const c = f.shapes_canvas_new(1); f.shapes_canvas_free(c);
      try { f.shapes_canvas_width(c); } catch (e) { console.log(c.disposed, e.code); }`);
    expect(r.stdout.trim()).toBe('true ERR_FFIKIT_DISPOSED');
  });

  it('refuses annotations naming an unknown function or parameter', async () => {
    const file = path.join(OUT, 'bad.json');
    fs.writeFileSync(file, JSON.stringify({ shapes_nope: { disposes: 'c' } }));
    await expect(generate(HEADER, { annotate: file })).rejects.toThrow("annotations for bound functions only, got 'shapes_nope'");
    fs.writeFileSync(file, JSON.stringify({ shapes_canvas_free: { out: ['x'] } }));
    await expect(generate(HEADER, { annotate: file })).rejects.toThrow(/expected a parameter of shapes_canvas_free\(\) \(c\), got 'x'/);
  });
});

describe('errors', () => {
  it('a missing header, an unknown -I directory, a header the preprocessor rejects', async () => {
    await expect(generate(path.join(FIXTURES, 'nope.h'))).rejects.toMatchObject({ code: 'ERR_FFIKIT_GEN', step: 'header' });
    await expect(generate(HEADER, { includeDirs: [path.join(FIXTURES, 'no-dir')] })).rejects.toMatchObject({ step: 'include-path' });
    const broken = path.join(OUT, 'broken.h');
    fs.writeFileSync(broken, '#include "does-not-exist.h"\nint f(void);\n');
    const e = await generate(broken).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(GenError);
    expect((e as GenError).message).toMatch(/expected a header the C preprocessor accepts, got .*does-not-exist\.h/);
  });

  it('an output path that cannot be written leaves nothing behind', () => {
    const target = path.join(OUT, 'missing-dir', 'x.ts');
    expect(() =>
      writeAtomically([
        [path.join(OUT, 'first.ts'), 'a'],
        [target, 'b'],
      ]),
    ).toThrow(/expected a writable output path/);
    expect(fs.readdirSync(OUT).filter((f) => f.startsWith('.first.ts') || f === 'first.ts')).toEqual([]);
  });
});

it('scanComments skips comment markers inside strings and character literals', () => {
  const found = scanComments('char *s = "/* not */"; char c = \'/\';\n/** doc */\nint x; // tail\n');
  expect(found.map((c) => [c.startLine, c.text, c.startsLine])).toEqual([
    [2, '/** doc */', true],
    [3, '// tail', false],
  ]);
});
