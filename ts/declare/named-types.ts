// Named C types beyond primitives: struct, opaque, pointer, array, alias, callback types; sizeof and decode.

import { primitive, type Primitive } from './primitives';
import { argumentError, declarationError, DeclarationError } from '../core/errors';
import * as native from '../native/koffi';
import { parsePrototype, type ParsedType } from './prototype';

/** What a named type is, as far as argument checking cares. */
export type TypeKind = 'primitive' | 'struct' | 'opaque' | 'pointer' | 'array' | 'callback';

const kNative = Symbol('ffikit.nativeType');

/**
 * A C type known to ffikit. Create with {@link struct}, {@link opaque}, {@link pointer}, {@link array},
 * {@link alias} or {@link callbackType}; refer to it in prototypes by its name.
 */
export class CType {
  /** The name prototypes use (`'Point'`), or a generated one for anonymous types. */
  readonly name: string;
  readonly kind: TypeKind;
  /** Size in bytes (`sizeof`). Opaque types report 0. */
  readonly size: number;
  readonly alignment: number;
  /** For aliases of primitives: the primitive. */
  readonly prim?: Primitive;
  /** For callback types: the parsed prototype. */
  readonly proto?: ReturnType<typeof parsePrototype>;
  /** For structs: member names in declaration order, and the struct type of members that are structs. */
  readonly members?: readonly string[];
  /** @internal */
  readonly memberStructs?: Readonly<Record<string, CType>>;
  /** @internal */
  readonly [kNative]: native.NativeType;

  /** @internal */
  constructor(
    name: string,
    kind: TypeKind,
    nativeType: native.NativeType,
    extra?: { prim?: Primitive; proto?: ReturnType<typeof parsePrototype>; members?: string[]; memberStructs?: Record<string, CType> },
  ) {
    this.name = name;
    this.kind = kind;
    this[kNative] = nativeType;
    this.size = kind === 'opaque' ? 0 : native.sizeOf(nativeType);
    this.alignment = kind === 'opaque' ? 0 : native.alignOf(nativeType);
    if (extra?.prim) this.prim = extra.prim;
    if (extra?.proto) this.proto = extra.proto;
    if (extra?.members) this.members = Object.freeze(extra.members);
    if (extra?.memberStructs) this.memberStructs = Object.freeze(extra.memberStructs);
    Object.freeze(this);
  }

  toString(): string {
    return this.name;
  }
}

declare const kPrototype: unique symbol;

/** A callback type; its prototype string is kept at the type level to type the JS functions. */
export type CallbackType<P extends string = string> = CType & { readonly [kPrototype]?: P };

/** A type reference accepted wherever ffikit takes a type: a C spelling or a {@link CType}. */
export type TypeSpec = string | CType;

const registry = new Map<string, CType>();

/** @internal Looks up a named type for prototypes. */
export function namedType(name: string): CType | undefined {
  return registry.get(name);
}

/** @internal Forgets every named type (the FFI registry is reset alongside, in tests). */
export function clearNamedTypes(): void {
  registry.clear();
  signatures.clear();
  native.resetNativeTypes();
}

const signatures = new Map<string, string>();

/**
 * Registers a named type. Declaring the same name again with the same definition returns the
 * existing type (two modules may both declare a library's callback type); a different definition throws.
 */
function register(name: string, make: () => CType, signature?: string): CType {
  const existing = registry.get(name);
  if (existing && signature !== undefined && signatures.get(name) === signature) return existing;
  if (existing || primitive(name)) {
    throw declarationError(`ffikit: type name '${name}' is already declared. Use the existing type, or pick another name.`);
  }
  let type: CType;
  try {
    type = make();
  } catch (err) {
    if (err instanceof DeclarationError) throw err;
    throw declarationError(`ffikit: cannot declare type '${name}': ${(err as Error).message}.`, { cause: err });
  }
  registry.set(name, type);
  if (signature !== undefined) signatures.set(name, signature);
  return type;
}

function checkName(where: string, name: unknown): asserts name is string {
  if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw argumentError(where, 'name', 'a C identifier', name);
  }
}

/** @internal Converts a TypeSpec (C spelling such as `'double *'`, or a CType) to the FFI layer's form. */
export function toNative(spec: TypeSpec, where: string): native.NativeTypeSpec {
  if (spec instanceof CType) return spec[kNative];
  if (typeof spec !== 'string') throw argumentError(where, 'type', "a C type name (e.g. 'double') or an ffikit type", spec);
  const parsed = parseTypeSpelling(spec, where);
  return nativeSpelling(parsed);
}

