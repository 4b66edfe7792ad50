// Mach-O reader: the cross-built macOS prebuilds (exports, install name, minimum macOS), fat files, the symbol-table fallback, garbage.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { LibraryLoadError } from '../../ts/core/errors';
import { readBinaryHeader } from '../../ts/native/binfmt/binary-header';
import { readMachO } from '../../ts/native/binfmt/macho-symbols';
import { ROOT } from '../helpers/child';
import { freshPrebuild } from '../helpers/prebuilds';

const HEADER_FUNCTIONS = [
  ...fs.readFileSync(path.join(ROOT, 'cpp/include/ffikit_ref.h'), 'utf8').matchAll(/^FFIKIT_API\s[^(]*?\b(\w+)\s*\(/gm),
].map((m) => m[1] as string);
const X64 = freshPrebuild('darwin-x64/libffikit_ref.dylib');
const ARM64 = freshPrebuild('darwin-arm64/libffikit_ref.dylib');
// What zig 0.11 links in statically and cannot hide (no -exported_symbols_list): C++ names (libc++,
// libc++abi), compiler-rt's helpers and its memory and math functions, the unwinder's entry points.
// Anything else exported would be a leak from the library's own code.
const RUNTIME_EXPORT =
  /^(_Z|__|_Unwind_|unw_|abort_message$|bcmp$|mem(cmp|cpy|move|set)$|(ceil|cos|exp2?|fabs|floor|fma|fmax|fmin|fmod|log(10|2)?|round|sin|sincos|sqrt|tan|trunc)[flq]?$)/;

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ffikit-macho-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Every failure on bad input must be a LibraryLoadError('bad-format'), never a RangeError or a hang. */
function parsesOrRefuses(file: string): void {
  try {
    readMachO(file);
  } catch (err) {
    expect(err).toBeInstanceOf(LibraryLoadError);
    expect((err as LibraryLoadError).reason).toBe('bad-format');
  }
}

/** A universal file of the given thin slices, each at a 16 KiB boundary (as lipo lays them out). */
function fat(slices: { cpu: number; bytes: Buffer }[]): Buffer {
  const align = 14;
  const parts: Buffer[] = [];
  const header = Buffer.alloc(8 + slices.length * 20);
  header.writeUInt32BE(0xcafebabe, 0);
  header.writeUInt32BE(slices.length, 4);
  let offset = 1 << align;
  slices.forEach((s, i) => {
    const at = 8 + i * 20;
    header.writeUInt32BE(s.cpu, at);
    header.writeUInt32BE(s.cpu === 0x01000007 ? 3 : 0, at + 4);
    header.writeUInt32BE(offset, at + 8);
    header.writeUInt32BE(s.bytes.length, at + 12);
    header.writeUInt32BE(align, at + 16);
    offset += Math.ceil(s.bytes.length / (1 << align)) * (1 << align);
  });
  parts.push(header, Buffer.alloc((1 << align) - header.length));
  for (const s of slices) {
    parts.push(s.bytes, Buffer.alloc(Math.ceil(s.bytes.length / (1 << align)) * (1 << align) - s.bytes.length));
  }
  return Buffer.concat(parts);
}

describe('readMachO on the macOS prebuilds', () => {
  it.each([
    ['darwin-x64', X64, 'x64'],
    ['darwin-arm64', ARM64, 'arm64'],
  ])('%s: a macOS 11 dylib for its CPU that needs only libSystem and exports every FFIKIT_API function', (_tag, file, arch) => {
    const info = readMachO(file);
    expect(info).toMatchObject({
      bits: 64,
      arch,
      fileType: 'dylib',
      installName: '@rpath/libffikit_ref.dylib',
      needed: ['/usr/lib/libSystem.B.dylib'],
      platform: 'macos',
      minOs: '11.0',
      exportsFrom: 'export trie',
    });
    // zig signs arm64 output ad hoc, as Apple's linker does: arm64 macOS runs only signed code.
    if (arch === 'arm64') expect(info.signed).toBe(true);
    expect(info.uuid).toMatch(/^[0-9a-f]{32}$/);
    const byName = new Map(info.exports.map((e) => [e.name, e]));
    for (const fn of HEADER_FUNCTIONS) expect(byName.get(fn)).toEqual({ name: fn, type: 'function', weak: false });
    const others = info.exports.filter((e) => !HEADER_FUNCTIONS.includes(e.name));
    expect(others.filter((e) => !RUNTIME_EXPORT.test(e.name))).toEqual([]);
    // Sorted by name, as inspect prints them.
    const names = info.exports.map((e) => e.name);
    expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  });

  it('the binary-header reader agrees on format and CPU', () => {
    expect(readBinaryHeader(X64)).toMatchObject({ format: 'macho', arch: 'x64', bits: 64, kind: 'shared-library' });
    expect(readBinaryHeader(ARM64)).toMatchObject({ format: 'macho', arch: 'arm64', bits: 64, kind: 'shared-library' });
  });
});

describe('fat (universal) files', () => {
  it('reads the slice for the requested CPU, else the first, and lists every slice', () => {
    const file = path.join(tmp, 'universal.dylib');
    fs.writeFileSync(
      file,
      fat([
        { cpu: 0x01000007, bytes: fs.readFileSync(X64) },
        { cpu: 0x0100000c, bytes: fs.readFileSync(ARM64) },
      ]),
    );
    expect(readMachO(file, 'arm64')).toMatchObject({ arch: 'arm64', slices: ['x64', 'arm64'], minOs: '11.0' });
    expect(readMachO(file, 'x64')).toMatchObject({ arch: 'x64', slices: ['x64', 'arm64'] });
    expect(readMachO(file, 'riscv64').arch).toBe('x64');
    expect(readMachO(file, 'arm64').exports.map((e) => e.name)).toEqual(expect.arrayContaining(HEADER_FUNCTIONS));
    expect(readBinaryHeader(file)).toMatchObject({ format: 'macho-fat', archs: ['x64', 'arm64'], kind: 'shared-library' });
  });

  it('a slice that lies outside the file is refused', () => {
    const bytes = fat([{ cpu: 0x01000007, bytes: fs.readFileSync(X64) }]);
    bytes.writeUInt32BE(bytes.length, 8 + 12); // size runs past the end
    const file = path.join(tmp, 'bad-fat.dylib');
    fs.writeFileSync(file, bytes);
    expect(() => readMachO(file)).toThrow(/slice 0 lies outside the file/);
  });
});

describe('fallbacks and bad input', () => {
  /** The byte offset of the LC_DYLD_INFO(_ONLY) export size field, found by walking the load commands. */
  function exportSizeField(bytes: Buffer): number {
    const ncmds = bytes.readUInt32LE(16);
    let at = 32;
    for (let i = 0; i < ncmds; i++) {
      const cmd = bytes.readUInt32LE(at);
      if (cmd === 0x80000022 || cmd === 0x22) return at + 44;
      if (cmd === 0x80000033) return at + 12;
      at += bytes.readUInt32LE(at + 4);
    }
    throw new Error('no export trie load command');
  }

  it('without an export trie, the exports come from the symbol table', () => {
    const bytes = Buffer.from(fs.readFileSync(X64));
    bytes.writeUInt32LE(0, exportSizeField(bytes));
    const file = path.join(tmp, 'no-trie.dylib');
    fs.writeFileSync(file, bytes);
    const info = readMachO(file);
    expect(info.exportsFrom).toBe('symbol table');
    expect(info.exports.map((e) => e.name)).toEqual(expect.arrayContaining(HEADER_FUNCTIONS));
    expect(info.exports.find((e) => e.name === 'simd_add')?.type).toBe('function');
    expect(info.imports).toBeGreaterThan(0);
  });

  it('a trie whose edge points back to the root is refused instead of looping', () => {
    const bytes = Buffer.from(fs.readFileSync(X64));
    const ncmds = bytes.readUInt32LE(16);
    let at = 32;
    let trieOff = -1;
    for (let i = 0; i < ncmds; i++) {
      const cmd = bytes.readUInt32LE(at);
      if (cmd === 0x80000022 || cmd === 0x22) trieOff = bytes.readUInt32LE(at + 40);
      if (cmd === 0x80000033) trieOff = bytes.readUInt32LE(at + 8);
      at += bytes.readUInt32LE(at + 4);
    }
    // Root node: terminal size 0, child count, then "<label>\0<uleb offset>": point the first edge at 0.
    expect(bytes[trieOff]).toBe(0);
    const label = bytes.indexOf(0, trieOff + 2);
    bytes[label + 1] = 0;
    const file = path.join(tmp, 'loop.dylib');
    fs.writeFileSync(file, bytes);
    expect(() => readMachO(file)).toThrow(/revisits node 0/);
  });

  it('refuses other formats and truncated files with LibraryLoadError bad-format', () => {
    expect(() => readMachO(path.join(ROOT, 'package.json'))).toThrow(/malformed Mach-O file, no Mach-O magic number/);
    const truncated = path.join(tmp, 'truncated.dylib');
    fs.writeFileSync(truncated, fs.readFileSync(X64).subarray(0, 600));
    expect(() => readMachO(truncated)).toThrow(LibraryLoadError);
    const tiny = path.join(tmp, 'tiny.dylib');
    fs.writeFileSync(tiny, Buffer.from([0xcf, 0xfa]));
    expect(() => readMachO(tiny)).toThrow(/only 2 bytes/);
  });

  it('never throws anything but LibraryLoadError on corrupted bytes (300 random mutations)', () => {
    const original = fs.readFileSync(X64);
    const file = path.join(tmp, 'fuzz.dylib');
    let seed = 4242;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const trie = exportSizeField(original);
    for (let i = 0; i < 300; i++) {
      const bytes = Buffer.from(original);
      // Load commands (the first 4 KiB) and the region around the export trie's size field.
      for (let k = 0; k < 8; k++) bytes[random(4096)] = random(256);
      if (i % 3 === 0) bytes[trie + random(8)] = random(256);
      fs.writeFileSync(file, bytes);
      parsesOrRefuses(file);
    }
  });
});
