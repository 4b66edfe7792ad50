// struct / opaque / pointer / array / alias / callbackType / sizeof / alignof / decode.
import * as ffikit from '../../ts/index';
import { fixturePaths } from '../fixtures/build';

describe('type declarations', () => {
  it('lays out structs as C does, packed on request', () => {
    const S = ffikit.struct('Mixed', { a: 'char', b: 'double', c: 'int' });
    expect([S.size, S.alignment, S.kind, S.members]).toEqual([24, 8, 'struct', ['a', 'b', 'c']]);
    const P = ffikit.struct('MixedPacked', { a: 'char', b: 'double', c: 'int' }, { packed: true });
    expect(P.size).toBe(13);
    expect(ffikit.sizeof('Mixed')).toBe(24);
    expect(ffikit.alignof(S)).toBe(8);
  });

  it('returns the existing type for an identical re-declaration and refuses a conflicting one', () => {
    const a = ffikit.struct('Twice', { x: 'int' });
    expect(ffikit.struct('Twice', { x: 'int' })).toBe(a);
    expect(() => ffikit.struct('Twice', { x: 'double' })).toThrow("type name 'Twice' is already declared");
    const cb = ffikit.callbackType('void Tick(int n)');
    expect(ffikit.callbackType('void Tick(int n)')).toBe(cb);
    expect(() => ffikit.callbackType('int Tick(int n)')).toThrow(ffikit.DeclarationError);
    expect(() => ffikit.alias('int', 'double')).toThrow('already declared');
  });

  it('refuses bad names, unknown member types and empty structs', () => {
    expect(() => ffikit.struct('bad name', { x: 'int' })).toThrow(ffikit.ArgumentError);
    expect(() => ffikit.struct('Unknown', { x: 'Nope' })).toThrow("unknown type 'Nope'");
    expect(() => ffikit.struct('Empty', {})).toThrow('at least one member');
    expect(() => ffikit.array('double', 0)).toThrow(ffikit.ArgumentError);
  });

  it('aliases primitives and checks them like the primitive', () => {
    ffikit.alias('status_t', 'int32_t');
    const lib = ffikit.load(fixturePaths().edge);
    const { status_of } = lib.bind({ status_of: 'status_t status_of(status_t code)' });
    expect(status_of(-3)).toBe(-3);
    expect(() => status_of(1.5)).toThrow(ffikit.ArgumentError);
    lib.close();
  });

  it('supports fixed arrays in structs and named pointer typedefs', () => {
    const Name = ffikit.struct('Named', { id: 'int', tag: ffikit.array('char', 8), v: ffikit.array('float', 2) });
    expect(Name.size).toBe(20);
    ffikit.opaque('Thing');
    const handle = ffikit.pointer('ThingHandle', 'Thing');
    expect([handle.kind, handle.size]).toEqual(['pointer', 8]);
    expect(ffikit.pointer('double').size).toBe(8);
  });
});

describe('decode', () => {
  it('reads numbers, arrays, strings and structs from native memory', () => {
    const ref = ffikit.reference();
    const ptr = ref.fn.create_array(4);
    try {
      expect(ffikit.decode(ptr, 'double')).toBe(0);
      expect(Array.from(ffikit.decode(ptr, 'double', 4) as Float64Array)).toEqual([0, 0, 0, 0]);
      ffikit.struct('Pair', { a: 'double', b: 'double' });
      expect(ffikit.decode(ptr, 'Pair')).toEqual({ a: 0, b: 0 });
      expect(ffikit.decode(ptr, 'Pair', 2)).toEqual([
        { a: 0, b: 0 },
        { a: 0, b: 0 },
      ]);
    } finally {
      ref.fn.free_array(ptr);
      ref.close();
    }
    const lib = ffikit.load(fixturePaths().edge);
    const { greeting } = lib.bind({ greeting: 'void *greeting(int which)' });
    const s = greeting(1) as bigint;
    expect(ffikit.decode(s, 'char', -1)).toBe('hello');
    expect(ffikit.decode(s, 'char', 3)).toBe('hel');
    lib.close();
  });

  it('refuses null pointers and bad lengths instead of crashing', () => {
    expect(() => ffikit.decode(0n, 'int')).toThrow(ffikit.ArgumentError);
    expect(() => ffikit.decode(null as never, 'int')).toThrow('non-null pointer');
    expect(() => ffikit.decode(1n, 'int', 1.5)).toThrow(ffikit.ArgumentError);
    expect(() => ffikit.decode(1n, 'int', -1)).toThrow("-1 only with 'char'");
    expect(() => ffikit.decode(1n, 'NoSuchType')).toThrow(ffikit.DeclarationError);
  });
});
