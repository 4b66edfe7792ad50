// Low-level ELF reading shared by elf-symbols.ts: bounds-checked reads, constants, and the dynamic segment for section-less files.
import * as fs from 'node:fs';

import { LibraryLoadError, loadError } from '../../core/errors';

export const SHT_DYNAMIC = 6;
export const SHT_NOBITS = 8;
export const SHT_DYNSYM = 11;
export const SHT_GNU_VERDEF = 0x6ffffffd;
export const SHT_GNU_VERNEED = 0x6ffffffe;
export const SHT_GNU_VERSYM = 0x6fffffff;
export const PT_LOAD = 1;
export const PT_DYNAMIC = 2;
export const DT_NEEDED = 1;
export const DT_HASH = 4;
export const DT_STRTAB = 5;
export const DT_SYMTAB = 6;
export const DT_STRSZ = 10;
export const DT_SONAME = 14;
export const DT_RPATH = 15;
export const DT_RUNPATH = 29;
export const DT_GNU_HASH = 0x6ffffef5;
export const DT_VERSYM = 0x6ffffff0;
export const DT_VERDEF = 0x6ffffffc;
export const DT_VERDEFNUM = 0x6ffffffd;
export const DT_VERNEED = 0x6ffffffe;
export const DT_VERNEEDNUM = 0x6fffffff;
// Far above any real library; bounds loops over attacker- or garbage-controlled counts.
export const MAX_ENTRIES = 1 << 22;

/** Positioned, bounds-checked reads from an open file. */
export class Reader {
  constructor(
    private readonly fd: number,
    readonly size: number,
    readonly file: string,
    readonly le: boolean,
    readonly is64: boolean,
  ) {}

  bytes(offset: number, length: number, what: string): Buffer {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > this.size) {
      throw malformed(this.file, `${what} lies outside the file (offset ${offset}, ${length} bytes, file is ${this.size} bytes)`);
    }
    const buf = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const n = fs.readSync(this.fd, buf, done, length - done, offset + done);
      if (n === 0) throw malformed(this.file, `${what} is truncated`);
      done += n;
    }
    return buf;
  }

  u16(b: Buffer, at: number): number {
    return this.le ? b.readUInt16LE(at) : b.readUInt16BE(at);
  }

  u32(b: Buffer, at: number): number {
    return this.le ? b.readUInt32LE(at) : b.readUInt32BE(at);
  }

  /** A 32- or 64-bit word (address, offset, size) by the file's class. */
  word(b: Buffer, at: number): number {
    if (!this.is64) return this.u32(b, at);
    const v = this.le ? b.readBigUInt64LE(at) : b.readBigUInt64BE(at);
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
  }

  /** A signed 64-bit (or 32-bit) dynamic tag. */
  tag(b: Buffer, at: number): number {
    if (!this.is64) return this.u32(b, at);
    const v = this.le ? b.readBigInt64LE(at) : b.readBigInt64BE(at);
    // Every tag this module looks for fits in 32 bits; anything larger is simply not one of them.
    return v > 0xffffffffn || v < 0n ? -1 : Number(v);
  }
}

export function malformed(file: string, what: string): LibraryLoadError {
  return loadError('bad-format', file, `Cannot read ${file}: malformed ELF file, ${what}.`, [
    'Check that the file is complete (not truncated by a download or copy).',
  ]);
}

export function cString(table: Buffer, offset: number): string {
  if (offset >= table.length) return '';
  const end = table.indexOf(0, offset);
  return table.toString('latin1', offset, end < 0 ? table.length : end);
}

export interface Section {
  readonly type: number;
  readonly addr: number;
  readonly offset: number;
  readonly size: number;
  readonly link: number;
  readonly info: number;
  readonly entsize: number;
}

export interface Tables {
  symtab?: { offset: number; count: number; entsize: number };
  strtab?: Buffer;
  dynamic?: { offset: number; size: number };
  versym?: number;
  verdef?: { offset: number; count: number };
  verneed?: { offset: number; count: number };
}

export function* dynamicEntries(r: Reader, dynamic: { offset: number; size: number }): Generator<[number, number]> {
  const entry = r.is64 ? 16 : 8;
  const count = Math.min(Math.floor(dynamic.size / entry), MAX_ENTRIES);
  const b = r.bytes(dynamic.offset, count * entry, 'the dynamic section');
  for (let i = 0; i < count; i++) {
    const tag = r.tag(b, i * entry);
    if (tag === 0) return;
    yield [tag, r.word(b, i * entry + entry / 2)];
  }
}

