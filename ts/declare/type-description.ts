// Named C types as plain data, and their re-declaration from it (how pools give their workers the types a spec names).

import { declarationError } from '../core/errors';
import type { ParsedType } from './declaration';
import { alias, array, callbackType, enumeration, opaque, parseTypeSpelling, pointer, struct, type TypeSpec } from './named-types';
import { CType, kNative, namedType, registeredTypes, typeSignature } from './type-registry';

/** A member or pointee type: a C spelling (`'double'`, `'Point *'`), or a fixed-length array of one. */
export type TypeRef = string | { readonly array: TypeRef; readonly length: number };

/** One struct member: name, type, and the alignment override (`{ type, align }`) or null. */
export type MemberDescription = readonly [name: string, type: TypeRef, align: number | null];

/** What every description carries: the name, the layout to verify after re-declaring, and the types it refers to. */
interface DescriptionBase {
  readonly name: string;
  readonly size: number;
  readonly alignment: number;
  /** Names of the registered types this one refers to (declare them first). */
  readonly needs: readonly string[];
}

/** A named type as structured-clone / JSON safe data, enough to declare it again elsewhere. */
export type TypeDescription = DescriptionBase &
  (
    | { readonly kind: 'opaque' }
    | { readonly kind: 'alias'; readonly of: string }
    | { readonly kind: 'pointer'; readonly to: string; readonly depth: number }
    | {
        readonly kind: 'enum';
        readonly members: ReadonlyArray<readonly [string, number]>;
        readonly flags: boolean;
        readonly base: string;
      }
    | { readonly kind: 'struct'; readonly members: readonly MemberDescription[]; readonly packed: boolean }
    | { readonly kind: 'callback'; readonly prototype: string }
  );

/** The registered types a parsed type names: the typedef as spelled and the struct, opaque or callback type it resolves to. */
export function typeNamesIn(t: ParsedType): string[] {
  const names: string[] = [];
  if (t.named !== undefined) names.push(t.named.name);
  if (!t.prim && namedType(t.base) !== undefined && !names.includes(t.base)) names.push(t.base);
  return names;
}

function spellingNeeds(spelling: string, where: string): string[] {
  return typeNamesIn(parseTypeSpelling(spelling, where));
}

function refNeeds(ref: TypeRef, where: string): string[] {
  return typeof ref === 'string' ? spellingNeeds(ref, where) : refNeeds(ref.array, where);
}

/** A struct member type as its signature wrote it: a spelling, or `@Name` for a CType (anonymous arrays as `T[n]`). */
function memberRef(written: string, where: string): TypeRef {
  if (!written.startsWith('@')) return written;
  const name = written.slice(1);
  if (namedType(name) !== undefined) return name;
  const arrayOf = /^(.*)\[(\d+)\]$/.exec(name);
  if (arrayOf) return { array: memberRef(`@${arrayOf[1] as string}`, where), length: Number(arrayOf[2]) };
  // Anonymous pointer types are named by their spelling (`double *`).
  parseTypeSpelling(name, where);
  return name;
}

function cannotDescribe(type: CType, what: string): Error {
  return declarationError(
    `ffikit: type '${type.name}' cannot be described for another thread or process: expected a type declared with ffikit.struct, opaque, alias, pointer, enumeration or callbackType, got ${what}. Declare it by name with one of those (an alias of a named type, not of an anonymous one).`,
  );
}

/** The earlier registered type of the same kind that `type` is an alias of (the FFI layer gives an alias the very same native type). */
function aliasTarget(type: CType): CType | undefined {
  for (const other of registeredTypes()) {
    if (other === type) return undefined;
    if (other.kind !== type.kind) continue;
    if (type.kind === 'enum' ? other.enumMembers === type.enumMembers : other[kNative] === type[kNative]) return other;
  }
  return undefined;
}

function structMembers(type: CType, where: string): { members: MemberDescription[]; packed: boolean } {
  const signature = typeSignature(type.name);
  if (signature === undefined) throw cannotDescribe(type, 'a struct without a recorded definition');
  const parsed = JSON.parse(signature) as { members: Record<string, string | { type: string; align: number }>; packed: boolean };
  const members = Object.entries(parsed.members).map(([name, spec]): MemberDescription => {
    if (typeof spec === 'string') return [name, memberRef(spec, where), null];
    return [name, memberRef(spec.type, where), spec.align];
  });
  return { members, packed: parsed.packed };
}

