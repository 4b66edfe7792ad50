// Identifies a binary's format and CPU architecture so the loader can say "wrong architecture" before dlopen.
import * as fs from 'node:fs';

/** Container format of a native binary. */
export type BinaryFormat = 'elf' | 'pe' | 'macho' | 'macho-fat' | 'unknown';

/** What the first bytes of a file say about it. */
export interface BinaryHeader {
  /** Container format; `'unknown'` for anything unrecognised, truncated or corrupt. */
  format: BinaryFormat;
  /** ELF class, PE32 vs PE32+, or Mach-O 32 vs 64-bit header. Absent for fat files. */
  bits?: 32 | 64;
  /**
   * CPU architecture in `process.arch` vocabulary (`'x64'`, `'arm64'`, ...), or
   * `'unknown(<machine number>)'` when Node has no name for it. Absent for fat files (see `archs`).
   */
  arch?: string;
  /** `macho-fat` only: the architecture of every slice, in file order. */
  archs?: string[];
  /** Byte order of the header. */
  endianness?: 'LE' | 'BE';
  /** What the binary is meant to be used as. */
  kind?: 'shared-library' | 'executable' | 'relocatable' | 'other';
  /** Human-readable summary suitable for error messages. */
  description: string;
}

/** Reads `length` bytes at absolute file `offset`; may return fewer bytes at end of file. */
type ReadAt = (offset: number, length: number) => Uint8Array;

// Enough for every header we parse except a PE header placed far into the file, which gets its own read.
const HEAD_BYTES = 4096;
// e_lfanew is attacker/garbage controlled; anything beyond this is not a real PE header.
const MAX_PE_OFFSET = 0x10000000;
// Real universal binaries have a handful of slices; Java class files share the magic and put their version (>= 45) here.
const MAX_FAT_ARCHS = 20;

/**
 * Reads the first bytes of `path` and identifies its binary format and architecture.
 *
 * Never loads or executes the file. Directories and other non-regular files yield an
 * `'unknown'` header rather than an error.
 *
 * @throws The `fs` error (ENOENT, EACCES, ...) unchanged when the file cannot be opened or read.
 */
