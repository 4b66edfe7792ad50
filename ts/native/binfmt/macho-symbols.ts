// Reads a Mach-O dylib's exports, install name, needed dylibs and minimum OS version, without loading it.
import * as fs from 'node:fs';

import {
  CPUS,
  DYLIB_COMMANDS,
  EXPORT_KIND_ABSOLUTE,
  EXPORT_KIND_MASK,
  EXPORT_KIND_THREAD_LOCAL,
  EXPORT_REEXPORT,
  EXPORT_STUB_AND_RESOLVER,
  EXPORT_WEAK_DEFINITION,
  FAT_MAGIC,
  FAT_MAGIC_64,
  FILE_TYPES,
  Image,
  LC_BUILD_VERSION,
  LC_CODE_SIGNATURE,
  LC_DYLD_EXPORTS_TRIE,
  LC_DYLD_INFO,
  LC_DYLD_INFO_ONLY,
  LC_ID_DYLIB,
  LC_RPATH,
  LC_SEGMENT,
  LC_SEGMENT_64,
  LC_SYMTAB,
  LC_UUID,
  LC_VERSION_MIN_IPHONEOS,
  LC_VERSION_MIN_MACOSX,
  MAX_ENTRIES,
  MAX_SLICES,
  MH_MAGIC,
  MH_MAGIC_64,
  N_EXT,
  N_SECT,
  N_STAB,
  N_TYPE,
  N_UNDF,
  N_WEAK_DEF,
  PLATFORMS,
  S_ATTR_PURE_INSTRUCTIONS,
  S_ATTR_SOME_INSTRUCTIONS,
  type Segment,
  malformed,
  version,
} from './macho-reader';

/** One symbol a Mach-O image exports. */
export interface MachOExport {
  /** The C name: the Mach-O leading underscore removed (`_add` → `add`; C++ `__Z3addii` → `_Z3addii`). */
  readonly name: string;
  /** Code or data, judged by the section the address falls in; re-exports are `'reexport'`. */
  readonly type: 'function' | 'object' | 'tls' | 'absolute' | 'reexport';
  /** A weak definition (another image may supply the symbol instead). */
  readonly weak: boolean;
  /** Re-exports: `<dylib>:<symbol>` it forwards to. */
  readonly forwarder?: string;
}

/** What the load commands and the export trie of one Mach-O image say. */
export interface MachOInfo {
  readonly bits: 32 | 64;
  /** `process.arch` vocabulary (`'x64'`, `'arm64'`), or `unknown(<cputype>)`. */
  readonly arch: string;
  /** `'dylib'`, `'bundle'`, `'executable'`, ... */
  readonly fileType: string;
  /** LC_ID_DYLIB: the name the image is recorded under in what links against it (`@rpath/libfoo.dylib`). */
  readonly installName?: string;
  /** LC_LOAD_DYLIB and its weak, re-export, lazy and upward variants, in order. */
  readonly needed: string[];
  /** LC_RPATH entries. */
  readonly rpaths: string[];
  /** The platform the image was built for (`'macos'`, `'ios'`, ...), from LC_BUILD_VERSION or LC_VERSION_MIN_*. */
  readonly platform?: string;
  /** The oldest OS version that loads it (`'11.0'`). */
  readonly minOs?: string;
  /** The SDK version it was built with (`'0.0'` when the linker recorded none). */
  readonly sdk?: string;
  /** LC_UUID as 32 hex digits. */
  readonly uuid?: string;
  /** Whether it carries a code signature (LC_CODE_SIGNATURE): arm64 macOS refuses to run unsigned code. */
  readonly signed: boolean;
  /** Exported symbols, sorted by name. */
  readonly exports: MachOExport[];
  /** Where the exports came from: the dyld export trie, or the symbol table when there is no trie. */
  readonly exportsFrom: 'export trie' | 'symbol table';
  /** Undefined external symbols the image imports (from the symbol table; 0 when stripped of it). */
  readonly imports: number;
  /** Fat files: the architecture of every slice; this info describes the one matching `arch` (or the first). */
  readonly slices?: string[];
}

