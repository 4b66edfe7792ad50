// load()'s deepBind option: a library whose exported functions the process already defines (Node's
// bundled OpenSSL against the system's libcrypto.so.3) keeps its calls inside itself.
// Each case preloads a library into a child process, so that its global scope defines the clashing
// function, and loads the fixture there (a library can be opened only once per process).
import * as ffikit from '../../ts/index';
import { runChild } from '../helpers/child';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const fx = require('../fixtures/build').fixturePaths() as Record<
  'clash' | 'clashPreload' | 'clashPreloadSanitizer' | 'clashPreloadInterceptor' | 'edge',
  string
>;

// Under test:asan the children inherit the ASan runtime, which refuses RTLD_DEEPBIND: ffikit then
// cannot separate the two definitions and says so instead.
const sanitized = /lib[a-z]*san\.so/.test(process.env.LD_PRELOAD ?? '');

interface Outcome {
  value: number;
  warnings: Array<{ name: string; code: string; message: string }>;
}

/** Loads the clash fixture in a child with `preload` preloaded; returns what ffikit_clash_call() gave and the warnings. */
function inChild(preload: string | undefined, options: string): Outcome {
  const code = `
    const ffikit = require('./ts/index');
    const warnings = [];
    process.on('warning', (w) => warnings.push({ name: w.name, code: w.code, message: w.message }));
    const lib = ffikit.load(${JSON.stringify(fx.clash)}, ${options});
    const { call } = lib.bind({ call: 'int ffikit_clash_call(void)' });
    const value = call();
    setImmediate(() => console.log(JSON.stringify({ value, warnings })));`;
  const preloads = [process.env.LD_PRELOAD, preload].filter((p) => p !== undefined && p !== '').join(':');
  const r = runChild(code, { env: { LD_PRELOAD: preloads } });
  if (r.status !== 0) throw new Error(`child failed (${r.status ?? r.signal}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as Outcome;
}

const report = process.report.getReport() as { header?: { glibcVersionRuntime?: string } };
const linuxGlibc = process.platform === 'linux' && report.header?.glibcVersionRuntime !== undefined;
const describeLinux = linuxGlibc ? describe : describe.skip;

describeLinux('deepBind: a library whose functions the process already defines', () => {
  it("'auto' (the default) keeps the library's calls inside it", () => {
    const r = inChild(fx.clashPreload, '{}');
    if (sanitized) {
      expect(r.value).toBe(1);
      expect(r.warnings.map((w) => w.code)).toEqual(['FFIKIT_SYMBOL_CLASH']);
    } else {
      expect(r).toEqual({ value: 2, warnings: [] });
    }
  });

  it('false opens it the usual way: the process interposes its own copy', () => {
    expect(inChild(fx.clashPreload, '{ deepBind: false }')).toEqual({ value: 1, warnings: [] });
  });

  (sanitized ? it.skip : it)('true deep-binds even without a clash', () => {
    expect(inChild(undefined, '{ deepBind: true }')).toEqual({ value: 2, warnings: [] });
    expect(inChild(fx.clashPreload, '{ deepBind: true }')).toEqual({ value: 2, warnings: [] });
  });

  it('without a clash, auto opens the library the usual way', () => {
    expect(inChild(undefined, '{}')).toEqual({ value: 2, warnings: [] });
  });

  it('under a sanitizer runtime (which refuses RTLD_DEEPBIND) a clash is a LibraryWarning naming the functions', () => {
    const r = inChild(fx.clashPreloadSanitizer, '{}');
    expect(r.value).toBe(1);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatchObject({ name: 'LibraryWarning', code: 'FFIKIT_SYMBOL_CLASH' });
    expect(r.warnings[0]?.message).toContain('exports 1 functions that this process already defines (ffikit_clash_value)');
    expect(r.warnings[0]?.message).toContain('refuses RTLD_DEEPBIND');
  });

  it('a function the sanitizer intercepts on purpose (it defines __interceptor_<name>) is no clash: no warning', () => {
    expect(inChild(fx.clashPreloadInterceptor, '{}')).toEqual({ value: 1, warnings: [] });
  });

  it('libc.so.6, opened again, has nothing to warn about (under test:asan: every interceptor of it)', () => {
    const code = `
      const ffikit = require('./ts/index');
      const warnings = [];
      process.on('warning', (w) => warnings.push(w.code));
      const lib = ffikit.load('libc.so.6');
      const { strlen } = lib.bind({ strlen: 'size_t strlen(const char *s)' });
      const n = strlen('four');
      setImmediate(() => console.log(JSON.stringify({ n: Number(n), warnings })));`;
    const r = runChild(code);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout.trim().split('\n').pop() as string)).toEqual({ n: 4, warnings: [] });
  });
});

describe('deepBind: bad values', () => {
  it.each([['yes'], [1], [null]])('refuses %p with an ArgumentError before opening anything', (value) => {
    let error: unknown;
    try {
      ffikit.load(fx.edge, { deepBind: value as never });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ffikit.ArgumentError);
    expect((error as Error).message).toContain("load(): argument 'options.deepBind' expects true, false or 'auto'");
  });
});