/** @internal The FFI-layer spelling of a parsed type. */
export function nativeSpelling(t: ParsedType): native.NativeTypeSpec {
  const named = t.prim ? undefined : registry.get(t.base);
  if (!t.prim && !named) {
    throw declarationError(
      `ffikit: unknown type '${t.base}'. Declare it first with ffikit.struct(), ffikit.opaque(), ffikit.alias() or ffikit.callbackType().`,
    );
  }
  let pointer = t.pointer;
  // A callback type names a function; parameters always pass a pointer to it (`Cb cb` == `Cb *cb`).
  if (named?.kind === 'callback' && pointer === 0) pointer = 1;
  const base = named ? named[kNative] : t.prim!.canonical;
  if (pointer === 0) return base;
  if (t.prim && t.prim.isChar && pointer === 1 && t.constBase) return 'const char *';
  return native.definePointer(null, base, pointer);
}

/** Parses a bare type spelling such as `'unsigned int'`, `'Point *'` or `'const char *'`. */
export function parseTypeSpelling(spelling: string, where: string): ParsedType {
  const proto = parsePrototype(`void __ffikit_t(${spelling})`, where);
  const param = proto.params[0];
  if (!param || proto.params.length !== 1 || param.name !== 'arg0') {
    throw declarationError(`${where}: '${spelling}' is not a single C type.`);
  }
  return param.type;
}

/** A stable text for comparing two declarations of the same name; undefined when not comparable. */
function signatureOf(value: unknown): string | undefined {
  try {
    return JSON.stringify(value, (_k, v: unknown) => (v instanceof CType ? `@${v.name}` : v));
  } catch {
    return undefined;
  }
}

function nestedStructs(members: Record<string, MemberSpec>): Record<string, CType> {
  const out: Record<string, CType> = {};
  for (const [key, spec] of Object.entries(members)) {
    const type = spec !== null && typeof spec === 'object' && !(spec instanceof CType) ? spec.type : spec;
    const resolved =
      type instanceof CType
        ? type
        : registry.get(
            String(type)
              .replace(/^\s*struct\s+/, '')
              .trim(),
          );
    if (resolved?.kind === 'struct') out[key] = resolved;
  }
  return out;
}

type MemberSpec = TypeSpec | { type: TypeSpec; align: number };

function membersToNative(
  where: string,
  members: Record<string, MemberSpec>,
): Record<string, native.NativeTypeSpec | [number, native.NativeTypeSpec]> {
  if (typeof members !== 'object' || members === null || Array.isArray(members)) {
    throw argumentError(where, 'members', "an object of member types, e.g. { x: 'double', y: 'double' }", members);
  }
  const out: Record<string, native.NativeTypeSpec | [number, native.NativeTypeSpec]> = {};
  const entries = Object.entries(members);
  if (entries.length === 0) throw declarationError(`${where}: a struct needs at least one member.`);
  for (const [key, spec] of entries) {
    if (spec !== null && typeof spec === 'object' && !(spec instanceof CType)) {
      out[key] = [spec.align, toNative(spec.type, `${where} member '${key}'`)];
    } else {
      out[key] = toNative(spec as TypeSpec, `${where} member '${key}'`);
    }
  }
  return out;
}

/**
 * Declares a C struct. Members are laid out with C alignment rules (`{ packed: true }` for
 * `#pragma pack(1)`); `{ type, align }` overrides one member's alignment.
 * @param name The name prototypes use (`'Point'` makes `Point p` and `Point *p` valid).
 * @param members Member names to types, in declaration order.
 * @returns The struct type; objects `{ x, y }` pass by value or through `Point *` parameters.
 * @throws {DeclarationError} for a duplicate name or an unknown member type.
 * @example
 * ffikit.struct('Point', { x: 'double', y: 'double' });
 * const m = lib.bind({ norm: 'double norm(Point p)' });
 * m.norm({ x: 3, y: 4 }); // 5
 */
export function struct(name: string, members: Record<string, MemberSpec>, options?: { packed?: boolean }): CType {
  checkName('struct', name);
  const signature = signatureOf({ members, packed: options?.packed === true });
  return register(
    name,
    () => {
      const nativeType = native.defineStruct(name, membersToNative(`struct(${name})`, members), options?.packed === true);
      return new CType(name, 'struct', nativeType, { members: Object.keys(members), memberStructs: nestedStructs(members) });
    },
    signature,
  );
}

/**
 * Declares an opaque type (a handle whose layout C keeps private). Use it behind a pointer:
 * `Db *db`; such pointers come back from C as bigint addresses and go back in as they came.
 * @example
 * ffikit.opaque('sqlite3');
 * lib.bind({ open: 'int sqlite3_open(const char *path, _Out_ sqlite3 **db)' });
 */
export function opaque(name: string): CType {
  checkName('opaque', name);
  return register(name, () => new CType(name, 'opaque', native.defineOpaque(name)), 'opaque');
}

/**
 * A pointer type, optionally named like a C typedef (`typedef struct Foo *FooHandle`).
 * @example
 * ffikit.opaque('Foo');
 * ffikit.pointer('FooHandle', 'Foo');     // FooHandle h  ==  Foo *h
 * ffikit.pointer('double');               // anonymous double *
 */