/** Walks the export trie at [off, off + size): every terminal node is one exported name. */
function exportTrie(img: Image, off: number, size: number, base: number, segments: Segment[]): MachOExport[] {
  const end = off + size;
  img.check(off, size, 'the export trie');
  const out: MachOExport[] = [];
  const visited = new Set<number>();
  const stack: [number, string][] = [[0, '']];
  while (stack.length) {
    const [node, prefix] = stack.pop() as [number, string];
    // A node reached twice would make the walk loop forever (or explode) on a corrupt trie.
    if (visited.has(node)) throw malformed(img.file, `the export trie revisits node ${node}`);
    visited.add(node);
    if (visited.size > MAX_ENTRIES) throw malformed(img.file, 'the export trie is implausibly large');
    let at = off + node;
    const [terminal, afterSize] = img.uleb(at, end, 'an export trie node');
    at = afterSize;
    if (terminal > 0) {
      const infoEnd = at + terminal;
      if (infoEnd > end) throw malformed(img.file, 'an export trie node runs past the trie');
      const [flags, p] = img.uleb(at, infoEnd, 'export flags');
      const name = prefix.startsWith('_') ? prefix.slice(1) : prefix;
      const weak = (flags & EXPORT_WEAK_DEFINITION) !== 0;
      if (flags & EXPORT_REEXPORT) {
        const [ordinal, q] = img.uleb(p, infoEnd, 'a re-export ordinal');
        const imported = img.cstring(q, infoEnd, 'a re-exported name');
        out.push({ name, type: 'reexport', weak, forwarder: `${ordinal}:${imported || prefix}` });
      } else {
        const [address] = img.uleb(p, infoEnd, 'an export address');
        const kind = flags & EXPORT_KIND_MASK;
        let type: MachOExport['type'];
        if (kind === EXPORT_KIND_THREAD_LOCAL) type = 'tls';
        else if (kind === EXPORT_KIND_ABSOLUTE) type = 'absolute';
        else type = flags & EXPORT_STUB_AND_RESOLVER || isCode(base + address, segments) ? 'function' : 'object';
        out.push({ name, type, weak });
      }
      at = infoEnd;
    }
    const children = img.u8(at, 'an export trie child count');
    at += 1;
    for (let i = 0; i < children; i++) {
      const label = img.cstring(at, end, 'an export trie edge');
      at += Buffer.byteLength(label, 'utf8') + 1;
      const [child, next] = img.uleb(at, end, 'an export trie edge offset');
      at = next;
      if (child >= size) throw malformed(img.file, `an export trie edge points outside the trie (${child})`);
      stack.push([child, prefix + label]);
    }
  }
  return out;
}

function isCode(address: number, segments: Segment[]): boolean {
  for (const seg of segments) {
    for (const s of seg.sections) {
      if (address >= s.addr && address < s.addr + s.size) {
        return (s.flags & (S_ATTR_PURE_INSTRUCTIONS | S_ATTR_SOME_INSTRUCTIONS)) !== 0;
      }
    }
  }
  return false;
}

/** External symbols from LC_SYMTAB: defined ones as exports (when there is no trie), undefined ones counted. */
function symbolTable(
  img: Image,
  is64: boolean,
  symtab: { symoff: number; nsyms: number; stroff: number; strsize: number },
  segments: Segment[],
): { exports: MachOExport[]; imports: number } {
  const entry = is64 ? 16 : 12;
  if (symtab.nsyms > MAX_ENTRIES) throw malformed(img.file, 'implausible symbol count');
  img.check(symtab.symoff, symtab.nsyms * entry, 'the symbol table');
  img.check(symtab.stroff, symtab.strsize, 'the string table');
  const exports: MachOExport[] = [];
  let imports = 0;
  for (let i = 0; i < symtab.nsyms; i++) {
    const at = symtab.symoff + i * entry;
    const strx = img.u32(at, 'a symbol name index');
    const type = img.u8(at + 4, 'a symbol type');
    const desc = img.le ? img.b.readUInt16LE(img.check(at + 6, 2, 'a symbol')) : img.b.readUInt16BE(img.check(at + 6, 2, 'a symbol'));
    const value = is64 ? img.u64(at + 8, 'a symbol value') : img.u32(at + 8, 'a symbol value');
    if (type & N_STAB || !(type & N_EXT)) continue;
    if ((type & N_TYPE) === N_UNDF) {
      imports++;
      continue;
    }
    if ((type & N_TYPE) !== N_SECT || strx >= symtab.strsize) continue;
    const raw = img.cstring(symtab.stroff + strx, symtab.stroff + symtab.strsize, 'a symbol name');
    exports.push({
      name: raw.startsWith('_') ? raw.slice(1) : raw,
      type: isCode(value, segments) ? 'function' : 'object',
      weak: (desc & N_WEAK_DEF) !== 0,
    });
  }
  return { exports, imports };
}

