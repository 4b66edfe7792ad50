// Tests for binary-header: synthetic ELF/PE/Mach-O/fat headers, hostile input, and real files on this machine.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { archMatches, expectedFormat, parseBinaryHeader, readBinaryHeader, type BinaryHeader } from '../../ts/native/binfmt/binary-header';

function elf(opts: { bits?: 32 | 64; le?: boolean; type?: number; machine: number }): Uint8Array {
  const bytes = new Uint8Array(64);
  const view = new DataView(bytes.buffer);
  const le = opts.le ?? true;
  bytes.set([0x7f, 0x45, 0x4c, 0x46, opts.bits === 32 ? 1 : 2, le ? 1 : 2, 1]);
  view.setUint16(0x10, opts.type ?? 3, le);
  view.setUint16(0x12, opts.machine, le);
  return bytes;
}

function pe(opts: { machine: number; magic?: number; characteristics?: number; lfanew?: number }): Uint8Array {
  const lfanew = opts.lfanew ?? 0x80;
  const bytes = new Uint8Array(lfanew + 24 + 240);
  const view = new DataView(bytes.buffer);
  bytes.set([0x4d, 0x5a]);
  view.setUint32(0x3c, lfanew, true);
  bytes.set([0x50, 0x45, 0, 0], lfanew);
  view.setUint16(lfanew + 4, opts.machine, true);
  view.setUint16(lfanew + 20, 240, true);
  view.setUint16(lfanew + 22, opts.characteristics ?? 0x2022, true);
  view.setUint16(lfanew + 24, opts.magic ?? 0x20b, true);
  return bytes;
}

function macho(opts: { bits?: 32 | 64; le?: boolean; cputype: number; filetype?: number }): Uint8Array {
  const bytes = new Uint8Array(32);
  const view = new DataView(bytes.buffer);
  const le = opts.le ?? true;
  view.setUint32(0, opts.bits === 32 ? 0xfeedface : 0xfeedfacf, le);
  view.setUint32(4, opts.cputype, le);
  view.setUint32(12, opts.filetype ?? 6, le);
  return bytes;
}