export function pointer(nameOrType: string | CType, type?: TypeSpec, depth = 1): CType {
  if (type === undefined) {
    const ref = toNative(nameOrType, 'pointer');
    return new CType(`${String(nameOrType)} *`, 'pointer', native.definePointer(null, ref, 1));
  }
  const name = nameOrType as string;
  checkName('pointer', name);
  if (!Number.isInteger(depth) || depth < 1 || depth > 8) throw argumentError('pointer', 'depth', 'an integer from 1 to 8', depth);
  const ref = toNative(type, `pointer(${name})`);
  return register(name, () => new CType(name, 'pointer', native.definePointer(name, ref, depth)));
}

/**
 * A fixed-length C array type, for struct members (`char name[16]` is `array('char', 16)`).
 * Arrays of numbers read back as typed arrays; `'char'` arrays read back as strings.
 */
export function array(type: TypeSpec, length: number): CType {
  if (!Number.isSafeInteger(length) || length < 1) throw argumentError('array', 'length', 'a positive integer', length);
  const ref = toNative(type, 'array');
  const isChar = typeof type === 'string' && type.trim() === 'char';
  const isPrim = typeof type === 'string' && primitive(type.trim()) !== undefined;
  return new CType(`${String(type)}[${length}]`, 'array', native.defineArray(ref, length, isChar ? 'String' : isPrim ? 'Typed' : 'Array'));
}

/**
 * Gives an existing type another name (a C typedef): `alias('HRESULT', 'int32_t')`.
 * An alias of a primitive is checked exactly like the primitive.
 */
export function alias(name: string, type: TypeSpec): CType {
  checkName('alias', name);
  const ref = toNative(type, `alias(${name})`);
  return register(name, () => {
    const nativeType = native.defineAlias(name, ref);
    if (type instanceof CType)
      return new CType(name, type.kind, nativeType, {
        ...(type.prim ? { prim: type.prim } : {}),
        ...(type.proto ? { proto: type.proto } : {}),
      });
    const parsed = parseTypeSpelling(type, `alias(${name})`);
    if (parsed.prim && parsed.pointer === 0) return new CType(name, 'primitive', nativeType, { prim: parsed.prim });
    if (parsed.pointer > 0) return new CType(name, 'pointer', nativeType);
    const target = registry.get(parsed.base);
    return new CType(name, target?.kind ?? 'primitive', nativeType, {
      ...(target?.prim ? { prim: target.prim } : {}),
      ...(target?.proto ? { proto: target.proto } : {}),
    });
  });
}

/**
 * Declares a callback (function pointer) type from a C prototype; its name is usable in prototypes
 * as `Name *cb` or `Name cb`.
 * @example
 * const Progress = ffikit.callbackType('void ProgressCallback(int current, int total)');
 * lib.bind({ run: 'int process_with_callback(double *data, size_t len, ProgressCallback cb)' });
 */
export function callbackType<const P extends string>(prototype: P): CallbackType<P> {
  const proto = parsePrototype(prototype, 'callbackType()');
  const result = nativeSpelling(proto.result);
  const params = proto.params.map((p) => nativeSpelling(p.type));
  const signature = `${proto.result.text}(${proto.params.map((p) => p.type.text).join(',')})`;
  return register(
    proto.name,
    () => new CType(proto.name, 'callback', native.defineCallback(proto.name, result, params), { proto }),
    signature,
  );
}

/**
 * Size in bytes of a type, as C's `sizeof`.
 * @example ffikit.sizeof('size_t') // 8 on 64-bit platforms
 */
export function sizeof(type: TypeSpec): number {
  return native.sizeOf(toNative(type, 'sizeof'));
}

/** Alignment in bytes of a type, as C's `alignof`. */
export function alignof(type: TypeSpec): number {
  return native.alignOf(toNative(type, 'alignof'));
}

/**
 * Reads native memory. `ptr` is an address (bigint, as pointers come back from C) or a typed array.
 * Forms:
 * - `decode(ptr, 'int')` → one number (any primitive; 64-bit integers may be bigint);
 * - `decode(ptr, 'double', n)` → a Float64Array copy of n elements (typed array per primitive);
 * - `decode(ptr, 'char', -1)` → the NUL-terminated string at ptr; `decode(ptr, 'char', n)` → n bytes as a string;
 * - `decode(ptr, 'char *', n)` → n strings read through the n `char *` pointers stored at ptr (an argv-style
 *   array); `decode(ptr, 'const char *')` likewise reads ONE pointer stored at ptr, not the string at ptr;
 * - `decode(ptr, Point)` → a struct as a plain object; `decode(ptr, Point, n)` → an array of n objects.
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
  if (length === -1 && !(typeof type === 'string' && ['char', 'char16_t', 'char32_t'].includes(type.trim()))) {
    throw argumentError('decode', 'length', "-1 only with 'char', 'char16_t' or 'char32_t'", length);
  }
  return native.decode(ptr, toNative(type, 'decode'), length);
}
