// The C prototype parser: spellings, names, pointers, directions and precise parse errors.
import { DeclarationError } from '../ts/core/errors';
import { parsePrototype } from '../ts/declare/prototype';

describe('parsePrototype', () => {
  it('parses names, result and parameters', () => {
    const p = parsePrototype('int add(int a, int b)');
    expect(p.name).toBe('add');
    expect(p.result.base).toBe('int32_t');
    expect(p.params.map((x) => [x.name, x.type.base, x.type.pointer])).toEqual([
      ['a', 'int32_t', 0],
      ['b', 'int32_t', 0],
    ]);
  });

  it.each([
    ['unsigned long long x', 'uint64_t'],
    ['signed char x', 'int8_t'],
    ['unsigned x', 'uint32_t'],
    ['short int x', 'int16_t'],
    ['size_t n', 'uint64_t'],
    ['ssize_t n', 'int64_t'],
    ['_Bool b', 'bool'],
    ['float32 f', 'float'],
  ])('normalizes %s', (param, base) => {
    expect(parsePrototype(`void f(${param})`).params[0]?.type.base).toBe(base);
  });

  it('handles pointers, const, arrays, directions, missing names and (void)', () => {
    const p = parsePrototype(
      'const char* name ( const double * const data , _Out_ int *out, float v[], unsigned long, struct Point *pt ) ;',
    );
    expect(p.result).toMatchObject({ base: 'char', pointer: 1, constBase: true });
    expect(p.params.map((x) => [x.name, x.type.text, x.type.direction])).toEqual([
      ['data', 'const double *', 'in'],
      ['out', 'int *', 'out'],
      ['v', 'float *', 'in'],
      ['arg3', 'unsigned long', 'in'],
      ['pt', 'Point *', 'in'],
    ]);
    expect(parsePrototype('void f(void)').params).toEqual([]);
    expect(parsePrototype('void f()').params).toEqual([]);
  });

  it.each([
    ['int add(int a, int b', "expected 'returnType name(parameters)'"],
    ['add(int a)', 'expected a return type and a function name'],
    ['int f(int a, )', 'empty parameter 2'],
    ['int f(int a, int a)', "'a' is used twice"],
    ['int f(void x)', 'cannot have type void'],
    ['int f(_Out_ int x)', 'not a pointer'],
    ['int f(void (*cb)(int))', 'callbackType'],
    ['int printf(const char *fmt, ...)', 'variadic'],
    ['int f(long short x)', "unknown type 'long short'"],
    ['int f(int $x)', "unexpected character '$'"],
  ])('refuses %s with a precise DeclarationError', (text, fragment) => {
    expect(() => parsePrototype(text)).toThrow(DeclarationError);
    expect(() => parsePrototype(text)).toThrow(fragment);
  });

  it('refuses non-strings', () => {
    expect(() => parsePrototype(42 as never)).toThrow('expected a C prototype string');
  });
});