function parseImage(img: Image, slices?: string[]): MachOInfo {
  const magic = img.u32(0, 'the Mach-O header');
  const is64 = magic === MH_MAGIC_64;
  if (!is64 && magic !== MH_MAGIC) throw malformed(img.file, `no Mach-O magic (0x${magic.toString(16)})`);
  const cputype = img.u32(4, 'the CPU type');
  const filetype = img.u32(12, 'the file type');
  const ncmds = img.u32(16, 'the load command count');
  const sizeofcmds = img.u32(20, 'the load command size');
  const headerSize = is64 ? 32 : 28;
  if (ncmds > MAX_ENTRIES) throw malformed(img.file, 'implausible load command count');
  img.check(headerSize, sizeofcmds, 'the load commands');

  const needed: string[] = [];
  const rpaths: string[] = [];
  const segments: Segment[] = [];
  let installName: string | undefined;
  let platform: string | undefined;
  let minOs: string | undefined;
  let sdk: string | undefined;
  let uuid: string | undefined;
  let signed = false;
  let trie: { off: number; size: number } | undefined;
  let symtab: { symoff: number; nsyms: number; stroff: number; strsize: number } | undefined;
  let base: number | undefined;

  let at = headerSize;
  const cmdsEnd = headerSize + sizeofcmds;
  for (let i = 0; i < ncmds; i++) {
    const cmd = img.u32(at, 'a load command');
    const size = img.u32(at + 4, 'a load command size');
    if (size < 8 || at + size > cmdsEnd) throw malformed(img.file, `load command ${i} has a bad size (${size})`);
    const cmdEnd = at + size;
    const str = (field: number, what: string): string => {
      const offset = img.u32(at + field, what);
      if (offset >= size) throw malformed(img.file, `${what} points outside its load command`);
      return img.cstring(at + offset, cmdEnd, what);
    };
    if (cmd === LC_SEGMENT_64 || cmd === LC_SEGMENT) {
      const w = cmd === LC_SEGMENT_64;
      const vmaddr = w ? img.u64(at + 24, 'a segment address') : img.u32(at + 24, 'a segment address');
      const vmsize = w ? img.u64(at + 32, 'a segment size') : img.u32(at + 28, 'a segment size');
      const fileoff = w ? img.u64(at + 40, 'a segment offset') : img.u32(at + 32, 'a segment offset');
      const nsects = img.u32(at + (w ? 64 : 48), 'a section count');
      const sectSize = w ? 80 : 68;
      if ((w ? 72 : 56) + nsects * sectSize > size) throw malformed(img.file, 'a segment lists more sections than it holds');
      const sections = [];
      for (let s = 0; s < nsects; s++) {
        const sect = at + (w ? 72 : 56) + s * sectSize;
        sections.push({
          addr: w ? img.u64(sect + 32, 'a section address') : img.u32(sect + 32, 'a section address'),
          size: w ? img.u64(sect + 40, 'a section size') : img.u32(sect + 36, 'a section size'),
          flags: img.u32(sect + (w ? 64 : 56), 'section flags'),
        });
      }
      segments.push({ vmaddr, vmsize, sections });
      // The image base: the segment mapped from file offset 0 (__TEXT); export addresses are relative to it.
      if (fileoff === 0 && base === undefined && vmsize > 0) base = vmaddr;
    } else if (cmd === LC_ID_DYLIB) {
      installName = str(8, 'the install name');
    } else if (DYLIB_COMMANDS.has(cmd)) {
      needed.push(str(8, 'a dylib name'));
    } else if (cmd === LC_RPATH) {
      rpaths.push(str(8, 'an rpath'));
    } else if (cmd === LC_BUILD_VERSION) {
      const p = img.u32(at + 8, 'the build platform');
      platform = PLATFORMS[p] ?? `platform ${p}`;
      minOs = version(img.u32(at + 12, 'the minimum OS version'));
      sdk = version(img.u32(at + 16, 'the SDK version'));
    } else if (cmd === LC_VERSION_MIN_MACOSX || cmd === LC_VERSION_MIN_IPHONEOS) {
      platform = cmd === LC_VERSION_MIN_MACOSX ? 'macos' : 'ios';
      minOs = version(img.u32(at + 8, 'the minimum OS version'));
      sdk = version(img.u32(at + 12, 'the SDK version'));
    } else if (cmd === LC_CODE_SIGNATURE) {
      signed = true;
    } else if (cmd === LC_UUID) {
      uuid = img.b.toString('hex', img.check(at + 8, 16, 'the UUID'), img.start + at + 24);
    } else if (cmd === LC_DYLD_INFO || cmd === LC_DYLD_INFO_ONLY) {
      const size2 = img.u32(at + 44, 'the export info size');
      if (size2 > 0) trie = { off: img.u32(at + 40, 'the export info offset'), size: size2 };
    } else if (cmd === LC_DYLD_EXPORTS_TRIE) {
      const size2 = img.u32(at + 12, 'the export trie size');
      if (size2 > 0) trie = { off: img.u32(at + 8, 'the export trie offset'), size: size2 };
    } else if (cmd === LC_SYMTAB) {
      symtab = {
        symoff: img.u32(at + 8, 'the symbol table offset'),
        nsyms: img.u32(at + 12, 'the symbol count'),
        stroff: img.u32(at + 16, 'the string table offset'),
        strsize: img.u32(at + 20, 'the string table size'),
      };
    }
    at = cmdEnd;
  }

  const table = symtab ? symbolTable(img, is64, symtab, segments) : { exports: [], imports: 0 };
  const exports = trie ? exportTrie(img, trie.off, trie.size, base ?? 0, segments) : table.exports;
  exports.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    bits: is64 ? 64 : 32,
    arch: CPUS[cputype] ?? `unknown(${cputype})`,
    fileType: FILE_TYPES[filetype] ?? `file type ${filetype}`,
    ...(installName !== undefined ? { installName } : {}),
    needed,
    rpaths,
    ...(platform !== undefined ? { platform } : {}),
    ...(minOs !== undefined ? { minOs } : {}),
    ...(sdk !== undefined ? { sdk } : {}),
    ...(uuid !== undefined ? { uuid } : {}),
    signed,
    exports,
    exportsFrom: trie ? 'export trie' : 'symbol table',
    imports: table.imports,
    ...(slices ? { slices } : {}),
  };
}

