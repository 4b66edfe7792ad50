// Reads a PE (Windows DLL) file's export table and imported DLL names, without loading it.
import * as fs from 'node:fs';

import { LibraryLoadError, loadError } from '../../core/errors';

/** One named export of a DLL. */
export interface PeExport {
  readonly name: string;
  readonly ordinal: number;
  /** Code or data, judged by the section the address falls in. Forwarders are `'forwarder'`. */
  readonly type: 'function' | 'object' | 'forwarder';
  /** `OTHERDLL.Name` for a forwarded export. */
  readonly forwarder?: string;
}

/** A DLL's export directory and imports. */
export interface PeInfo {
  readonly bits: 32 | 64;
  /** The name the DLL was linked as (export directory Name). */
  readonly dllName?: string;
  /** Named exports, in the table's (sorted) order. */
  readonly exports: PeExport[];
  /** Exports reachable only by ordinal. */
  readonly ordinalOnly: number;
  /** DLLs named in the import directory, in order. */
  readonly imports: string[];
  /** DLLs loaded on first use (delay-load directory). */
  readonly delayImports: string[];
}

interface Section {
  readonly va: number;
  readonly vsize: number;
  readonly raw: number;
  readonly rawSize: number;
  readonly flags: number;
}

const IMAGE_SCN_MEM_EXECUTE = 0x20000000;
const MAX_ENTRIES = 1 << 20;

function malformed(file: string, what: string): LibraryLoadError {
  return loadError('bad-format', file, `Cannot read ${file}: malformed PE file, ${what}.`, [
    'Check that the file is complete (not truncated by a download or copy).',
  ]);
}

/**
 * Reads the export directory (names, ordinals, forwarders) and the import and delay-import
 * directories of a PE image. Never runs or maps the file.
 * @throws {LibraryLoadError} reason `'bad-format'` when the file is not PE or is malformed.
 */
export function readPeExports(file: string): PeInfo {
  const b = fs.readFileSync(file);
  const u16 = (at: number): number => {
    if (at < 0 || at + 2 > b.length) throw malformed(file, `offset ${at} lies outside the file`);
    return b.readUInt16LE(at);
  };
  const u32 = (at: number): number => {
    if (at < 0 || at + 4 > b.length) throw malformed(file, `offset ${at} lies outside the file`);
    return b.readUInt32LE(at);
  };
  if (b.length < 0x40 || u16(0) !== 0x5a4d) throw malformed(file, 'no MZ header');
  const pe = u32(0x3c);
  if (u32(pe) !== 0x00004550) throw malformed(file, 'no PE signature');
  const nsections = u16(pe + 6);
  const optSize = u16(pe + 20);
  const opt = pe + 24;
  const magic = u16(opt);
  if (magic !== 0x10b && magic !== 0x20b) throw malformed(file, `unknown optional header magic 0x${magic.toString(16)}`);
  const is64 = magic === 0x20b;
  const ndirs = u32(opt + (is64 ? 108 : 92));
  const dirs = opt + (is64 ? 112 : 96);
  const dir = (i: number): { rva: number; size: number } =>
    i < ndirs ? { rva: u32(dirs + i * 8), size: u32(dirs + i * 8 + 4) } : { rva: 0, size: 0 };

  const sections: Section[] = [];
  const table = opt + optSize;
  for (let i = 0; i < nsections; i++) {
    const at = table + i * 40;
    sections.push({ vsize: u32(at + 8), va: u32(at + 12), rawSize: u32(at + 16), raw: u32(at + 20), flags: u32(at + 36) });
  }
  const sectionOf = (rva: number): Section | undefined => sections.find((s) => rva >= s.va && rva < s.va + Math.max(s.vsize, s.rawSize));
  const offset = (rva: number, what: string): number => {
    const s = sectionOf(rva);
    if (!s || rva - s.va >= s.rawSize) throw malformed(file, `${what} (RVA 0x${rva.toString(16)}) is not in any section`);
    return rva - s.va + s.raw;
  };
  const str = (rva: number, what: string): string => {
    const at = offset(rva, what);
    const end = b.indexOf(0, at);
    return b.toString('latin1', at, end < 0 ? b.length : end);
  };

  const exports: PeExport[] = [];
  let dllName: string | undefined;
  let ordinalOnly = 0;
  const exp = dir(0);
  if (exp.rva !== 0 && exp.size !== 0) {
    const e = offset(exp.rva, 'the export directory');
    dllName = str(u32(e + 12), 'the DLL name');
    const base = u32(e + 16);
    const nfuncs = u32(e + 20);
    const nnames = u32(e + 24);
    if (nfuncs > MAX_ENTRIES || nnames > MAX_ENTRIES) throw malformed(file, 'implausible export counts');
    const funcs = offset(u32(e + 28), 'the export address table');
    const names = nnames ? offset(u32(e + 32), 'the export name table') : 0;
    const ords = nnames ? offset(u32(e + 36), 'the export ordinal table') : 0;
    const named = new Set<number>();
    for (let i = 0; i < nnames; i++) {
      const index = u16(ords + i * 2);
      named.add(index);
      const rva = u32(funcs + index * 4);
      const name = str(u32(names + i * 4), 'an export name');
      // An address inside the export directory itself is a forwarder string, not code.
      if (rva >= exp.rva && rva < exp.rva + exp.size) {
        exports.push({ name, ordinal: base + index, type: 'forwarder', forwarder: str(rva, 'a forwarder') });
      } else {
        const s = sectionOf(rva);
        exports.push({ name, ordinal: base + index, type: s && s.flags & IMAGE_SCN_MEM_EXECUTE ? 'function' : 'object' });
      }
    }
    for (let i = 0; i < nfuncs; i++) if (!named.has(i) && u32(funcs + i * 4) !== 0) ordinalOnly++;
  }

  const imports: string[] = [];
  const imp = dir(1);
  if (imp.rva !== 0 && imp.size !== 0) {
    const start = offset(imp.rva, 'the import directory');
    for (let i = 0; i < MAX_ENTRIES; i++) {
      const at = start + i * 20;
      if (u32(at) === 0 && u32(at + 12) === 0 && u32(at + 16) === 0) break;
      imports.push(str(u32(at + 12), 'an imported DLL name'));
    }
  }
  const delayImports: string[] = [];
  const delay = dir(13);
  if (delay.rva !== 0 && delay.size !== 0) {
    const start = offset(delay.rva, 'the delay-import directory');
    for (let i = 0; i < MAX_ENTRIES; i++) {
      const at = start + i * 32;
      const nameRva = u32(at + 4);
      if (nameRva === 0) break;
      delayImports.push(str(nameRva, 'a delay-loaded DLL name'));
    }
  }
  return { bits: is64 ? 64 : 32, ...(dllName !== undefined ? { dllName } : {}), exports, ordinalOnly, imports, delayImports };
}
