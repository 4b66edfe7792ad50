// ffikit gen on glibc's <string.h> and <stdlib.h>: the nonnull / returns_nonnull attributes become _Nonnull.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { generate, writeAtomically, type GenResult } from '../../ts/gen/index';
import { ROOT, runChild } from '../helpers/child';

const OUT = path.join(ROOT, 'build', 'gen-test', 'glibc');
let str: GenResult;
let std: GenResult;

beforeAll(async () => {
  fs.mkdirSync(OUT, { recursive: true });
  str = await generate('/usr/include/string.h', { lib: 'libc.so.6', format: 'js' });
  std = await generate('/usr/include/stdlib.h', { lib: 'libc.so.6' });
  writeAtomically([[path.join(OUT, 'string.js'), str.source]]);
}, 60000);

const entry = (r: GenResult, fn: string): string | undefined =>
  r.source
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.startsWith(`${fn}: `));

it('string.h: parameters glibc marks __nonnull get _Nonnull, the others do not', () => {
  expect(entry(str, 'strlen')).toBe("strlen: 'size_t strlen(_Nonnull const char *__s)',");
  expect(entry(str, 'strcpy')).toBe("strcpy: 'char *strcpy(_Nonnull char *__dest, _Nonnull const char *__src)',");
  expect(entry(str, 'memcpy')).toBe("memcpy: 'void *memcpy(_Nonnull void *__dest, _Nonnull const void *__src, size_t __n)',");
  expect(entry(str, 'strerror')).toBe("strerror: 'char *strerror(int __errnum)',");
});

it('stdlib.h: getenv, strtol (first parameter only), qsort; free and realpath stay nullable', () => {
  expect(entry(std, 'getenv')).toBe("getenv: 'char *getenv(_Nonnull const char *__name)',");
  expect(entry(std, 'strtol')).toBe("strtol: 'long strtol(_Nonnull const char *__nptr, char **__endptr, int __base)',");
  expect(entry(std, 'qsort')).toBe(
    "qsort: 'void qsort(_Nonnull void *__base, size_t __nmemb, size_t __size, _Nonnull __compar_fn_t __compar)',",
  );
  expect(entry(std, 'free')).toBe("free: 'void free(void *__ptr)',");
  expect(entry(std, 'realpath')).toBe("realpath: 'char *realpath(const char *__name, char *__resolved)',");
});

it("glibc's __returns_nonnull and __nonnull macros, as a header using them writes them", async () => {
  // string.h and stdlib.h mark no result returns_nonnull: a header of our own uses glibc's macro.
  expect(`${str.source}${std.source}`).not.toMatch(/: '_Nonnull /);
  const header = path.join(OUT, 'own.h');
  fs.writeFileSync(
    header,
    '#include <string.h>\nextern char *own_dup(const char *s, size_t n) __THROW __returns_nonnull __nonnull ((1)) __wur;\n',
  );
  const own = await generate(header);
  expect(own.source).toContain("own_dup: '_Nonnull char *own_dup(_Nonnull const char *s, size_t n)',");
});

it('the generated strlen refuses null with the _Nonnull ArgumentError', () => {
  const r = runChild(`
    const f = require('./build/gen-test/glibc/string.js').load();
    console.log(f.strlen('hello'));
    try { f.strlen(null); } catch (e) { console.log(e.name, e.code, e.message); }`);
  expect(r.stderr).toBe('');
  const [length, error] = r.stdout.trim().split('\n');
  expect(length).toBe('5');
  expect(error).toMatch(/^ArgumentError ERR_FFIKIT_ARG strlen\(\): .*must not be null \(declared _Nonnull\)/);
});