/**
 * Describes a registered named type as plain data ({@link declareDescribed} declares it again).
 * @param type A type from ffikit.struct, opaque, alias, pointer, enumeration or callbackType.
 * @returns Its description, listing the registered types it refers to in `needs`.
 * @throws {DeclarationError} for a type that cannot be declared again by name (an alias of an anonymous array or pointer).
 */
export function describeType(type: CType): TypeDescription {
  const where = `type '${type.name}'`;
  const base = { name: type.name, size: type.size, alignment: type.alignment };
  if (type.kind === 'primitive') {
    if (!type.prim) throw cannotDescribe(type, 'an alias of an unknown type');
    return { ...base, kind: 'alias', of: type.prim.canonical, needs: [] };
  }
  const target = type.kind === 'array' ? undefined : aliasTarget(type);
  if (target !== undefined) return { ...base, kind: 'alias', of: target.name, needs: [target.name] };
  switch (type.kind) {
    case 'opaque':
      return { ...base, kind: 'opaque', needs: [] };
    case 'enum':
      return {
        ...base,
        kind: 'enum',
        members: [...(type.enumMembers ?? new Map<string, number>())],
        flags: type.flags === true,
        base: type.prim?.canonical ?? 'int32_t',
        needs: [],
      };
    case 'callback': {
      const proto = type.proto;
      if (!proto) throw cannotDescribe(type, 'a callback type without a prototype');
      const needs = [proto.result, ...proto.params.map((p) => p.type)].flatMap(typeNamesIn);
      return { ...base, kind: 'callback', prototype: proto.text, needs: [...new Set(needs)] };
    }
    case 'pointer': {
      const to = type.target;
      if (!to) throw cannotDescribe(type, 'a pointer typedef to an anonymous type');
      const spelling = `${to.constBase ? 'const ' : ''}${to.base}`;
      return { ...base, kind: 'pointer', to: spelling, depth: to.pointer, needs: spellingNeeds(spelling, where) };
    }
    case 'struct': {
      const { members, packed } = structMembers(type, where);
      const needs = members.flatMap(([, ref]) => refNeeds(ref, where));
      return { ...base, kind: 'struct', members, packed, needs: [...new Set(needs)] };
    }
    default:
      throw cannotDescribe(type, `an alias of an anonymous ${type.kind} type`);
  }
}

function buildRef(ref: TypeRef): TypeSpec {
  return typeof ref === 'string' ? ref : array(buildRef(ref.array), ref.length);
}

/**
 * Declares a described type in this thread or process (the types it needs must be declared first).
 * Declaring a name that already has the same definition is a no-op, as with the declaring functions.
 * @param desc A description from {@link describeType}.
 * @returns The declared type.
 * @throws {DeclarationError} when the name is taken by another definition, a needed type is missing,
 * or the layout here differs from the one described (size or alignment).
 */
export function declareDescribed(desc: TypeDescription): CType {
  switch (desc.kind) {
    case 'opaque':
      opaque(desc.name);
      break;
    case 'alias':
      alias(desc.name, desc.of);
      break;
    case 'pointer':
      pointer(desc.name, desc.to, desc.depth);
      break;
    case 'enum':
      enumeration(desc.name, Object.fromEntries(desc.members), { flags: desc.flags, base: desc.base });
      break;
    case 'callback':
      callbackType(desc.prototype);
      break;
    case 'struct': {
      const members = Object.fromEntries(
        desc.members.map(([name, ref, align]) => [name, align === null ? buildRef(ref) : { type: buildRef(ref), align }]),
      );
      struct(desc.name, members, { packed: desc.packed });
      break;
    }
  }
  const type = namedType(desc.name) as CType;
  if (type.size !== desc.size || type.alignment !== desc.alignment) {
    throw declarationError(
      `ffikit: type '${desc.name}': expected size ${desc.size} and alignment ${desc.alignment} as described, got size ${type.size} and alignment ${type.alignment}. Declare it with the same definition everywhere.`,
    );
  }
  return type;
}