/** Section-less files (sstrip'ed): find the tables through PT_DYNAMIC and map addresses to offsets with PT_LOAD. */
export function fromDynamicSegment(r: Reader, phoff: number, phentsize: number, phnum: number, tables: Tables): void {
  if (phoff === 0 || phnum === 0) return;
  const ph = r.bytes(phoff, phnum * phentsize, 'the program header table');
  const loads: Array<{ vaddr: number; offset: number; filesz: number }> = [];
  for (let i = 0; i < phnum; i++) {
    const at = i * phentsize;
    const type = r.u32(ph, at);
    const offset = r.is64 ? r.word(ph, at + 8) : r.u32(ph, at + 4);
    const vaddr = r.is64 ? r.word(ph, at + 16) : r.u32(ph, at + 8);
    const filesz = r.is64 ? r.word(ph, at + 32) : r.u32(ph, at + 16);
    if (type === PT_LOAD) loads.push({ vaddr, offset, filesz });
    if (type === PT_DYNAMIC) tables.dynamic = { offset, size: filesz };
  }
  if (!tables.dynamic) return;
  const toOffset = (addr: number): number | undefined => {
    const seg = loads.find((l) => addr >= l.vaddr && addr < l.vaddr + l.filesz);
    return seg ? addr - seg.vaddr + seg.offset : undefined;
  };
  const d = new Map<number, number>();
  for (const [tag, val] of dynamicEntries(r, tables.dynamic)) if (!d.has(tag)) d.set(tag, val);
  const strAddr = d.get(DT_STRTAB);
  const strOff = strAddr !== undefined ? toOffset(strAddr) : undefined;
  if (strOff !== undefined) tables.strtab = r.bytes(strOff, Math.min(d.get(DT_STRSZ) ?? 0, r.size - strOff), 'the dynamic string table');
  const symAddr = d.get(DT_SYMTAB);
  const symOff = symAddr !== undefined ? toOffset(symAddr) : undefined;
  if (symOff !== undefined) {
    const count = symbolCount(r, d, toOffset);
    if (count !== undefined) tables.symtab = { offset: symOff, count, entsize: r.is64 ? 24 : 16 };
  }
  const at = (tag: number): number | undefined => {
    const v = d.get(tag);
    return v === undefined ? undefined : toOffset(v);
  };
  const versym = at(DT_VERSYM);
  if (versym !== undefined) tables.versym = versym;
  const verdef = at(DT_VERDEF);
  if (verdef !== undefined) tables.verdef = { offset: verdef, count: d.get(DT_VERDEFNUM) ?? 0 };
  const verneed = at(DT_VERNEED);
  if (verneed !== undefined) tables.verneed = { offset: verneed, count: d.get(DT_VERNEEDNUM) ?? 0 };
}

/** The number of dynamic symbols: DT_HASH states it; DT_GNU_HASH needs a walk to the last chain's end. */
function symbolCount(r: Reader, d: Map<number, number>, toOffset: (a: number) => number | undefined): number | undefined {
  const hashAddr = d.get(DT_HASH);
  const hashOff = hashAddr !== undefined ? toOffset(hashAddr) : undefined;
  if (hashOff !== undefined) return r.u32(r.bytes(hashOff, 8, 'DT_HASH'), 4);
  const gnuAddr = d.get(DT_GNU_HASH);
  const gnuOff = gnuAddr !== undefined ? toOffset(gnuAddr) : undefined;
  if (gnuOff === undefined) return undefined;
  const head = r.bytes(gnuOff, 16, 'DT_GNU_HASH');
  const nbuckets = r.u32(head, 0);
  const symoffset = r.u32(head, 4);
  const bloomSize = r.u32(head, 8);
  if (nbuckets > MAX_ENTRIES || bloomSize > MAX_ENTRIES) throw malformed(r.file, 'implausible DT_GNU_HASH table');
  const bucketsOff = gnuOff + 16 + bloomSize * (r.is64 ? 8 : 4);
  const buckets = r.bytes(bucketsOff, nbuckets * 4, 'DT_GNU_HASH buckets');
  let last = 0;
  for (let i = 0; i < nbuckets; i++) last = Math.max(last, r.u32(buckets, i * 4));
  if (last < symoffset) return symoffset;
  // The last chain ends at the entry with bit 0 set; read it in blocks rather than 4 bytes at a time.
  let at = bucketsOff + nbuckets * 4 + (last - symoffset) * 4;
  while (at < r.size && last < MAX_ENTRIES) {
    const block = r.bytes(at, Math.min(4096, r.size - at) & ~3, 'DT_GNU_HASH chain');
    for (let i = 0; i + 4 <= block.length; i += 4, last++) if ((r.u32(block, i) & 1) === 1) return last + 1;
    if (block.length === 0) break;
    at += block.length;
  }
  throw malformed(r.file, 'unterminated DT_GNU_HASH chain');
}
