// Reading C values into JS: decode() over memory, and the JS form of unions and bitfield structs the FFI layer hands back.

import { argumentError } from '../core/errors';
import * as native from '../native/koffi';
import { unpackBitfields } from './bitfields';
import { toNative, type TypeSpec } from './named-types';
import { primitive } from './primitives';
import { CType, namedType } from './type-registry';

/** @internal A union as the FFI layer hands it back (members read lazily) → a plain object of every member. */
export function unionObject(type: CType, value: unknown, into: Record<string, unknown> = {}): Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return into;
  const v = value as Record<string, unknown>;
  for (const m of type.members ?? []) into[m] = recordObject(type.memberStructs?.[m], v[m]);
  return into;
}

/** @internal A struct or union value from the FFI layer → what users see (bitfields unpacked, unions read out). */
export function recordObject(type: CType | undefined, value: unknown): unknown {
  if (!type || typeof value !== 'object' || value === null) return value;
  if (type.kind === 'union') return unionObject(type, value);
  if (type.bitfields) return unpackBitfields(type.bitfields, value as Record<string, unknown>);
  const nested = type.memberStructs ?? {};
  if (Object.keys(nested).length === 0) return value;
  const v = value as Record<string, unknown>;
  for (const [k, t] of Object.entries(nested)) v[k] = recordObject(t, v[k]);
  return v;
}

const kCharTypes: Record<string, { native: string; bytes: number }> = {
  char: { native: 'uint8_t', bytes: 1 },
  char16_t: { native: 'uint16_t', bytes: 2 },
  char32_t: { native: 'uint32_t', bytes: 4 },
};

/** The character type a spelling names (`wchar_t` is char16_t on Windows, char32_t elsewhere). */
function charType(type: TypeSpec): { native: string; bytes: number } | undefined {
  if (typeof type !== 'string') return undefined;
  const prim = primitive(type.trim());
  if (!prim) return undefined;
  return prim.isChar ? kCharTypes.char : kCharTypes[prim.canonical];
}

/**
 * Reads native memory. `ptr` is an address (bigint, as pointers come back from C) or a typed array.
 * Forms:
 * - `decode(ptr, 'int')` → one number (any primitive; 64-bit integers may be bigint);
 * - `decode(ptr, 'double', n)` → a Float64Array copy of n elements (typed array per primitive);
 * - `decode(ptr, 'char', -1)` → the NUL-terminated string at ptr; `decode(ptr, 'char', n)` → exactly n bytes
 *   as a string, NULs included (decoded as UTF-8, so n ASCII bytes are n characters);
 * - `decode(ptr, 'char16_t' | 'char32_t' | 'wchar_t', -1 | n)` → the same for wide strings: `wchar_t` has its
 *   platform width (2 bytes on Windows, 4 elsewhere); n is a count of code units, NULs included;
 * - `decode(ptr, 'char *', n)` → n strings read through the n `char *` pointers stored at ptr (an argv-style
 *   array); `decode(ptr, 'const char *')` likewise reads ONE pointer stored at ptr, not the string at ptr;
 * - `decode(ptr, Point)` → a struct as a plain object (bitfields as numbers); `decode(ptr, Point, n)` → an
 *   array of n objects; a union comes back with every member read from the same bytes.
 * Reading an invalid address crashes the process, as in C: only decode pointers C gave you, within their size.
 * @throws {ArgumentError} for a null pointer or a bad length.
 */
export function decode(ptr: bigint | ArrayBufferView, type: TypeSpec, length?: number): unknown {
  if (ptr === null || ptr === undefined || ptr === 0n)
    throw argumentError('decode', 'ptr', 'a non-null pointer (bigint) or typed array', ptr);
  if (typeof ptr !== 'bigint' && !ArrayBuffer.isView(ptr)) throw argumentError('decode', 'ptr', 'a pointer (bigint) or typed array', ptr);
  if (length !== undefined && (!Number.isSafeInteger(length) || length < -1)) {
    throw argumentError('decode', 'length', 'a non-negative integer (or -1 for a NUL-terminated string)', length);
  }
  const chars = charType(type);
  if (length === -1 && !chars) {
    throw argumentError('decode', 'length', "-1 only with 'char', 'char16_t', 'char32_t' or 'wchar_t'", length);
  }
  if (chars && length !== undefined && length >= 0) {
    // The FFI layer stops at the first NUL; read the code units and build the string from all of them.
    const units = native.decode(ptr, chars.native, length) as Uint8Array | Uint16Array | Uint32Array;
    if (chars.bytes === 1) return new TextDecoder('utf-8').decode(units);
    if (chars.bytes === 2) return String.fromCharCode(...units);
    return String.fromCodePoint(...[...units].map((u) => (u > 0x10ffff ? 0xfffd : u)));
  }
  const value = native.decode(ptr, toNative(type, 'decode'), length);
  const record = recordTypeOf(type);
  if (!record) return value;
  return length === undefined ? recordObject(record, value) : (value as unknown[]).map((v) => recordObject(record, v));
}

/** The struct or union a decode type names (by value), when its objects need converting. */
function recordTypeOf(type: TypeSpec): CType | undefined {
  const t = type instanceof CType ? type : namedType(type.replace(/^\s*(struct|union)\s+/, '').trim());
  return t && (t.kind === 'struct' || t.kind === 'union') ? t : undefined;
}
