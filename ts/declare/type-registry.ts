// Named C types: the CType class and the process-wide registry prototypes resolve names against.

import { declarationError, DeclarationError } from '../core/errors';
import * as native from '../native/koffi';
import type { BitfieldPlan } from './bitfields';
import type { ParsedPrototype } from './declaration';
import { primitive, type Primitive } from './primitives';

/** What a named type is, as far as argument checking cares. */
export type TypeKind = 'primitive' | 'enum' | 'struct' | 'union' | 'opaque' | 'pointer' | 'array' | 'callback';

export const kNative = Symbol('ffikit.nativeType');

/** What a pointer typedef points to (`typedef struct XML_ParserStruct *XML_Parser`). */
export interface PointerTarget {
  readonly base: string;
  readonly prim?: Primitive;
  /** Pointer depth the typedef adds. */
  readonly pointer: number;
  readonly constBase: boolean;
}

/** Extra facts per kind. */
export interface CTypeExtra {
  prim?: Primitive;
  proto?: ParsedPrototype;
  members?: string[];
  memberStructs?: Record<string, CType>;
  target?: PointerTarget;
  enumMembers?: ReadonlyMap<string, number>;
  flags?: boolean;
  bitfields?: BitfieldPlan;
}

/**
 * A C type known to ffikit. Create with {@link struct}, {@link opaque}, {@link pointer}, {@link array},
 * {@link alias}, {@link union}, {@link enumeration} or {@link callbackType}; refer to it in prototypes by its name.
 */
export class CType {
  /** The name prototypes use (`'Point'`), or a generated one for anonymous types. */
  readonly name: string;
  /** What it is: `'struct'`, `'opaque'`, `'pointer'`, `'alias'`, `'enum'`, `'callback'`, ... */
  readonly kind: TypeKind;
  /** Size in bytes (`sizeof`). Opaque types report 0. */
  readonly size: number;
  /** Alignment in bytes (`alignof`). Opaque types report 0. */
  readonly alignment: number;
  /** For aliases of primitives and for enums: the primitive (the enum's underlying integer type). */
  readonly prim?: Primitive;
  /** For callback types: the parsed prototype. */
  readonly proto?: ParsedPrototype;
  /** For structs and unions: member names in declaration order. */
  readonly members?: readonly string[];
  /** @internal the struct type of members that are structs */
  readonly memberStructs?: Readonly<Record<string, CType>>;
  /** @internal for pointer typedefs: what they point to */
  readonly target?: PointerTarget;
  /** For enums: member names to values. */
  readonly enumMembers?: ReadonlyMap<string, number>;
  /** For enums: `{ flags: true }` (any bitwise OR of members is valid). */
  readonly flags?: boolean;
  /** @internal for structs with bitfields: how objects map to the FFI layer's byte-level view */
  readonly bitfields?: BitfieldPlan;
  /** @internal */
  readonly [kNative]: native.NativeType;

  /** @internal */
  constructor(name: string, kind: TypeKind, nativeType: native.NativeType, extra: CTypeExtra = {}) {
    this.name = name;
    this.kind = kind;
    this[kNative] = nativeType;
    this.size = kind === 'opaque' ? 0 : native.sizeOf(nativeType);
    this.alignment = kind === 'opaque' ? 0 : native.alignOf(nativeType);
    if (extra.prim) this.prim = extra.prim;
    if (extra.proto) this.proto = extra.proto;
    if (extra.members) this.members = Object.freeze(extra.members);
    if (extra.memberStructs) this.memberStructs = Object.freeze(extra.memberStructs);
    if (extra.target) this.target = Object.freeze(extra.target);
    if (extra.enumMembers) this.enumMembers = extra.enumMembers;
    if (extra.flags) this.flags = true;
    if (extra.bitfields) this.bitfields = extra.bitfields;
    Object.freeze(this);
  }

  /** The type's name, as prototypes use it. */
  toString(): string {
    return this.name;
  }
}

const registry = new Map<string, CType>();
const signatures = new Map<string, string>();

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

/**
 * Registers a named type. Declaring the same name again with the same definition returns the
 * existing type (two modules may both declare a library's callback type); a different definition throws.
 */
export function registerType(name: string, make: () => CType, signature?: string): CType {
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

/**
 * The definition a type was registered with, as the JSON text used to compare redeclarations
 * (CType references written `@Name`); undefined when it was registered without one.
 */
export function typeSignature(name: string): string | undefined {
  return signatures.get(name);
}

/** Every registered type, in declaration order (what pools ship to their workers). */
export function registeredTypes(): CType[] {
  return [...registry.values()];
}
