// Named C types beyond primitives: struct (bitfields included), union, opaque, pointer, array, alias, enumeration, callback types; sizeof.

import { argumentError, declarationError, describeValue } from '../core/errors';
import * as native from '../native/koffi';
import { defineBitfieldStruct, hasBitfields, type BitfieldStructMember } from './bitfield-struct';
import { splitBitfield } from './bitfields';
import type { ParsedPrototype, ParsedType } from './declaration';
import { intRange, primitive } from './primitives';
import { parsePrototype } from './prototype';
import { CType, kNative, namedType, registerType as register, type PointerTarget } from './type-registry';

export { CType, clearNamedTypes, namedType, type TypeKind } from './type-registry';

declare const kPrototype: unique symbol;

/** A callback type; its prototype string is kept at the type level to type the JS functions. */
export type CallbackType<P extends string = string> = CType & {
  /** @internal Type-level only: the prototype string. */
  readonly [kPrototype]?: P;
};

/** A type reference accepted wherever ffikit takes a type: a C spelling or a {@link CType}. */
export type TypeSpec = string | CType;

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
  const named = t.prim ? undefined : namedType(t.base);
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
        : namedType(
            String(type)
              .replace(/^\s*struct\s+/, '')
              .trim(),
          );
    if (resolved?.kind === 'struct' || resolved?.kind === 'union') out[key] = resolved;
  }
  return out;
}

type MemberSpec = TypeSpec | { type: TypeSpec; align: number };

function membersToNative(
  where: string,
  members: Record<string, MemberSpec>,
  what = 'a struct',
): Record<string, native.NativeTypeSpec | [number, native.NativeTypeSpec]> {
  if (typeof members !== 'object' || members === null || Array.isArray(members)) {
    throw argumentError(where, 'members', "an object of member types, e.g. { x: 'double', y: 'double' }", members);
  }
  const out: Record<string, native.NativeTypeSpec | [number, native.NativeTypeSpec]> = {};
  const entries = Object.entries(members);
  if (entries.length === 0) throw declarationError(`${where}: ${what} needs at least one member.`);
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
 * `#pragma pack(1)`); `{ type, align }` overrides one member's alignment. A member spelled with a
 * width (`'uint32_t:3'`, `'int:1'`, `'unsigned:0'` for alignment) is a bitfield, laid out by the
 * platform's ABI (System V on Linux/macOS, MSVC on Windows); values outside a field's width are an
 * ArgumentError when the struct crosses to C.
 * @param name The name prototypes use (`'Point'` makes `Point p` and `Point *p` valid).
 * @param members Member names to types, in declaration order.
 * @returns The struct type; objects `{ x, y }` pass by value or through `Point *` parameters.
 * @throws {DeclarationError} for a duplicate name, an unknown member type, or a bad bitfield
 * (a width wider than its type, a non-integer type, bitfields in a packed struct).
 * @example
 * ffikit.struct('Point', { x: 'double', y: 'double' });
 * ffikit.struct('Flags', { ready: 'uint32_t:1', mode: 'uint32_t:3', level: 'int32_t:4' });
 * const m = lib.bind({ norm: 'double norm(Point p)' });
 * m.norm({ x: 3, y: 4 }); // 5
 */
export function struct(name: string, members: Record<string, MemberSpec>, options?: { packed?: boolean }): CType {
  checkName('struct', name);
  const signature = signatureOf({ members, packed: options?.packed === true });
  return register(
    name,
    () => {
      // A struct holding a struct with bitfields needs the same object conversion, so it is declared the same way.
      if (
        typeof members === 'object' &&
        members !== null &&
        (hasBitfields(members) || Object.values(nestedStructs(members)).some((t) => t.bitfields))
      ) {
        if (options?.packed === true)
          throw declarationError(`struct(${name}): bitfields in a packed struct are not supported; remove { packed: true }.`);
        return defineBitfieldStruct(`struct(${name})`, name, bitfieldMembers(`struct(${name})`, members));
      }
      const nativeType = native.defineStruct(name, membersToNative(`struct(${name})`, members), options?.packed === true);
      return new CType(name, 'struct', nativeType, { members: Object.keys(members), memberStructs: nestedStructs(members) });
    },
    signature,
  );
}

