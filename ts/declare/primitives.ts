// The C primitive type table: every C spelling ffikit accepts, its size, range and dtype twin.

import type { DType } from './dtype';

/** How values of a primitive cross the boundary. */
export type PrimitiveKind = 'void' | 'bool' | 'int' | 'float' | 'char16' | 'char32';

/** One primitive C type, after its spelling has been normalized. */
export interface Primitive {
  /** Canonical name, also the name handed to the FFI layer (`int32_t`, `double`, ...). */
  readonly canonical: string;
  readonly kind: PrimitiveKind;
  /** Size in bytes (0 for void). */
  readonly size: number;
  readonly signed: boolean;
  /** The dtype (and so the typed array) whose elements have this exact layout, for pointer parameters. */
  readonly dtype?: DType;
  /** For `char`: byte strings and byte arrays (Int8Array/Uint8Array/Buffer) are both acceptable. */
  readonly isChar?: boolean;
}

const is64 = ['x64', 'arm64', 'ppc64', 's390x', 'riscv64', 'loong64', 'mips64el'].includes(process.arch);
// LLP64 on Windows keeps long at 32 bits; LP64 elsewhere makes it pointer-sized.
const longBits = process.platform === 'win32' || !is64 ? 32 : 64;
const ptrBits = is64 ? 64 : 32;

function int(bits: number, signed: boolean): Primitive {
  const canonical = `${signed ? '' : 'u'}int${bits}_t`;
  const dtype = `${signed ? '' : 'u'}int${bits}` as DType;
  return { canonical, kind: 'int', size: bits / 8, signed, dtype };
}

const VOID: Primitive = { canonical: 'void', kind: 'void', size: 0, signed: false };
const BOOL: Primitive = { canonical: 'bool', kind: 'bool', size: 1, signed: false, dtype: 'uint8' };
const CHAR: Primitive = { canonical: 'char', kind: 'int', size: 1, signed: true, dtype: 'int8', isChar: true };
const FLOAT: Primitive = { canonical: 'float', kind: 'float', size: 4, signed: true, dtype: 'float32' };
const DOUBLE: Primitive = { canonical: 'double', kind: 'float', size: 8, signed: true, dtype: 'float64' };

const table = new Map<string, Primitive>();
function add(names: string[], prim: Primitive): void {
  for (const n of names) table.set(n, prim);
}
add(['void'], VOID);
add(['bool', '_Bool'], BOOL);
add(['char'], CHAR);
add(['signed char', 'int8_t', 'int8'], int(8, true));
add(['unsigned char', 'uchar', 'uint8_t', 'uint8', 'byte'], int(8, false));
add(['short', 'short int', 'signed short', 'signed short int', 'int16_t', 'int16'], int(16, true));
add(['unsigned short', 'unsigned short int', 'ushort', 'uint16_t', 'uint16'], int(16, false));
add(['int', 'signed', 'signed int', 'int32_t', 'int32'], int(32, true));
add(['unsigned', 'unsigned int', 'uint', 'uint32_t', 'uint32'], int(32, false));
add(['long', 'long int', 'signed long', 'signed long int'], int(longBits, true));
add(['unsigned long', 'unsigned long int', 'ulong'], int(longBits, false));
add(['long long', 'long long int', 'signed long long', 'signed long long int', 'longlong', 'int64_t', 'int64'], int(64, true));
add(['unsigned long long', 'unsigned long long int', 'ulonglong', 'uint64_t', 'uint64'], int(64, false));
add(['size_t', 'uintptr_t', 'uintptr'], int(ptrBits, false));
add(['ssize_t', 'ptrdiff_t', 'intptr_t', 'intptr'], int(ptrBits, true));
add(['float', 'float32'], FLOAT);
add(['double', 'float64'], DOUBLE);
add(['char16_t', 'char16'], { canonical: 'char16_t', kind: 'char16', size: 2, signed: false, dtype: 'uint16' });
add(['char32_t', 'char32'], { canonical: 'char32_t', kind: 'char32', size: 4, signed: false, dtype: 'uint32' });
add(
  ['wchar_t', 'wchar'],
  process.platform === 'win32'
    ? { canonical: 'char16_t', kind: 'char16', size: 2, signed: false, dtype: 'uint16' }
    : { canonical: 'char32_t', kind: 'char32', size: 4, signed: false, dtype: 'uint32' },
);

/** Looks up a normalized C spelling (`'unsigned int'`, `'size_t'`); undefined for named types. */
export function primitive(spelling: string): Primitive | undefined {
  return table.get(spelling);
}

/** Inclusive numeric range of an integer primitive, as bigints. */
export function intRange(p: Primitive): [bigint, bigint] {
  const bits = BigInt(p.size * 8);
  return p.signed ? [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n] : [0n, (1n << bits) - 1n];
}

/** True when the primitive's values do not all fit a double exactly (64-bit integers). */
export function isWideInt(p: Primitive): boolean {
  return p.kind === 'int' && p.size === 8;
}

/** The dtype whose elements have the layout of a C type (`'double'` → `'float64'`, `char` → `'int8'`). */
export function dtypeOfCType(spelling: string): DType | undefined {
  return primitive(spelling)?.dtype;
}
