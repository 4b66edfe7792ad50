// Tests for library-search: injected environments and ld caches, plus real lookups on this machine.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readBinaryHeader } from '../../ts/native/binfmt/binary-header';
import { parseLdconfigOutput, readLdCache, searchLibrary, suggestNames } from '../../ts/native/library-search';

// Just enough of an ELF header for the architecture check done while searching.
function elfSharedObject(machine: number): Uint8Array {
  const bytes = new Uint8Array(64);
  bytes.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  const view = new DataView(bytes.buffer);
  view.setUint16(0x10, 3, true);
  view.setUint16(0x12, machine, true);
  return bytes;
}
const X64 = elfSharedObject(62);
const ARM64 = elfSharedObject(183);

const itLinux = process.platform === 'linux' ? it : it.skip;

let root: string;
let dirA: string;
let dirB: string;
let dirC: string;

beforeAll(() => {
  // realpath: on some systems the temp dir itself sits behind a symlink, and results are realpaths.
  root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ffikit-library-search-')));
  [dirA, dirB, dirC] = ['a', 'b', 'c'].map((d) => {
    const full = path.join(root, d);
    fs.mkdirSync(full);
    return full;
  }) as [string, string, string];
  fs.writeFileSync(path.join(dirB, 'libfoo.so'), X64);
  fs.writeFileSync(path.join(dirA, 'libarm.so'), ARM64);
  fs.writeFileSync(path.join(dirB, 'libarm.so'), X64);
  fs.writeFileSync(path.join(dirC, 'libver.so.1.2.3'), X64);
  fs.symlinkSync('libver.so.1.2.3', path.join(dirC, 'libver.so.1'));
  fs.mkdirSync(path.join(dirA, 'libdir.so'));
  fs.writeFileSync(path.join(dirA, 'libscript.so'), 'INPUT(libfoo.so)\n');
  fs.writeFileSync(path.join(dirC, 'libcached.so.2'), X64);
});

afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

const linux = (env: NodeJS.ProcessEnv, ldCache: () => string[] = () => []) => ({ platform: 'linux', env, ldCache, arch: 'x64' }) as const;