function bitfieldMembers(where: string, members: Record<string, MemberSpec>): BitfieldStructMember[] {
  const structs = nestedStructs(members);
  return Object.entries(members).map(([name, spec]) => {
    const bits = typeof spec === 'string' ? splitBitfield(spec) : undefined;
    if (bits) {
      const parsed = parseTypeSpelling(bits.type, `${where} member '${name}'`);
      const prim = parsed.pointer === 0 ? parsed.prim : undefined;
      return { name, typeText: bits.type, width: bits.width, ...(prim ? { prim } : {}) };
    }
    const [nativeSpec] = Object.values(membersToNative(where, { [name]: spec }));
    const align = Array.isArray(nativeSpec) ? nativeSpec[0] : undefined;
    const type = Array.isArray(nativeSpec) ? nativeSpec[1] : (nativeSpec as native.NativeTypeSpec);
    const struct = structs[name];
    return { name, native: type, ...(align !== undefined ? { align } : {}), ...(struct ? { struct } : {}) };
  });
}

/**
 * Declares a C union: members share one storage, sized and aligned for the largest. A union value
 * passed to C is an object with exactly ONE member set (`{ d: 2.5 }`); one coming back from C (a
 * result, an `_Inout_`/`_Out_` pointer, decode) has every member read from the same bytes.
 * Usable by value, through pointers, as a struct member and as a callback parameter.
 * @param name The name prototypes use (`'Value'` makes `Value v` and `Value *v` valid).
 * @param members Member names to types.
 * @returns The union type.
 * @throws {DeclarationError} for a duplicate name or an unknown member type.
 * @example
 * ffikit.union('Value', { i: 'int64_t', d: 'double' });
 * const m = lib.bind({ bits: 'int64_t value_bits(Value v)' });
 * m.bits({ d: 1 }); // 4607182418800017408n
 */
export function union(name: string, members: Record<string, MemberSpec>): CType {
  checkName('union', name);
  return register(
    name,
    () =>
      new CType(name, 'union', native.defineUnion(name, membersToNative(`union(${name})`, members, 'a union')), {
        members: Object.keys(members),
        memberStructs: nestedStructs(members),
      }),
    signatureOf({ union: members }),
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
  const target = pointerTarget(type, depth, `pointer(${name})`);
  return register(name, () => new CType(name, 'pointer', native.definePointer(name, ref, depth), target ? { target } : {}));
}

/** What a pointer typedef points to: `depth` more stars over `type` (parsed, typedefs resolved). */
function pointerTarget(type: TypeSpec, depth: number, where: string): PointerTarget | undefined {
  // Anonymous types (arrays, unnamed pointers) cannot be spelled in a prototype: nothing to resolve.
  if (type instanceof CType && namedType(type.name) !== type) return undefined;
  const parsed = type instanceof CType ? parseTypeSpelling(type.name, where) : parseTypeSpelling(type, where);
  return {
    base: parsed.base,
    ...(parsed.prim ? { prim: parsed.prim } : {}),
    pointer: parsed.pointer + depth,
    constBase: parsed.constBase,
  };
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
    // Prototypes resolve typedefs themselves, so the FFI layer only needs the type it names: no
    // process-wide name is registered there (its registry cannot forget names still in use).
    const nativeType = native.nativeType(ref);
    if (type instanceof CType)
      return new CType(name, type.kind, nativeType, {
        ...(type.prim ? { prim: type.prim } : {}),
        ...(type.proto ? { proto: type.proto } : {}),
        ...(type.target ? { target: type.target } : {}),
        ...(type.enumMembers ? { enumMembers: type.enumMembers, flags: type.flags === true } : {}),
        ...(type.members ? { members: [...type.members], memberStructs: { ...type.memberStructs } } : {}),
      });
    const parsed = parseTypeSpelling(type, `alias(${name})`);
    if (parsed.prim && parsed.pointer === 0) return new CType(name, 'primitive', nativeType, { prim: parsed.prim });
    if (parsed.pointer > 0) {
      const target = pointerTarget(type, 0, `alias(${name})`);
      return new CType(name, 'pointer', nativeType, target ? { target } : {});
    }
    const target = namedType(parsed.base);
    return new CType(name, target?.kind ?? 'primitive', nativeType, {
      ...(target?.prim ? { prim: target.prim } : {}),
      ...(target?.proto ? { proto: target.proto } : {}),
      ...(target?.target ? { target: target.target } : {}),
      ...(target?.enumMembers ? { enumMembers: target.enumMembers, flags: target.flags === true } : {}),
      ...(target?.members ? { members: [...target.members], memberStructs: { ...target.memberStructs } } : {}),
    });
  });
}

