// Reads an ELF shared object's dynamic symbols, DT_NEEDED libraries and symbol versions, without loading it.
import * as fs from 'node:fs';

import {
  DT_NEEDED,
  DT_RPATH,
  DT_RUNPATH,
  DT_SONAME,
  MAX_ENTRIES,
  SHT_DYNAMIC,
  SHT_DYNSYM,
  SHT_GNU_VERDEF,
  SHT_GNU_VERNEED,
  SHT_GNU_VERSYM,
  SHT_NOBITS,
  cString,
  dynamicEntries,
  fromDynamicSegment,
  malformed,
  Reader,
  type Section,
  type Tables,
} from './elf-reader';

/** One symbol of the dynamic symbol table. */
export interface ElfSymbol {
  readonly name: string;
  readonly type: 'function' | 'object' | 'tls' | 'ifunc' | 'other';
  readonly binding: 'global' | 'weak' | 'unique';
  /** Size in bytes as recorded (0 when unknown). */
  readonly size: number;
  /** Symbol version (`GLIBC_2.2.5`), when the library uses versioning. */
  readonly version?: string;
  /** `false` for a non-default version (`name@VER`, not `name@@VER`). */
  readonly defaultVersion?: boolean;
}

/** What `ld.so` needs to know about a shared object, as read from its dynamic section. */
export interface ElfDynamicInfo {
  readonly bits: 32 | 64;
  readonly endianness: 'LE' | 'BE';
  /** DT_SONAME. */
  readonly soname?: string;
  /** DT_NEEDED entries, in order. */
  readonly needed: string[];
  /** DT_RUNPATH (or the older DT_RPATH) entries. */
  readonly runpath: string[];
  /** Defined global/weak symbols with default or protected visibility: what dlsym can find. */
  readonly exports: ElfSymbol[];
  /** Undefined symbols: what the library expects its dependencies to provide. */
  readonly imports: ElfSymbol[];
  /** Version requirements per needed file (`libc.so.6` → `['GLIBC_2.2.5', 'GLIBC_2.34']`). */
  readonly versionNeeds: Array<{ readonly file: string; readonly versions: string[] }>;
  /** How the tables were found: section headers, or the dynamic segment when sections are stripped. */
  readonly via: 'sections' | 'dynamic-segment';
}

/**
 * Reads the dynamic symbol table, DT_NEEDED, DT_SONAME, DT_RUNPATH and the GNU symbol versions of
 * an ELF file. Uses the section headers, or the dynamic segment when the sections were stripped.
 * Never runs or maps the file.
 * @throws {LibraryLoadError} reason `'bad-format'` when the file is not ELF or is malformed.
 */
export function readElfDynamic(file: string): ElfDynamicInfo {
  return withElfReader(file, parse);
}

/** Opens `file`, checks its ELF identification, and runs `read` over it; the file is always closed. */
function withElfReader<T>(file: string, read: (r: Reader) => T): T {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const ident = Buffer.alloc(Math.min(64, size));
    fs.readSync(fd, ident, 0, ident.length, 0);
    if (ident.length < 52 || ident.readUInt32BE(0) !== 0x7f454c46) throw malformed(file, 'no ELF header');
    const cls = ident[4];
    const data = ident[5];
    if ((cls !== 1 && cls !== 2) || (data !== 1 && data !== 2)) throw malformed(file, 'invalid class or data encoding');
    const r = new Reader(fd, size, file, data === 1, cls === 2);
    return read(r);
  } finally {
    fs.closeSync(fd);
  }
}

