// ELF dynamic-section reader: exports, DT_NEEDED, versions, the section-less fallback, and garbage that must fail cleanly.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { LibraryLoadError } from '../../ts/core/errors';
import { readElfDynamic, readElfInterpreter, requiredGlibc } from '../../ts/native/binfmt/elf-symbols';
import { searchLibrary } from '../../ts/native/library-search';
import { ROOT } from '../helpers/child';
import { freshPrebuild } from '../helpers/prebuilds';

const HEADER_FUNCTIONS = [
  ...fs.readFileSync(path.join(ROOT, 'cpp/include/ffikit_ref.h'), 'utf8').matchAll(/^FFIKIT_API\s[^(]*?\b(\w+)\s*\(/gm),
].map((m) => m[1] as string);
const X64 = freshPrebuild('linux-x64/libffikit_ref.so');
const ARM64 = freshPrebuild('linux-arm64/libffikit_ref.so');
const X64_MUSL = freshPrebuild('linux-x64-musl/libffikit_ref.so');
const ARM64_MUSL = freshPrebuild('linux-arm64-musl/libffikit_ref.so');
const libm = process.platform === 'linux' ? searchLibrary('libm.so.6').found : undefined;

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ffikit-elf-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Every failure on bad input must be a LibraryLoadError('bad-format'), never a RangeError or a hang. */
function parsesOrRefuses(file: string): void {
  try {
    readElfDynamic(file);
  } catch (err) {
    expect(err).toBeInstanceOf(LibraryLoadError);
    expect((err as LibraryLoadError).reason).toBe('bad-format');
  }
}

describe('readElfDynamic', () => {
  it.each([
    ['linux-x64', X64],
    ['linux-arm64', ARM64],
  ])('the %s prebuild exports exactly the FFIKIT_API functions of ffikit_ref.h and needs only glibc 2.28', (_tag, file) => {
    const info = readElfDynamic(file);
    expect(info).toMatchObject({ bits: 64, endianness: 'LE', soname: 'libffikit_ref.so', via: 'sections' });
    expect(info.exports.map((s) => s.name).sort()).toEqual([...HEADER_FUNCTIONS].sort());
    expect(info.exports.every((s) => s.type === 'function' && s.binding === 'global')).toBe(true);
    // libc++ is linked in (zig): only glibc's own libraries remain, at symbol versions up to 2.28.
    expect(info.needed).toContain('libc.so.6');
    expect(info.needed.filter((n) => !/^(libc\.so\.6|libm\.so\.6|libpthread\.so\.0|libdl\.so\.2)$/.test(n))).toEqual([]);
    expect(info.imports.length).toBeGreaterThan(0);
    const glibc = requiredGlibc(info) as string;
    expect(glibc).toMatch(/^2\.\d+$/);
    expect(Number(glibc.split('.')[1])).toBeLessThanOrEqual(28);
  });

  it.each([
    ['linux-x64-musl', X64_MUSL],
    ['linux-arm64-musl', ARM64_MUSL],
  ])('the %s prebuild: the same exports, musl libc.so only, no glibc symbol versions', (_tag, file) => {
    const info = readElfDynamic(file);
    expect(info.exports.map((s) => s.name).sort()).toEqual([...HEADER_FUNCTIONS].sort());
    expect(info.needed).toEqual(['libc.so']);
    expect(requiredGlibc(info)).toBeUndefined();
  });

  it('the interpreter of an executable, none for a shared library', () => {
    expect(readElfInterpreter(X64)).toBeUndefined();
    if (process.platform === 'linux') expect(readElfInterpreter(process.execPath)).toMatch(/\/ld-(linux|musl)-[\w.-]+\.so\.\d$/);
    expect(() => readElfInterpreter(path.join(ROOT, 'package.json'))).toThrow(LibraryLoadError);
  });

  (libm ? it : it.skip)('libm: versioned symbols, needed libraries and the glibc it requires', () => {
    const info = readElfDynamic(libm as string);
    expect(info.soname).toBe('libm.so.6');
    expect(info.needed).toContain('libc.so.6');
    const cos = info.exports.filter((s) => s.name === 'cos');
    expect(cos.length).toBeGreaterThan(0);
    expect(cos.some((s) => s.version?.startsWith('GLIBC_') && s.defaultVersion === true)).toBe(true);
    expect(info.versionNeeds.find((v) => v.file === 'libc.so.6')?.versions.length).toBeGreaterThan(0);
  });

  it('falls back to the dynamic segment when the section headers are gone (sstrip)', () => {
    const copy = path.join(tmp, 'nosections.so');
    const bytes = fs.readFileSync(X64);
    bytes.fill(0, 0x28, 0x30); // e_shoff
    bytes.fill(0, 0x3c, 0x3e); // e_shnum
    fs.writeFileSync(copy, bytes);
    const info = readElfDynamic(copy);
    expect(info.via).toBe('dynamic-segment');
    const full = readElfDynamic(X64);
    expect(info.exports.map((s) => s.name).sort()).toEqual(full.exports.map((s) => s.name).sort());
    expect(info.needed).toEqual(full.needed);
    expect(requiredGlibc(info)).toBe(requiredGlibc(full));
  });

  it('refuses non-ELF and truncated files with LibraryLoadError bad-format', () => {
    const text = path.join(tmp, 'text.so');
    fs.writeFileSync(text, 'INPUT(-lfoo)\n');
    expect(() => readElfDynamic(text)).toThrow(LibraryLoadError);
    const truncated = path.join(tmp, 'truncated.so');
    fs.writeFileSync(truncated, fs.readFileSync(X64).subarray(0, 4096));
    expect(() => readElfDynamic(truncated)).toThrow(/malformed ELF file/);
  });

  it('never throws anything but LibraryLoadError on corrupted bytes (300 random mutations)', () => {
    const original = fs.readFileSync(X64);
    const file = path.join(tmp, 'fuzz.so');
    let seed = 12345;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let i = 0; i < 300; i++) {
      const bytes = Buffer.from(original);
      // Mostly the headers and tables near the start and end, where the offsets and counts live.
      for (let k = 0; k < 8; k++) {
        const at = random(2) ? random(0x800) : bytes.length - 1 - random(0x1000);
        bytes[at] = random(256);
      }
      fs.writeFileSync(file, bytes);
      parsesOrRefuses(file);
    }
  });
});
