// The C prototype parser: spellings, names, pointers, directions and precise parse errors.
import { DeclarationError } from '../../ts/core/errors';
import { parsePrototype } from '../../ts/declare/prototype';

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
    ['int printf(...)', "'...' must follow at least one parameter"],
    ['int f(int a, ..., int b)', "'...' can only end the parameter list"],
    ['int f(long short x)', "unknown type 'long short'"],
    ['int f(int $x)', "unexpected character '$'"],
  ])('refuses %s with a precise DeclarationError', (text, fragment) => {
    expect(() => parsePrototype(text)).toThrow(DeclarationError);
    expect(() => parsePrototype(text)).toThrow(fragment);
  });

  it('parses a variadic prototype: the fixed parameters, and variadic: true', () => {
    const p = parsePrototype('int snprintf(char *buf, size_t n, const char *fmt, ...)');
    expect(p.variadic).toBe(true);
    expect(p.params.map((x) => x.name)).toEqual(['buf', 'n', 'fmt']);
    expect(parsePrototype('int add(int a, int b)').variadic).toBe(false);
  });

  it('reads _Nonnull and _Nullable before the type or after the star', () => {
    const p = parsePrototype('size_t f(_Nonnull const char *a, const char *_Nonnull b, const char *_Nullable c, _Out_ _Nonnull int *d)');
    expect(p.params.map((x) => [x.name, x.type.nonnull])).toEqual([
      ['a', true],
      ['b', true],
      ['c', false],
      ['d', true],
    ]);
    expect(p.params[3]?.type.direction).toBe('out');
    expect(parsePrototype('_Nonnull char *f(void)').result.nonnull).toBe(true);
    expect(parsePrototype('char *_Nonnull f(void)').result.nonnull).toBe(true);
  });

  it('refuses non-strings', () => {
    expect(() => parsePrototype(42 as never)).toThrow('expected a C prototype string');
  });
});