function parse(r: Reader): ElfDynamicInfo {
  const h = r.bytes(0, r.is64 ? 64 : 52, 'the ELF header');
  const phoff = r.word(h, r.is64 ? 0x20 : 0x1c);
  const shoff = r.word(h, r.is64 ? 0x28 : 0x20);
  const phentsize = r.u16(h, r.is64 ? 0x36 : 0x2a);
  const phnum = r.u16(h, r.is64 ? 0x38 : 0x2c);
  const shentsize = r.u16(h, r.is64 ? 0x3a : 0x2e);
  let shnum = r.u16(h, r.is64 ? 0x3c : 0x30);

  let sections: Section[] = [];
  if (shoff !== 0 && shentsize >= (r.is64 ? 64 : 40)) {
    // Extended numbering: more than 0xff00 sections keep the real count in section 0's sh_size.
    if (shnum === 0) shnum = readSection(r, r.bytes(shoff, shentsize, 'section header 0'), 0).size;
    if (shnum > MAX_ENTRIES) throw malformed(r.file, `implausible section count ${shnum}`);
    const all = r.bytes(shoff, shnum * shentsize, 'the section header table');
    sections = Array.from({ length: shnum }, (_, i) => readSection(r, all, i * shentsize));
  }

  const tables: Tables = {};
  let via: ElfDynamicInfo['via'] = 'sections';
  const dynsym = sections.find((s) => s.type === SHT_DYNSYM);
  if (dynsym && dynsym.entsize > 0) {
    const strSection = sections[dynsym.link];
    if (strSection && strSection.type !== SHT_NOBITS)
      tables.strtab = r.bytes(strSection.offset, strSection.size, 'the dynamic string table');
    tables.symtab = { offset: dynsym.offset, count: Math.floor(dynsym.size / dynsym.entsize), entsize: dynsym.entsize };
    const dyn = sections.find((s) => s.type === SHT_DYNAMIC);
    if (dyn) tables.dynamic = { offset: dyn.offset, size: dyn.size };
    const versym = sections.find((s) => s.type === SHT_GNU_VERSYM);
    if (versym) tables.versym = versym.offset;
    const verdef = sections.find((s) => s.type === SHT_GNU_VERDEF);
    if (verdef) tables.verdef = { offset: verdef.offset, count: verdef.info };
    const verneed = sections.find((s) => s.type === SHT_GNU_VERNEED);
    if (verneed) tables.verneed = { offset: verneed.offset, count: verneed.info };
  } else {
    via = 'dynamic-segment';
    fromDynamicSegment(r, phoff, phentsize, phnum, tables);
  }

  const strtab = tables.strtab ?? Buffer.alloc(0);
  const needed: string[] = [];
  const runpath: string[] = [];
  let soname: string | undefined;
  if (tables.dynamic) {
    for (const [tag, val] of dynamicEntries(r, tables.dynamic)) {
      if (tag === DT_NEEDED) needed.push(cString(strtab, val));
      else if (tag === DT_SONAME) soname = cString(strtab, val);
      else if (tag === DT_RUNPATH || tag === DT_RPATH) runpath.push(...cString(strtab, val).split(':').filter(Boolean));
    }
  }

  const versionNames = new Map<number, string>();
  const versionNeeds = readVerneed(r, tables.verneed, strtab, versionNames);
  readVerdef(r, tables.verdef, strtab, versionNames);

  const exports: ElfSymbol[] = [];
  const imports: ElfSymbol[] = [];
  if (tables.symtab) {
    const { offset, count, entsize } = tables.symtab;
    if (count > MAX_ENTRIES) throw malformed(r.file, `implausible symbol count ${count}`);
    const syms = r.bytes(offset, count * entsize, 'the dynamic symbol table');
    const versym = tables.versym !== undefined ? r.bytes(tables.versym, count * 2, 'the symbol version table') : undefined;
    // Index 0 is the reserved null symbol.
    for (let i = 1; i < count; i++) {
      const at = i * entsize;
      const nameOff = r.u32(syms, at);
      const info = r.is64 ? (syms[at + 4] as number) : (syms[at + 12] as number);
      const other = r.is64 ? (syms[at + 5] as number) : (syms[at + 13] as number);
      const shndx = r.u16(syms, r.is64 ? at + 6 : at + 14);
      const symSize = r.is64 ? r.word(syms, at + 16) : r.u32(syms, at + 8);
      const bind = info >> 4;
      const type = info & 0xf;
      const visibility = other & 0x3;
      const name = cString(strtab, nameOff);
      if (name === '' || bind === 0 /* LOCAL */) continue;
      const binding: ElfSymbol['binding'] = bind === 2 ? 'weak' : bind === 10 ? 'unique' : 'global';
      const kind: ElfSymbol['type'] =
        type === 2 ? 'function' : type === 1 ? 'object' : type === 6 ? 'tls' : type === 10 ? 'ifunc' : type === 5 ? 'object' : 'other';
      let version: string | undefined;
      let defaultVersion: boolean | undefined;
      if (versym) {
        const v = r.u16(versym, i * 2);
        const index = v & 0x7fff;
        // 0 = local, 1 = global (unversioned): no name to show.
        if (index > 1) {
          version = versionNames.get(index);
          defaultVersion = (v & 0x8000) === 0;
        }
      }
      const symbol: ElfSymbol = {
        name,
        type: kind,
        binding,
        size: symSize,
        ...(version !== undefined ? { version, defaultVersion: defaultVersion as boolean } : {}),
      };
      if (shndx === 0 /* SHN_UNDEF */) imports.push(symbol);
      // Hidden and internal symbols are not visible to dlsym even when they are in .dynsym.
      else if (visibility === 0 || visibility === 3) exports.push(symbol);
    }
  }
  return {
    bits: r.is64 ? 64 : 32,
    endianness: r.le ? 'LE' : 'BE',
    ...(soname !== undefined ? { soname } : {}),
    needed,
    runpath,
    exports,
    imports,
    versionNeeds,
    via,
  };
}