describe('searchLibrary on Linux', () => {
  it('searches LD_LIBRARY_PATH in order, ignoring empty entries', () => {
    const r = searchLibrary('libfoo.so', linux({ LD_LIBRARY_PATH: `:${dirA}::${dirB}:` }));
    expect(r.found).toBe(path.join(dirB, 'libfoo.so'));
    expect(r.tried).toEqual([path.join(dirA, 'libfoo.so'), path.join(dirB, 'libfoo.so')]);
  });

  it('accepts ";" as a separator like ld.so', () => {
    expect(searchLibrary('libfoo.so', linux({ LD_LIBRARY_PATH: `${dirA};${dirB}` })).found).toBe(path.join(dirB, 'libfoo.so'));
  });

  it('returns the realpath of a symlinked candidate', () => {
    const r = searchLibrary('libver.so.1', linux({ LD_LIBRARY_PATH: dirC }));
    expect(r.found).toBe(path.join(dirC, 'libver.so.1.2.3'));
  });

  it('skips directories and wrong-architecture ELF files, as ld.so does', () => {
    expect(searchLibrary('libdir.so', linux({ LD_LIBRARY_PATH: dirA })).found).toBeUndefined();
    const r = searchLibrary('libarm.so', linux({ LD_LIBRARY_PATH: `${dirA}:${dirB}` }));
    expect(r.found).toBe(path.join(dirB, 'libarm.so'));
    expect(r.tried[0]).toMatch(/libarm\.so \(skipped: ELF 64-bit LSB shared object, ARM aarch64, not x64\)$/);
  });

  it('does not skip non-ELF files, so dlopen reports them', () => {
    expect(searchLibrary('libscript.so', linux({ LD_LIBRARY_PATH: dirA })).found).toBe(path.join(dirA, 'libscript.so'));
  });

  it('keeps the name exact (no lib prefix or .so guessing)', () => {
    const r = searchLibrary('foo', linux({ LD_LIBRARY_PATH: dirB }));
    expect(r.found).toBeUndefined();
    expect(r.tried[0]).toBe(path.join(dirB, 'foo'));
  });

  it('consults the ld cache after LD_LIBRARY_PATH and before the default directories', () => {
    const cache = () => ['/nowhere/libother.so', path.join(dirC, 'libcached.so.2')];
    const r = searchLibrary('libcached.so.2', linux({ LD_LIBRARY_PATH: dirA }, cache));
    expect(r.found).toBe(path.join(dirC, 'libcached.so.2'));
    expect(r.tried).toEqual([path.join(dirA, 'libcached.so.2'), path.join(dirC, 'libcached.so.2')]);

    const first = searchLibrary(
      'libfoo.so',
      linux({ LD_LIBRARY_PATH: dirB }, () => ['/nowhere/libfoo.so']),
    );
    expect(first.found).toBe(path.join(dirB, 'libfoo.so'));
  });

  it('lists every source tried when nothing is found', () => {
    const r = searchLibrary('libnope.so.9', linux({ LD_LIBRARY_PATH: dirA }));
    expect(r.found).toBeUndefined();
    expect(r.tried).toEqual([
      path.join(dirA, 'libnope.so.9'),
      'ld.so.cache (no entry)',
      '/lib/x86_64-linux-gnu/libnope.so.9',
      '/usr/lib/x86_64-linux-gnu/libnope.so.9',
      '/lib64/libnope.so.9',
      '/usr/lib64/libnope.so.9',
      '/lib/libnope.so.9',
      '/usr/lib/libnope.so.9',
    ]);
  });

  it('skips the cache quietly when ldconfig is unavailable', () => {
    const r = searchLibrary(
      'libnope.so',
      linux({}, () => {
        throw new Error('spawn ldconfig ENOENT');
      }),
    );
    expect(r.tried[0]).toBe('ld.so.cache (ldconfig unavailable)');
  });

  it('uses the multiarch directories of the requested architecture', () => {
    const arm64 = searchLibrary('libnope.so', { platform: 'linux', env: {}, ldCache: () => [], arch: 'arm64' });
    expect(arm64.tried).toContain('/usr/lib/aarch64-linux-gnu/libnope.so');
    const ia32 = searchLibrary('libnope.so', { platform: 'linux', env: {}, ldCache: () => [], arch: 'ia32' });
    expect(ia32.tried).toContain('/usr/lib/i386-linux-gnu/libnope.so');
    expect(ia32.tried).not.toContain('/usr/lib64/libnope.so');
  });

  it('resolves names containing a slash instead of searching', () => {
    const r = searchLibrary(path.join(dirB, 'libfoo.so'), linux({ LD_LIBRARY_PATH: dirA }));
    expect(r).toEqual({ found: path.join(dirB, 'libfoo.so'), tried: [path.join(dirB, 'libfoo.so')] });
  });

  itLinux('finds the real libm.so.6 on this machine', () => {
    const r = searchLibrary('libm.so.6');
    expect(r.found).toBeDefined();
    const found = r.found ?? '';
    expect(path.isAbsolute(found)).toBe(true);
    expect(fs.realpathSync(found)).toBe(found);
    expect(readBinaryHeader(found)).toMatchObject({ format: 'elf', arch: process.arch, kind: 'shared-library' });
  });

  it('reports a missing library with a non-empty tried list', () => {
    const r = searchLibrary('libffikit-does-not-exist.so.42');
    expect(r.found).toBeUndefined();
    expect(r.tried.length).toBeGreaterThan(0);
  });
});

describe('searchLibrary on macOS', () => {
  it('searches LD_LIBRARY_PATH, DYLD_LIBRARY_PATH, then the fallback directories', () => {
    const r = searchLibrary('libnope.dylib', {
      platform: 'darwin',
      env: { DYLD_LIBRARY_PATH: dirA, LD_LIBRARY_PATH: dirB },
    });
    expect(r.found).toBeUndefined();
    expect(r.tried.slice(0, 4)).toEqual([
      path.join(dirB, 'libnope.dylib'),
      path.join(dirA, 'libnope.dylib'),
      '/usr/local/lib/libnope.dylib',
      '/usr/lib/libnope.dylib',
    ]);
    expect(r.tried[4]).toMatch(/dyld shared cache/);
  });

  it('finds a library and lets DYLD_FALLBACK_LIBRARY_PATH replace the defaults', () => {
    expect(searchLibrary('libfoo.so', { platform: 'darwin', env: { DYLD_LIBRARY_PATH: dirB } }).found).toBe(path.join(dirB, 'libfoo.so'));
    const r = searchLibrary('libnope.dylib', { platform: 'darwin', env: { DYLD_FALLBACK_LIBRARY_PATH: dirC } });
    expect(r.tried[0]).toBe(path.join(dirC, 'libnope.dylib'));
    expect(r.tried).not.toContain('/usr/lib/libnope.dylib');
  });
});