/** Options of {@link callbackType}. */
export interface CallbackTypeOptions {
  /**
   * String parameters that C passes with an explicit length instead of a NUL terminator: parameter
   * name to the integer parameter holding its length in characters, e.g. `{ s: 'len' }` for expat's
   * `void XML_CharacterDataHandler(void *userData, const XML_Char *s, int len)`. The JS function receives
   * exactly `len` characters (UTF-8 for `char`), never reading past them; NULL arrives as null.
   */
  readonly lengths?: Readonly<Record<string, string>>;
}

/** A string parameter decoded by an explicit length: argument positions and the character type. */
export interface LengthString {
  readonly index: number;
  readonly length: number;
  /** The character type's canonical name (`'char'`, `'char16_t'`, `'char32_t'`). */
  readonly char: string;
}

const lengthStrings = new WeakMap<object, readonly LengthString[]>();

/** @internal The length-bound string parameters of a callback type (declared with `lengths`), if any. */
export function callbackLengthStrings(type: CType): readonly LengthString[] | undefined {
  return type.proto ? lengthStrings.get(type.proto) : undefined;
}

function parseLengths(where: string, proto: ParsedPrototype, lengths: unknown): LengthString[] {
  if (typeof lengths !== 'object' || lengths === null || Array.isArray(lengths)) {
    throw argumentError(where, 'lengths', "an object of string parameter to length parameter, e.g. { s: 'len' }", lengths);
  }
  const index = new Map(proto.params.map((p, i) => [p.name, i]));
  return Object.entries(lengths as Record<string, unknown>).map(([name, lengthName]) => {
    const i = index.get(name);
    const t = i === undefined ? undefined : proto.params[i]?.type;
    const isString =
      t?.pointer === 1 && t.direction === 'in' && (t.prim?.isChar === true || t.prim?.kind === 'char16' || t.prim?.kind === 'char32');
    if (i === undefined || !t || !isString || !t.prim) {
      throw declarationError(
        `${where}: lengths.${name} expected a string parameter (const char *, const char16_t * or const char32_t *) of '${proto.text}', got ${t ? t.text : 'no such parameter'}.`,
      );
    }
    const j = typeof lengthName === 'string' ? index.get(lengthName) : undefined;
    const lt = j === undefined ? undefined : proto.params[j]?.type;
    if (j === undefined || lt?.pointer !== 0 || lt.prim?.kind !== 'int') {
      throw declarationError(
        `${where}: lengths.${name} expected the name of an integer parameter of '${proto.text}', got ${describeValue(lengthName)}.`,
      );
    }
    return { index: i, length: j, char: t.prim.canonical };
  });
}

/**
 * Declares a callback (function pointer) type from a C prototype; its name is usable in prototypes
 * as `Name *cb` or `Name cb`.
 * @param prototype The C prototype of the function C calls.
 * @param options `lengths`: string parameters C passes with an explicit length (not NUL-terminated).
 * @returns The callback type, for `lib.register()` and prototypes.
 * @throws {DeclarationError} for a bad prototype, a name declared differently, or a `lengths` entry that
 * does not pair a string parameter with an integer one.
 * @example
 * const Progress = ffikit.callbackType('void ProgressCallback(int current, int total)');
 * lib.bind({ run: 'int process_with_callback(double *data, size_t len, ProgressCallback cb)' });
 * // expat passes character data without a terminator: decode exactly `len` bytes.
 * ffikit.callbackType('void XML_CharacterDataHandler(void *ud, const XML_Char *s, int len)', { lengths: { s: 'len' } });
 */