export function readBinaryHeader(path: string): BinaryHeader {
  // Opening a FIFO would block until a writer appears, so refuse non-regular files up front.
  const stat = fs.statSync(path);
  if (stat.isDirectory()) return unknown('is a directory, not a shared library');
  if (!stat.isFile()) return unknown('not a regular file (device, FIFO or socket)');

  const fd = fs.openSync(path, 'r');
  try {
    const readAt: ReadAt = (offset, length) => {
      const buf = Buffer.alloc(Math.max(0, Math.min(length, HEAD_BYTES)));
      const n = fs.readSync(fd, buf, 0, buf.length, offset);
      return buf.subarray(0, n);
    };
    return parseBinaryHeader(readAt(0, HEAD_BYTES), readAt);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Identifies the binary format and architecture from the first bytes of a file.
 *
 * Pure apart from `readAt`, which is consulted only when a structure (the PE header at
 * `e_lfanew`, a fat slice's Mach-O header) lies beyond `bytes`. Never throws on garbage or
 * truncated input: such input yields `format: 'unknown'` with the reason in `description`.
 *
 * @param bytes - The start of the file (4 KiB is plenty).
 * @param readAt - Optional positioned reader for data past the end of `bytes`.
 */
export function parseBinaryHeader(bytes: Uint8Array, readAt?: ReadAt): BinaryHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = (offset: number, length: number): DataView | undefined => {
    if (offset + length <= bytes.length) {
      return new DataView(bytes.buffer, bytes.byteOffset + offset, length);
    }
    if (!readAt) return undefined;
    const more = readAt(offset, length);
    if (more.length < length) return undefined;
    return new DataView(more.buffer, more.byteOffset, length);
  };

  if (bytes.length === 0) return unknown('empty file');
  if (bytes.length >= 4) {
    const magic = view.getUint32(0, false);
    if (magic === 0x7f454c46) return parseElf(view);
    if (magic === 0xfeedface || magic === 0xfeedfacf) return parseMachO(view, false);
    if (magic === 0xcefaedfe || magic === 0xcffaedfe) return parseMachO(view, true);
    if (magic === 0xcafebabe || magic === 0xcafebabf) {
      const fat = parseFat(view, magic === 0xcafebabf, at);
      if (fat) return fat;
    }
  }
  if (bytes.length >= 2 && bytes[0] === 0x4d && bytes[1] === 0x5a) return parsePe(view, at);
  return describeUnknown(bytes);
}

/**
 * Whether a binary can be loaded by a Node process of architecture `nodeArch`.
 *
 * For fat Mach-O files any matching slice is enough. Unknown formats never match. Byte order
 * is not compared separately: every arch name Node uses implies one (ppc64 big-endian ELF vs
 * little-endian would need `os.endianness()` and is left to dlopen).
 *
 * @param nodeArch - Usually `process.arch`.
 */
export function archMatches(header: BinaryHeader, nodeArch: string): boolean {
  if (header.format === 'unknown') return false;
  if (header.format === 'macho-fat') return (header.archs ?? []).includes(nodeArch);
  return header.arch === nodeArch;
}

/**
 * The shared-library format the platform's loader accepts.
 *
 * On darwin both `'macho'` and `'macho-fat'` load; this returns `'macho'` and callers should
 * accept either. AIX uses XCOFF, which this module does not parse, so it maps to `'unknown'`.
 *
 * @param platform - Usually `process.platform`.
 */
export function expectedFormat(platform: NodeJS.Platform): BinaryFormat {
  switch (platform) {
    case 'win32':
    case 'cygwin':
      return 'pe';
    case 'darwin':
      return 'macho';
    case 'aix':
      return 'unknown';
    default:
      return 'elf';
  }
}

function unknown(description: string): BinaryHeader {
  return { format: 'unknown', description };
}

function unknownArch(machine: number): string {
  return `unknown(${machine})`;
}

// ---------------------------------------------------------------------------------------------
// ELF

const ELF_MACHINES: Record<number, { name: string; arch: string | ((bits: 32 | 64, le: boolean) => string) }> = {
  3: { name: 'Intel 80386', arch: 'ia32' },
  8: { name: 'MIPS', arch: (bits, le) => (bits === 64 ? (le ? 'mips64el' : 'mips64') : le ? 'mipsel' : 'mips') },
  20: { name: 'PowerPC', arch: 'ppc' },
  21: { name: '64-bit PowerPC', arch: 'ppc64' },
  22: { name: 'IBM S/390', arch: (bits) => (bits === 64 ? 's390x' : 's390') },
  40: { name: 'ARM', arch: 'arm' },
  // A 32-bit class with a 64-bit machine is an ILP32 ABI (x32, aarch64_ilp32) that a 64-bit Node cannot load.
  62: { name: 'x86-64', arch: (bits) => (bits === 64 ? 'x64' : 'x32') },
  183: { name: 'ARM aarch64', arch: (bits) => (bits === 64 ? 'arm64' : unknownArch(183)) },
  // Node only ships riscv64; a 32-bit RISC-V object has no process.arch counterpart.
  243: { name: 'RISC-V', arch: (bits) => (bits === 64 ? 'riscv64' : unknownArch(243)) },
  258: { name: 'LoongArch', arch: (bits) => (bits === 64 ? 'loong64' : unknownArch(258)) },
};

function parseElf(view: DataView): BinaryHeader {
  // e_ident (16) + e_type (2) + e_machine (2)
  if (view.byteLength < 20) return unknown(`truncated ELF header (${view.byteLength} bytes)`);
  const cls = view.getUint8(4);
  const data = view.getUint8(5);
  if (cls !== 1 && cls !== 2) return unknown(`corrupt ELF header (invalid class byte ${hex(cls, 2)})`);
  if (data !== 1 && data !== 2) return unknown(`corrupt ELF header (invalid data encoding byte ${hex(data, 2)})`);
  const bits = cls === 1 ? 32 : 64;
  const le = data === 1;
  const type = view.getUint16(0x10, le);
  const machine = view.getUint16(0x12, le);

  const known = ELF_MACHINES[machine];
  const arch = known === undefined ? unknownArch(machine) : typeof known.arch === 'string' ? known.arch : known.arch(bits, le);
  const machineName = known?.name ?? `unknown machine ${machine}`;

  // ET_DYN also covers position-independent executables; telling them apart needs the
  // program headers, and for "can this be dlopen'ed" both answers are "shared-library".
  let kind: BinaryHeader['kind'];
  let typeName: string;
  switch (type) {
    case 1:
      kind = 'relocatable';
      typeName = 'relocatable';
      break;
    case 2:
      kind = 'executable';
      typeName = 'executable';
      break;
    case 3:
      kind = 'shared-library';
      typeName = 'shared object';
      break;
    case 4:
      kind = 'other';
      typeName = 'core file';
      break;
    default:
      kind = 'other';
      typeName = `file of type ${type}`;
  }

  return {
    format: 'elf',
    bits,
    arch,
    endianness: le ? 'LE' : 'BE',
    kind,
    description: `ELF ${bits}-bit ${le ? 'LSB' : 'MSB'} ${typeName}, ${machineName}`,
  };
}

// ---------------------------------------------------------------------------------------------
// PE / COFF

const PE_MACHINES: Record<number, { name: string; arch: string }> = {
  0x14c: { name: 'Intel 80386', arch: 'ia32' },
  0x1c0: { name: 'ARM', arch: 'arm' },
  0x1c2: { name: 'ARM Thumb', arch: 'arm' },
  0x1c4: { name: 'ARM Thumb-2', arch: 'arm' },
  0x5064: { name: 'RISC-V 64-bit', arch: 'riscv64' },
  0x6264: { name: 'LoongArch 64-bit', arch: 'loong64' },
  0x8664: { name: 'x86-64', arch: 'x64' },
  0xa641: { name: 'ARM64EC', arch: 'arm64' },
  0xaa64: { name: 'Aarch64', arch: 'arm64' },
};

function parsePe(view: DataView, at: (offset: number, length: number) => DataView | undefined): BinaryHeader {
  if (view.byteLength < 0x40) return unknown(`truncated MZ/DOS header (${view.byteLength} bytes)`);
  const peOffset = view.getUint32(0x3c, true);
  if (peOffset < 4 || peOffset > MAX_PE_OFFSET) {
    return unknown(`MS-DOS executable, not a PE file (e_lfanew ${hex(peOffset, 8)} is out of range)`);
  }
  // Signature (4) + COFF file header (20) + optional header magic (2).
  const pe = at(peOffset, 26);
  if (!pe) {
    // A DOS stub without a PE header is a legitimate MS-DOS program, but also what a cut-off DLL looks like.
    const sig = at(peOffset, 4);
    if (sig && sig.getUint32(0, false) !== 0x50450000) return unknown('MS-DOS executable, not a PE file (no PE signature)');
    return unknown(`truncated PE file (header at ${hex(peOffset, 8)} is incomplete)`);
  }
  if (pe.getUint32(0, false) !== 0x50450000) return unknown('MS-DOS executable, not a PE file (no PE signature)');

  const machine = pe.getUint16(4, true);
  const optionalSize = pe.getUint16(20, true);
  const characteristics = pe.getUint16(22, true);
  let bits: 32 | 64 | undefined;
  if (optionalSize >= 2) {
    const magic = pe.getUint16(24, true);
    if (magic === 0x10b) bits = 32;
    else if (magic === 0x20b) bits = 64;
  }

  const known = PE_MACHINES[machine];
  const arch = known?.arch ?? unknownArch(machine);
  const machineName = known?.name ?? `unknown machine ${hex(machine, 4)}`;

  let kind: BinaryHeader['kind'];
  let typeName: string;
  if (characteristics & 0x2000) {
    kind = 'shared-library';
    typeName = 'DLL';
  } else if (characteristics & 0x0002) {
    kind = 'executable';
    typeName = 'executable';
  } else {
    kind = 'other';
    typeName = 'image';
  }
  const flavour = bits === 64 ? 'PE32+' : bits === 32 ? 'PE32' : 'PE';

  const header: BinaryHeader = {
    format: 'pe',
    arch,
    endianness: 'LE',
    kind,
    description: `${flavour} ${typeName}, ${machineName}`,
  };
  if (bits !== undefined) header.bits = bits;
  return header;
}

// ---------------------------------------------------------------------------------------------
// Mach-O

const CPU_ARCH_ABI64 = 0x01000000;

const MACHO_CPUS: Record<number, { name: string; arch: string }> = {
  7: { name: 'i386', arch: 'ia32' },
  [7 | CPU_ARCH_ABI64]: { name: 'x86_64', arch: 'x64' },
  12: { name: 'arm', arch: 'arm' },
  [12 | CPU_ARCH_ABI64]: { name: 'arm64', arch: 'arm64' },
  18: { name: 'ppc', arch: 'ppc' },
  [18 | CPU_ARCH_ABI64]: { name: 'ppc64', arch: 'ppc64' },
};

function machoCpu(cputype: number): { name: string; arch: string } {
  return MACHO_CPUS[cputype] ?? { name: `cputype ${hex(cputype, 8)}`, arch: unknownArch(cputype) };
}

function machoFileType(filetype: number): { kind: NonNullable<BinaryHeader['kind']>; name: string } {
  switch (filetype) {
    case 1:
      return { kind: 'relocatable', name: 'object' };
    case 2:
      return { kind: 'executable', name: 'executable' };
    case 6:
      return { kind: 'shared-library', name: 'dylib' };
    case 8:
      return { kind: 'shared-library', name: 'bundle' };
    default:
      return { kind: 'other', name: `file of type ${filetype}` };
  }
}

function parseMachO(view: DataView, le: boolean): BinaryHeader {
  const bits = (view.getUint8(le ? 0 : 3) & 1) === 1 ? 64 : 32;
  // magic, cputype, cpusubtype, filetype
  if (view.byteLength < 16) return unknown(`truncated Mach-O header (${view.byteLength} bytes)`);
  const cpu = machoCpu(view.getUint32(4, le));
  const file = machoFileType(view.getUint32(12, le));
  return {
    format: 'macho',
    bits,
    arch: cpu.arch,
    endianness: le ? 'LE' : 'BE',
    kind: file.kind,
    description: `Mach-O ${bits}-bit ${file.name}, ${cpu.name}`,
  };
}

function parseFat(view: DataView, is64: boolean, at: (offset: number, length: number) => DataView | undefined): BinaryHeader | undefined {
  if (view.byteLength < 8) return unknown(`truncated fat Mach-O header (${view.byteLength} bytes)`);
  const count = view.getUint32(4, false);
  if (count >= MAX_FAT_ARCHS) {
    // Returning undefined lets the generic fallback describe it; Java is the common case.
    return is64 ? undefined : unknown('Java class file (not a shared library)');
  }
  if (count === 0) return unknown('fat Mach-O header with no architectures');
  const entrySize = is64 ? 32 : 20;
  if (view.byteLength < 8 + count * entrySize) {
    return unknown(`truncated fat Mach-O header (${count} architectures, ${view.byteLength} bytes)`);
  }

  const names: string[] = [];
  const archs: string[] = [];
  for (let i = 0; i < count; i++) {
    const cpu = machoCpu(view.getUint32(8 + i * entrySize, false));
    names.push(cpu.name);
    archs.push(cpu.arch);
  }

  // All slices of a universal binary share a file type in practice, so the first slice speaks for all.
  const firstOffset = is64 ? Number(view.getBigUint64(8 + 8, false)) : view.getUint32(8 + 8, false);
  let file: ReturnType<typeof machoFileType> | undefined;
  const slice = Number.isSafeInteger(firstOffset) ? at(firstOffset, 16) : undefined;
  if (slice) {
    const m = slice.getUint32(0, false);
    const le = m === 0xcefaedfe || m === 0xcffaedfe;
    if (le || m === 0xfeedface || m === 0xfeedfacf) file = machoFileType(slice.getUint32(12, le));
  }

  const header: BinaryHeader = {
    format: 'macho-fat',
    archs,
    description: `Mach-O universal ${file?.name ?? 'binary'} with ${count} architecture${count === 1 ? '' : 's'}: ${names.join(', ')}`,
  };
  if (file) header.kind = file.kind;
  return header;
}

// ---------------------------------------------------------------------------------------------
// Everything else: say what it looks like, because "invalid ELF header" alone sends people hunting.

function describeUnknown(bytes: Uint8Array): BinaryHeader {
  const startsWith = (s: string): boolean => bytes.length >= s.length && [...s].every((c, i) => bytes[i] === c.charCodeAt(0));

  if (startsWith('!<arch>\n')) return unknown('not a shared library (static library archive, "ar" format)');
  if (startsWith('\x1f\x8b')) return unknown('not a shared library (gzip-compressed data)');
  if (startsWith('PK\x03\x04')) return unknown('not a shared library (zip archive)');
  if (startsWith('\0asm')) return unknown('not a shared library (WebAssembly module)');

  const text = asText(bytes);
  if (text !== undefined) {
    const firstLine =
      text
        .replace(/^\uFEFF/, '')
        .trimStart()
        .split(/\r?\n/, 1)[0] ?? '';
    const snippet = firstLine.length > 20 ? `${firstLine.slice(0, 20)}…` : firstLine;
    const quoted = JSON.stringify(snippet);
    // libc.so and friends in -dev packages are linker scripts; dlopen of them fails with "invalid ELF header".
    if (/GNU ld script|^\s*(?:\/\*[\s\S]*?\*\/\s*)*(?:GROUP|INPUT|OUTPUT_FORMAT)\s*\(/.test(text)) {
      return unknown(`not a shared library (GNU ld linker script, starts with ${quoted} text)`);
    }
    if (text.startsWith('version https://git-lfs')) {
      return unknown(`not a shared library (Git LFS pointer file, run "git lfs pull"; starts with ${quoted} text)`);
    }
    return unknown(`not a shared library (starts with ${quoted} text)`);
  }

  if (bytes.length < 4) return unknown(`too short (${bytes.length} byte${bytes.length === 1 ? '' : 's'})`);
  const first = [...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  return unknown(`not a recognised shared library format (first bytes ${first})`);
}

/** The bytes as text if they plausibly are text (valid UTF-8 without control characters). */
function asText(bytes: Uint8Array): string | undefined {
  const sample = bytes.subarray(0, 512);
  let text: string;
  try {
    // stream: true tolerates a multi-byte character cut off by the sample boundary.
    text = new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: true });
  } catch {
    return undefined;
  }
  if (text.trim().length === 0) return undefined;
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u0008\u000b\u000e-\u001f\u007f]/.test(text) ? undefined : text;
}

function hex(n: number, digits: number): string {
  return `0x${n.toString(16).padStart(digits, '0')}`;
}