function readSection(r: Reader, b: Buffer, at: number): Section {
  return r.is64
    ? {
        type: r.u32(b, at + 4),
        addr: r.word(b, at + 16),
        offset: r.word(b, at + 24),
        size: r.word(b, at + 32),
        link: r.u32(b, at + 40),
        info: r.u32(b, at + 44),
        entsize: r.word(b, at + 56),
      }
    : {
        type: r.u32(b, at + 4),
        addr: r.u32(b, at + 12),
        offset: r.u32(b, at + 16),
        size: r.u32(b, at + 20),
        link: r.u32(b, at + 24),
        info: r.u32(b, at + 28),
        entsize: r.u32(b, at + 36),
      };
}

function readVerneed(
  r: Reader,
  verneed: Tables['verneed'],
  strtab: Buffer,
  names: Map<number, string>,
): Array<{ file: string; versions: string[] }> {
  const out: Array<{ file: string; versions: string[] }> = [];
  if (!verneed) return out;
  let at = verneed.offset;
  for (let i = 0; i < Math.min(verneed.count, 4096); i++) {
    const vn = r.bytes(at, 16, 'a version requirement');
    const cnt = r.u16(vn, 2);
    const file = cString(strtab, r.u32(vn, 4));
    const versions: string[] = [];
    let aux = at + r.u32(vn, 8);
    for (let j = 0; j < Math.min(cnt, 4096); j++) {
      const a = r.bytes(aux, 16, 'a version requirement entry');
      const name = cString(strtab, r.u32(a, 8));
      names.set(r.u16(a, 6) & 0x7fff, name);
      versions.push(name);
      const next = r.u32(a, 12);
      if (next === 0) break;
      aux += next;
    }
    out.push({ file, versions });
    const next = r.u32(vn, 12);
    if (next === 0) break;
    at += next;
  }
  return out;
}

function readVerdef(r: Reader, verdef: Tables['verdef'], strtab: Buffer, names: Map<number, string>): void {
  if (!verdef) return;
  let at = verdef.offset;
  for (let i = 0; i < Math.min(verdef.count, 4096); i++) {
    const vd = r.bytes(at, 20, 'a version definition');
    const flags = r.u16(vd, 2);
    const ndx = r.u16(vd, 4);
    const aux = r.u32(vd, 12);
    // VER_FLG_BASE names the file itself, not a version symbols carry.
    if ((flags & 1) === 0 && r.u16(vd, 6) > 0) names.set(ndx, cString(strtab, r.u32(r.bytes(at + aux, 8, 'a version definition name'), 0)));
    const next = r.u32(vd, 16);
    if (next === 0) break;
    at += next;
  }
}

/**
 * The newest `GLIBC_x.y` version a library needs, or `undefined` when it needs none: a system whose
 * glibc is older cannot load it.
 */
export function requiredGlibc(info: ElfDynamicInfo): string | undefined {
  let best: number[] | undefined;
  for (const need of info.versionNeeds) {
    for (const v of need.versions) {
      const m = /^GLIBC_(\d+(?:\.\d+)*)$/.exec(v);
      if (!m) continue;
      const parts = (m[1] as string).split('.').map(Number);
      if (!best || compare(parts, best) > 0) best = parts;
    }
  }
  return best?.join('.');
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

const PT_INTERP = 3;

/**
 * The program interpreter (PT_INTERP) an ELF executable names, such as `/lib64/ld-linux-x86-64.so.2`
 * (glibc) or `/lib/ld-musl-x86_64.so.1` (musl); `undefined` for static executables and shared
 * libraries without one. Reads only the ELF header and the program headers.
 * @throws {LibraryLoadError} reason `'bad-format'` when the file is not ELF or is malformed.
 */
export function readElfInterpreter(file: string): string | undefined {
  return withElfReader(file, (r) => {
    const h = r.bytes(0, r.is64 ? 64 : 52, 'the ELF header');
    const phoff = r.word(h, r.is64 ? 0x20 : 0x1c);
    const phentsize = r.u16(h, r.is64 ? 0x36 : 0x2a);
    const phnum = r.u16(h, r.is64 ? 0x38 : 0x2c);
    if (phoff === 0 || phnum === 0) return undefined;
    if (phentsize < (r.is64 ? 56 : 32)) throw malformed(file, `program header entries of ${phentsize} bytes`);
    const ph = r.bytes(phoff, phnum * phentsize, 'the program header table');
    for (let i = 0; i < phnum; i++) {
      const at = i * phentsize;
      if (r.u32(ph, at) !== PT_INTERP) continue;
      const offset = r.is64 ? r.word(ph, at + 8) : r.u32(ph, at + 4);
      const filesz = r.is64 ? r.word(ph, at + 32) : r.u32(ph, at + 16);
      if (filesz > 4096) throw malformed(file, `an interpreter path of ${filesz} bytes`);
      return cString(r.bytes(offset, filesz, 'the interpreter path'), 0);
    }
    return undefined;
  });
}