function fat(cputypes: number[], opts: { is64?: boolean; filetype?: number } = {}): Uint8Array {
  const entry = opts.is64 ? 32 : 20;
  const sliceOffset = 0x1000;
  const bytes = new Uint8Array(sliceOffset * (cputypes.length + 1));
  const view = new DataView(bytes.buffer);
  view.setUint32(0, opts.is64 ? 0xcafebabf : 0xcafebabe, false);
  view.setUint32(4, cputypes.length, false);
  cputypes.forEach((cputype, i) => {
    const base = 8 + i * entry;
    const offset = sliceOffset * (i + 1);
    view.setUint32(base, cputype, false);
    if (opts.is64) view.setBigUint64(base + 8, BigInt(offset), false);
    else view.setUint32(base + 8, offset, false);
    bytes.set(macho({ cputype, filetype: opts.filetype ?? 6 }), offset);
  });
  return bytes;
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

const readerFor =
  (whole: Uint8Array) =>
  (offset: number, length: number): Uint8Array =>
    whole.slice(offset, offset + length);

describe('parseBinaryHeader: ELF', () => {
  it.each([
    [3, 32, true, 'ia32'],
    [62, 64, true, 'x64'],
    [183, 64, true, 'arm64'],
    [40, 32, true, 'arm'],
    [243, 64, true, 'riscv64'],
    [21, 64, true, 'ppc64'],
    [21, 64, false, 'ppc64'],
    [22, 64, false, 's390x'],
    [258, 64, true, 'loong64'],
    [8, 32, false, 'mips'],
    [8, 32, true, 'mipsel'],
    [62, 32, true, 'x32'],
    [243, 32, true, 'unknown(243)'],
    [9999, 64, true, 'unknown(9999)'],
  ] as const)('machine %i, %i-bit, LE=%s -> %s', (machine, bits, le, arch) => {
    const h = parseBinaryHeader(elf({ machine, bits, le }));
    expect(h).toMatchObject({ format: 'elf', bits, arch, endianness: le ? 'LE' : 'BE', kind: 'shared-library' });
  });

  it('describes like file(1)', () => {
    expect(parseBinaryHeader(elf({ machine: 62 })).description).toBe('ELF 64-bit LSB shared object, x86-64');
    expect(parseBinaryHeader(elf({ machine: 22, le: false, type: 2 })).description).toBe('ELF 64-bit MSB executable, IBM S/390');
  });

  it.each([
    [1, 'relocatable'],
    [2, 'executable'],
    [3, 'shared-library'],
    [4, 'other'],
    [0xfe00, 'other'],
  ] as const)('e_type %i -> %s', (type, kind) => {
    expect(parseBinaryHeader(elf({ machine: 62, type })).kind).toBe(kind);
  });

  it('rejects a truncated or corrupt header without throwing', () => {
    const truncated = parseBinaryHeader(elf({ machine: 62 }).subarray(0, 10));
    expect(truncated.format).toBe('unknown');
    expect(truncated.description).toMatch(/truncated ELF/);

    const corrupt = elf({ machine: 62 });
    corrupt[4] = 7;
    expect(parseBinaryHeader(corrupt)).toMatchObject({
      format: 'unknown',
      description: expect.stringMatching(/class/),
    });
  });
});

describe('parseBinaryHeader: PE', () => {
  it.each([
    [0x8664, 0x20b, 'x64', 64, 'PE32+ DLL, x86-64'],
    [0x14c, 0x10b, 'ia32', 32, 'PE32 DLL, Intel 80386'],
    [0xaa64, 0x20b, 'arm64', 64, 'PE32+ DLL, Aarch64'],
    [0x1c4, 0x10b, 'arm', 32, 'PE32 DLL, ARM Thumb-2'],
    [0x200, 0x20b, 'unknown(512)', 64, 'PE32+ DLL, unknown machine 0x0200'],
  ] as const)('machine 0x%s', (machine, magic, arch, bits, description) => {
    expect(parseBinaryHeader(pe({ machine, magic }))).toEqual<BinaryHeader>({
      format: 'pe',
      arch,
      bits,
      endianness: 'LE',
      kind: 'shared-library',
      description,
    });
  });

  it('tells executables from DLLs', () => {
    const exe = parseBinaryHeader(pe({ machine: 0x8664, characteristics: 0x0022 }));
    expect(exe.kind).toBe('executable');
    expect(exe.description).toBe('PE32+ executable, x86-64');
  });

  it('reads a PE header beyond the first bytes through readAt', () => {
    const whole = pe({ machine: 0xaa64, lfanew: 0x2000 });
    const head = whole.slice(0, 0x100);
    const calls: number[] = [];
    const h = parseBinaryHeader(head, (offset, length) => {
      calls.push(offset);
      return readerFor(whole)(offset, length);
    });
    expect(h).toMatchObject({ format: 'pe', arch: 'arm64' });
    expect(calls).toEqual([0x2000]);

    const withoutReader = parseBinaryHeader(head);
    expect(withoutReader.format).toBe('unknown');
    expect(withoutReader.description).toMatch(/truncated PE/);
  });

  it('recognises a DOS program without a PE header', () => {
    const dos = pe({ machine: 0x8664 });
    dos.set(text('NE\0\0'), 0x80);
    expect(parseBinaryHeader(dos).description).toMatch(/MS-DOS/);
  });

  it('survives an absurd e_lfanew', () => {
    const bytes = pe({ machine: 0x8664 });
    new DataView(bytes.buffer).setUint32(0x3c, 0xffffffff, true);
    expect(parseBinaryHeader(bytes, readerFor(bytes)).format).toBe('unknown');
  });
});

describe('parseBinaryHeader: Mach-O', () => {
  it.each([
    [0x0100000c, 64, true, 6, 'arm64', 'shared-library', 'Mach-O 64-bit dylib, arm64'],
    [0x01000007, 64, true, 8, 'x64', 'shared-library', 'Mach-O 64-bit bundle, x86_64'],
    [7, 32, true, 2, 'ia32', 'executable', 'Mach-O 32-bit executable, i386'],
    [12, 32, true, 6, 'arm', 'shared-library', 'Mach-O 32-bit dylib, arm'],
    [18, 32, false, 6, 'ppc', 'shared-library', 'Mach-O 32-bit dylib, ppc'],
    [0x0200000c, 32, true, 6, 'unknown(33554444)', 'shared-library', 'Mach-O 32-bit dylib, cputype 0x0200000c'],
  ] as const)('cputype 0x%s', (cputype, bits, le, filetype, arch, kind, description) => {
    expect(parseBinaryHeader(macho({ cputype, bits, le, filetype }))).toEqual<BinaryHeader>({
      format: 'macho',
      bits,
      arch,
      endianness: le ? 'LE' : 'BE',
      kind,
      description,
    });
  });

  it('parses a universal binary and matches any slice', () => {
    const h = parseBinaryHeader(fat([0x01000007, 0x0100000c]));
    expect(h).toMatchObject({ format: 'macho-fat', archs: ['x64', 'arm64'], kind: 'shared-library' });
    expect(h.description).toBe('Mach-O universal dylib with 2 architectures: x86_64, arm64');
    expect(archMatches(h, 'x64')).toBe(true);
    expect(archMatches(h, 'arm64')).toBe(true);
    expect(archMatches(h, 'ia32')).toBe(false);
  });

  it('parses FAT_MAGIC_64 entries', () => {
    const h = parseBinaryHeader(fat([0x0100000c], { is64: true, filetype: 8 }));
    expect(h).toMatchObject({ format: 'macho-fat', archs: ['arm64'], kind: 'shared-library' });
  });

  it('reads the first slice header through readAt', () => {
    const whole = fat([0x01000007, 0x0100000c], { filetype: 2 });
    expect(parseBinaryHeader(whole.slice(0, 64), readerFor(whole)).kind).toBe('executable');
    expect(parseBinaryHeader(whole.slice(0, 64)).kind).toBeUndefined();
  });

  it('does not mistake a Java class file for a fat binary', () => {
    const java = new Uint8Array([0xca, 0xfe, 0xba, 0xbe, 0x00, 0x00, 0x00, 0x34, 0x00, 0x1d]);
    const h = parseBinaryHeader(java);
    expect(h.format).toBe('unknown');
    expect(h.description).toMatch(/Java class/);
    expect(archMatches(h, 'x64')).toBe(false);
  });

  it('rejects a truncated fat header', () => {
    expect(parseBinaryHeader(fat([7, 12]).subarray(0, 20)).description).toMatch(/truncated fat/);
  });
});

describe('parseBinaryHeader: everything else', () => {
  it('names empty, short, text and binary junk', () => {
    expect(parseBinaryHeader(new Uint8Array())).toEqual({ format: 'unknown', description: 'empty file' });
    expect(parseBinaryHeader(new Uint8Array([0x00, 0x01])).description).toBe('too short (2 bytes)');
    expect(parseBinaryHeader(new Uint8Array([0xde, 0xad, 0xbe, 0xef, 0, 0])).description).toBe(
      'not a recognised shared library format (first bytes de ad be ef)',
    );
  });

  it('describes a shell script by its first line', () => {
    const h = parseBinaryHeader(text('#!/bin/sh\nexec node "$@"\n'));
    expect(h.format).toBe('unknown');
    expect(h.description).toBe('not a shared library (starts with "#!/bin/sh" text)');
    expect(parseBinaryHeader(text('#!/usr/bin/env python3 -u\n')).description).toBe(
      'not a shared library (starts with "#!/usr/bin/env pytho…" text)',
    );
  });

  it('recognises GNU ld linker scripts and Git LFS pointers', () => {
    const script = '/* GNU ld script\n   Use the shared library. */\nOUTPUT_FORMAT(elf64-x86-64)\nGROUP ( libc.so.6 )\n';
    expect(parseBinaryHeader(text(script)).description).toMatch(/linker script/);
    expect(parseBinaryHeader(text('INPUT(-lfoo)\n')).description).toMatch(/linker script/);
    const lfs = 'version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 123\n';
    expect(parseBinaryHeader(text(lfs)).description).toMatch(/Git LFS/);
  });

  it('recognises static archives', () => {
    expect(parseBinaryHeader(text('!<arch>\n/               0           0')).description).toMatch(/static library/);
  });

  it('never throws on any prefix of a valid header or on random bytes', () => {
    const samples = [
      elf({ machine: 62 }),
      pe({ machine: 0x8664 }),
      macho({ cputype: 0x0100000c }),
      fat([7, 0x01000007]),
      fat([0x0100000c], { is64: true }),
    ];
    for (const sample of samples) {
      for (let n = 0; n <= Math.min(sample.length, 600); n++) {
        const h = parseBinaryHeader(sample.slice(0, n));
        expect(typeof h.description).toBe('string');
      }
    }
    let seed = 42;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff;
    for (let i = 0; i < 500; i++) {
      const bytes = Uint8Array.from({ length: i % 97 }, rand);
      if (i % 5 === 0 && bytes.length >= 4) bytes.set([0x4d, 0x5a]);
      expect(() => parseBinaryHeader(bytes, () => new Uint8Array(0))).not.toThrow();
    }
  });
});

describe('archMatches / expectedFormat', () => {
  it('compares the single arch and rejects unknown formats', () => {
    expect(archMatches(parseBinaryHeader(elf({ machine: 62 })), 'x64')).toBe(true);
    expect(archMatches(parseBinaryHeader(elf({ machine: 183 })), 'x64')).toBe(false);
    expect(archMatches({ format: 'unknown', arch: 'x64', description: '' }, 'x64')).toBe(false);
  });

  it('maps platforms to formats', () => {
    expect(expectedFormat('linux')).toBe('elf');
    expect(expectedFormat('freebsd')).toBe('elf');
    expect(expectedFormat('win32')).toBe('pe');
    expect(expectedFormat('darwin')).toBe('macho');
  });
});

describe('readBinaryHeader', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ffikit-binary-header-'));
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const write = (name: string, bytes: Uint8Array): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, bytes);
    return file;
  };

  it('reads the running node binary', () => {
    const h = readBinaryHeader(process.execPath);
    expect(h.format === 'macho-fat' ? 'macho' : h.format).toBe(expectedFormat(process.platform));
    expect(archMatches(h, process.arch)).toBe(true);
    // Distribution builds may be PIE (ET_DYN), which is indistinguishable from a shared object here.
    expect(['executable', 'shared-library']).toContain(h.kind);
  });

  const libm = '/usr/lib/x86_64-linux-gnu/libm.so.6';
  (fs.existsSync(libm) ? it : it.skip)('reads the system libm as an x64 shared library', () => {
    expect(readBinaryHeader(libm)).toMatchObject({
      format: 'elf',
      bits: 64,
      arch: 'x64',
      endianness: 'LE',
      kind: 'shared-library',
      description: 'ELF 64-bit LSB shared object, x86-64',
    });
  });

  const libcScript = '/usr/lib/x86_64-linux-gnu/libc.so';
  (fs.existsSync(libcScript) ? it : it.skip)('explains the libc.so linker script', () => {
    expect(readBinaryHeader(libcScript).description).toMatch(/linker script/);
  });

  it('follows e_lfanew past the first 4 KiB', () => {
    const file = write('far.dll', pe({ machine: 0x14c, magic: 0x10b, lfanew: 0x3000 }));
    expect(readBinaryHeader(file)).toMatchObject({ format: 'pe', arch: 'ia32', bits: 32, kind: 'shared-library' });
  });

  it('handles empty files, scripts, truncation and directories', () => {
    expect(readBinaryHeader(write('empty.so', new Uint8Array())).description).toBe('empty file');
    expect(readBinaryHeader(write('script.so', text('#!/bin/bash\n'))).description).toMatch(/#!\/bin\/bash/);
    const cut = pe({ machine: 0x8664, lfanew: 0x3000 }).slice(0, 0x3008);
    expect(readBinaryHeader(write('cut.dll', cut)).description).toMatch(/truncated PE/);
    expect(readBinaryHeader(dir).format).toBe('unknown');
  });

  it('throws fs errors unchanged', () => {
    let error: unknown;
    try {
      readBinaryHeader(path.join(dir, 'missing.so'));
    } catch (e) {
      error = e;
    }
    // Not toBeInstanceOf(Error): jest's sandbox gives fs errors a different Error realm.
    expect(error).toMatchObject({ code: 'ENOENT', syscall: 'stat' });
  });
});