/**
 * Reads a Mach-O image's load commands and exports: install name, needed dylibs, rpaths, the platform
 * and minimum OS version (LC_BUILD_VERSION / LC_VERSION_MIN_*), and every exported symbol from the
 * dyld export trie (LC_DYLD_INFO or LC_DYLD_EXPORTS_TRIE), or from the symbol table when there is none.
 * For a universal (fat) file it reads the slice for `arch`, else the first one. Never runs or maps the file.
 * @param arch - The slice to read from a fat file, in `process.arch` vocabulary; defaults to `process.arch`.
 * @throws {LibraryLoadError} reason `'bad-format'` when the file is not Mach-O or is malformed.
 */
export function readMachO(file: string, arch: string = process.arch): MachOInfo {
  const b = fs.readFileSync(file);
  if (b.length < 8) throw malformed(file, `the file is only ${b.length} bytes`);
  const be = b.readUInt32BE(0);
  if (be === FAT_MAGIC || be === FAT_MAGIC_64) {
    const count = b.readUInt32BE(4);
    if (count === 0 || count > MAX_SLICES) throw malformed(file, `implausible slice count ${count}`);
    const entry = be === FAT_MAGIC_64 ? 32 : 20;
    if (8 + count * entry > b.length) throw malformed(file, 'the fat header is truncated');
    const slices: { arch: string; offset: number; size: number }[] = [];
    for (let i = 0; i < count; i++) {
      const at = 8 + i * entry;
      const cpu = b.readUInt32BE(at);
      const offset = entry === 32 ? Number(b.readBigUInt64BE(at + 8)) : b.readUInt32BE(at + 8);
      const size = entry === 32 ? Number(b.readBigUInt64BE(at + 16)) : b.readUInt32BE(at + 12);
      if (!Number.isSafeInteger(offset + size) || offset + size > b.length) throw malformed(file, `slice ${i} lies outside the file`);
      slices.push({ arch: CPUS[cpu] ?? `unknown(${cpu})`, offset, size });
    }
    const slice = slices.find((s) => s.arch === arch) ?? (slices[0] as (typeof slices)[0]);
    const magic = slice.size >= 4 ? b.readUInt32LE(slice.offset) : 0;
    return parseImage(
      new Image(b, slice.offset, slice.offset + slice.size, magic === MH_MAGIC || magic === MH_MAGIC_64, file),
      slices.map((s) => s.arch),
    );
  }
  const le = b.readUInt32LE(0);
  if (le === MH_MAGIC || le === MH_MAGIC_64) return parseImage(new Image(b, 0, b.length, true, file));
  if (be === MH_MAGIC || be === MH_MAGIC_64) return parseImage(new Image(b, 0, b.length, false, file));
  throw malformed(file, 'no Mach-O magic number');
}
