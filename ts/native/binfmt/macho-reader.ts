// Low-level Mach-O reading shared by macho-symbols.ts: constants, name tables and a bounds-checked reader.
import { LibraryLoadError, loadError } from '../../core/errors';

export const MH_MAGIC = 0xfeedface;
export const MH_MAGIC_64 = 0xfeedfacf;
export const FAT_MAGIC = 0xcafebabe;
export const FAT_MAGIC_64 = 0xcafebabf;
const CPU_ARCH_ABI64 = 0x01000000;

// Written out rather than OR-ed with LC_REQ_DYLD (0x80000000): `|` would make them negative int32s.
export const LC_SEGMENT = 0x1;
export const LC_SYMTAB = 0x2;
const LC_LOAD_DYLIB = 0xc;
export const LC_ID_DYLIB = 0xd;
const LC_LOAD_WEAK_DYLIB = 0x80000018;
export const LC_SEGMENT_64 = 0x19;
export const LC_UUID = 0x1b;
export const LC_CODE_SIGNATURE = 0x1d;
export const LC_RPATH = 0x8000001c;
const LC_REEXPORT_DYLIB = 0x8000001f;
const LC_LAZY_LOAD_DYLIB = 0x20;
export const LC_DYLD_INFO = 0x22;
export const LC_DYLD_INFO_ONLY = 0x80000022;
const LC_LOAD_UPWARD_DYLIB = 0x80000023;
export const LC_VERSION_MIN_MACOSX = 0x24;
export const LC_VERSION_MIN_IPHONEOS = 0x25;
export const LC_BUILD_VERSION = 0x32;
export const LC_DYLD_EXPORTS_TRIE = 0x80000033;

export const DYLIB_COMMANDS = new Set([LC_LOAD_DYLIB, LC_LOAD_WEAK_DYLIB, LC_REEXPORT_DYLIB, LC_LAZY_LOAD_DYLIB, LC_LOAD_UPWARD_DYLIB]);

export const EXPORT_KIND_MASK = 0x03;
export const EXPORT_KIND_THREAD_LOCAL = 0x01;
export const EXPORT_KIND_ABSOLUTE = 0x02;
export const EXPORT_WEAK_DEFINITION = 0x04;
export const EXPORT_REEXPORT = 0x08;
export const EXPORT_STUB_AND_RESOLVER = 0x10;

export const S_ATTR_PURE_INSTRUCTIONS = 0x80000000;
export const S_ATTR_SOME_INSTRUCTIONS = 0x00000400;
export const N_STAB = 0xe0;
export const N_TYPE = 0x0e;
export const N_EXT = 0x01;
export const N_UNDF = 0x0;
export const N_SECT = 0xe;
export const N_WEAK_DEF = 0x0080;

// Far above any real image; bounds loops over garbage-controlled counts.
export const MAX_ENTRIES = 1 << 20;
export const MAX_SLICES = 20;

export const CPUS: Record<number, string> = {
  7: 'ia32',
  [7 | CPU_ARCH_ABI64]: 'x64',
  12: 'arm',
  [12 | CPU_ARCH_ABI64]: 'arm64',
  18: 'ppc',
  [18 | CPU_ARCH_ABI64]: 'ppc64',
};
export const FILE_TYPES: Record<number, string> = { 1: 'object', 2: 'executable', 6: 'dylib', 8: 'bundle' };
export const PLATFORMS: Record<number, string> = {
  1: 'macos',
  2: 'ios',
  3: 'tvos',
  4: 'watchos',
  5: 'bridgeos',
  6: 'mac-catalyst',
  7: 'ios-simulator',
  8: 'tvos-simulator',
  9: 'watchos-simulator',
  10: 'driverkit',
  11: 'visionos',
  12: 'visionos-simulator',
};

export function malformed(file: string, what: string): LibraryLoadError {
  return loadError('bad-format', file, `Cannot read ${file}: malformed Mach-O file, ${what}.`, [
    'Check that the file is complete (not truncated by a download or copy).',
  ]);
}

/** `xxxx.yy.zz` nibbles → `'11.0'` or `'10.15.4'` (a zero patch level is left out). */
export function version(v: number): string {
  const major = v >>> 16;
  const minor = (v >>> 8) & 0xff;
  const patch = v & 0xff;
  return patch ? `${major}.${minor}.${patch}` : `${major}.${minor}`;
}

/** Bounds-checked little- or big-endian reads over one image (a whole thin file or one fat slice). */
export class Image {
  constructor(
    readonly b: Buffer,
    readonly start: number,
    readonly end: number,
    readonly le: boolean,
    readonly file: string,
  ) {}

  check(at: number, length: number, what: string): number {
    const abs = this.start + at;
    if (!Number.isSafeInteger(at) || at < 0 || length < 0 || abs + length > this.end) {
      throw malformed(this.file, `${what} lies outside the image (offset ${at}, ${length} bytes)`);
    }
    return abs;
  }

  u8(at: number, what: string): number {
    return this.b.readUInt8(this.check(at, 1, what));
  }

  u32(at: number, what: string): number {
    const abs = this.check(at, 4, what);
    return this.le ? this.b.readUInt32LE(abs) : this.b.readUInt32BE(abs);
  }

  u64(at: number, what: string): number {
    const abs = this.check(at, 8, what);
    const v = this.le ? this.b.readBigUInt64LE(abs) : this.b.readBigUInt64BE(abs);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw malformed(this.file, `${what} is out of range`);
    return Number(v);
  }

  /** A NUL-terminated string starting at `at`, ending no later than `limit` (image-relative). */
  cstring(at: number, limit: number, what: string): string {
    this.check(at, 0, what);
    const abs = this.start + at;
    const stop = Math.min(this.start + limit, this.end);
    const nul = this.b.indexOf(0, abs);
    if (nul < 0 || nul >= stop) throw malformed(this.file, `${what} is not NUL-terminated`);
    return this.b.toString('utf8', abs, nul);
  }

  /** An unsigned LEB128 at `at`: the value and the offset after it. */
  uleb(at: number, limit: number, what: string): [number, number] {
    let value = 0;
    let scale = 1;
    for (let i = at; ; i++) {
      if (i >= limit) throw malformed(this.file, `${what} runs past its table`);
      const byte = this.u8(i, what);
      value += (byte & 0x7f) * scale;
      if (!Number.isSafeInteger(value)) throw malformed(this.file, `${what} is out of range`);
      if ((byte & 0x80) === 0) return [value, i + 1];
      scale *= 128;
    }
  }
}

export interface Segment {
  readonly vmaddr: number;
  readonly vmsize: number;
  readonly sections: { addr: number; size: number; flags: number }[];
}