describe('searchLibrary on Windows', () => {
  it('searches System32 then PATH, never the application or current directory', () => {
    const r = searchLibrary('zlib1', {
      platform: 'win32',
      env: { Path: 'C:\\tools;;"C:\\Program Files\\Foo"', SYSTEMROOT: 'D:\\Windows' },
    });
    expect(r.found).toBeUndefined();
    expect(r.tried).toEqual(['D:\\Windows\\System32\\zlib1.dll', 'C:\\tools\\zlib1.dll', 'C:\\Program Files\\Foo\\zlib1.dll']);
    expect(r.tried.join('\n')).not.toContain(process.cwd());
  });

  it('appends .dll only to extensionless names, like LoadLibrary', () => {
    const opts = { platform: 'win32', env: { SystemRoot: 'C:\\Windows' } } as const;
    expect(searchLibrary('foo.dll', opts).tried).toEqual(['C:\\Windows\\System32\\foo.dll']);
    expect(searchLibrary('foo.', opts).tried).toEqual(['C:\\Windows\\System32\\foo']);
    expect(searchLibrary('foo.so', opts).tried).toEqual(['C:\\Windows\\System32\\foo.so']);
  });
});

describe('parseLdconfigOutput', () => {
  const output = [
    "7 libs found in cache `/etc/ld.so.cache'",
    '\tlibz.so.1 (libc6,x86-64) => /lib/x86_64-linux-gnu/libz.so.1',
    '\tlibz.so.1 (libc6) => /lib/i386-linux-gnu/libz.so.1',
    '\tlibm.so.6 (libc6,x86-64, OS ABI: Linux 3.2.0) => /lib/x86_64-linux-gnu/libm.so.6',
    '\tlibfoo.so (libc6,x86-64, hwcap: 0x0000000000000002) => /opt/foo/libfoo.so',
    '\tlibx32.so (libc6,x32) => /libx32/libx32.so',
    '\tlibz.so.1 (libc6,AArch64) => /lib/aarch64-linux-gnu/libz.so.1',
    'Cache generated by: ldconfig (GNU libc) stable release version 2.39',
  ].join('\n');

  it('keeps only entries for the requested architecture', () => {
    expect(parseLdconfigOutput(output, 'x64')).toEqual([
      '/lib/x86_64-linux-gnu/libz.so.1',
      '/lib/x86_64-linux-gnu/libm.so.6',
      '/opt/foo/libfoo.so',
    ]);
    expect(parseLdconfigOutput(output, 'ia32')).toEqual(['/lib/i386-linux-gnu/libz.so.1']);
    expect(parseLdconfigOutput(output, 'arm64')).toEqual(['/lib/aarch64-linux-gnu/libz.so.1']);
  });

  itLinux('reads the real cache once per process', () => {
    const cache = readLdCache();
    if (cache === undefined) return; // e.g. musl: no ldconfig -p
    expect(readLdCache()).toBe(cache);
    expect(cache.every((p) => path.isAbsolute(p))).toBe(true);
  });
});

describe('suggestNames', () => {
  const cache = () => [
    '/lib/x86_64-linux-gnu/libm.so.6',
    '/lib/x86_64-linux-gnu/libm.so',
    '/lib/x86_64-linux-gnu/libmvec.so.1',
    '/lib/x86_64-linux-gnu/libz.so.1',
    '/lib/x86_64-linux-gnu/libssl.so.1.1',
    '/lib/x86_64-linux-gnu/libssl.so.3',
  ];

  it('proposes cached lib<name>.so and versioned forms', () => {
    expect(suggestNames('m', 'linux', { ldCache: cache })).toEqual(['libm.so', 'libm.so.6']);
    expect(suggestNames('libm.so.5', 'linux', { ldCache: cache })).toEqual(['libm.so', 'libm.so.6']);
    expect(suggestNames('libz', 'linux', { ldCache: cache })).toEqual(['libz.so.1']);
    expect(suggestNames('ssl', 'linux', { ldCache: cache })).toEqual(['libssl.so.3', 'libssl.so.1.1']);
    expect(suggestNames('libnothing.so', 'linux', { ldCache: cache })).toEqual([]);
  });

  it('follows naming conventions elsewhere', () => {
    expect(suggestNames('z', 'darwin')).toEqual(['libz.dylib']);
    expect(suggestNames('zlib1', 'win32')).toEqual(['zlib1.dll', 'libzlib1.dll']);
  });

  itLinux('finds libm.so.6 for "m" on this machine', () => {
    if (readLdCache() === undefined) return;
    expect(suggestNames('m')).toContain('libm.so.6');
  });
});