export function callbackType<const P extends string>(prototype: P, options: CallbackTypeOptions = {}): CallbackType<P> {
  const where = 'callbackType()';
  const proto = parsePrototype(prototype, where);
  if (typeof options !== 'object' || options === null) throw argumentError(where, 'options', '{ lengths? }', options);
  const strings = options.lengths === undefined ? [] : parseLengths(`callbackType(${proto.name})`, proto, options.lengths);
  const result = nativeSpelling(proto.result);
  // A length-bound string goes to JS as its address: koffi would read a `char *` up to a NUL, past the data.
  const params = proto.params.map((p, i) => (strings.some((s) => s.index === i) ? 'void *' : nativeSpelling(p.type)));
  const lengthsText = strings.map((s) => `${s.index}:${s.length}`).join(',');
  const signature = `${proto.result.text}(${proto.params.map((p) => p.type.text).join(',')})${lengthsText ? `[${lengthsText}]` : ''}`;
  return register(
    proto.name,
    () => {
      if (strings.length > 0) lengthStrings.set(proto, Object.freeze(strings));
      return new CType(proto.name, 'callback', native.defineCallback(proto.name, result, params), { proto });
    },
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

/** @internal Offset in bytes of a struct member, as C's `offsetof` (used by `ffikit gen --verify`). */
export function offsetof(type: TypeSpec, member: string): number {
  return native.offsetOf(toNative(type, 'offsetof'), member);
}

/** Alignment in bytes of a type, as C's `alignof`. */
export function alignof(type: TypeSpec): number {
  return native.alignOf(toNative(type, 'alignof'));
}

const kEnumeration = Symbol.for('ffikit.enumeration');
/** Type-level marker: whether an enumeration takes bitwise ORs of its members (no runtime value). */
declare const kFlags: unique symbol;

/**
 * An enumeration declared with {@link enumeration}: each member is a constant holding its value
 * (`Status.XML_STATUS_OK === 1`); TypeScript sees the literal values.
 */
export type Enumeration<
  N extends string = string,
  M extends Readonly<Record<string, number>> = Readonly<Record<string, number>>,
  F extends boolean = boolean,
> = {
  readonly [K in keyof M]: M[K];
} & {
  /** @internal Type-level brand: the enumeration's C name. */
  readonly [kEnumeration]: N;
  /** @internal Type-level only: whether it was declared with `{ flags: true }`. */
  readonly [kFlags]?: F;
};

/** @internal The CType behind an enumeration object, or undefined for anything else. */
export function enumerationType(value: unknown): CType | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const name = (value as Record<symbol, unknown>)[kEnumeration];
  const type = typeof name === 'string' ? namedType(name) : undefined;
  return type?.kind === 'enum' ? type : undefined;
}

/**
 * Declares a C enum. Its name is usable in prototypes and struct members: an enum parameter takes a
 * member's value or its name (`'XML_STATUS_OK'`); any other value is an ArgumentError. With
 * `{ flags: true }` any bitwise OR of members is accepted. Enum results come back as numbers.
 * @param name The C name (`'XML_Status'`).
 * @param members Member names to integer values.
 * @param options `flags`: members are bit flags; `base`: the underlying integer type (default `int32_t`).
 * @returns An object of constants, one per member; also accepted by {@link errorCodes}.
 * @throws {DeclarationError} for a duplicate name, a value outside `base`, or an unknown base type.
 * @example
 * const Status = ffikit.enumeration('XML_Status', { XML_STATUS_ERROR: 0, XML_STATUS_OK: 1, XML_STATUS_SUSPENDED: 2 });
 * Status.XML_STATUS_OK; // 1
 * const x = lib.bind({ resume: 'XML_Status XML_ResumeParser(XML_Parser p)' });
 */
export function enumeration<const N extends string, const M extends Readonly<Record<string, number>>, const F extends boolean = false>(
  name: N,
  members: M,
  options: { flags?: F; base?: string } = {},
): Enumeration<N, M, F> {
  checkName('enumeration', name);
  if (typeof members !== 'object' || members === null || Array.isArray(members) || Object.keys(members).length === 0) {
    throw argumentError('enumeration', 'members', 'an object of member names to integer values, e.g. { A: 0, B: 1 }', members);
  }
  if (typeof options !== 'object' || options === null) throw argumentError('enumeration', 'options', '{ flags?, base? }', options);
  const baseName = options.base ?? 'int32_t';
  const base = typeof baseName === 'string' ? primitive(baseName.trim()) : undefined;
  if (!base || base.kind !== 'int' || base.size === 0) {
    throw declarationError(
      `enumeration(${name}): base must be an integer type such as 'int32_t' or 'uint32_t', got '${String(baseName)}'.`,
    );
  }
  const [lo, hi] = intRange(base);
  const map = new Map<string, number>();
  for (const [key, value] of Object.entries(members)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw argumentError(`enumeration(${name})`, key, 'a C identifier as member name', key);
    if (!Number.isSafeInteger(value) || BigInt(value) < lo || BigInt(value) > hi) {
      throw declarationError(
        `enumeration(${name}): member ${key} = ${String(value)} is not an integer in [${lo}, ${hi}] (${base.canonical}).`,
      );
    }
    map.set(key, value);
  }
  const flags = options.flags === true;
  register(
    name,
    () => new CType(name, 'enum', native.nativeType(base.canonical), { prim: base, enumMembers: map, flags }),
    signatureOf({ members, flags, base: base.canonical }),
  );
  const result: Record<string | symbol, unknown> = {};
  for (const [key, value] of map) result[key] = value;
  Object.defineProperty(result, kEnumeration, { value: name });
  return Object.freeze(result) as Enumeration<N, M, F>;
}
