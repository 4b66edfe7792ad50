// What a JS object must hold to stand for a C struct: every member, nested structs as objects.

import { argumentError } from '../core/errors';
import type { CType } from './type-registry';

/** koffi reads a missing member as 0; a struct argument must name every member instead. */
export function checkStructObject(fn: string, param: string, type: CType, value: object): void {
  for (const member of type.members ?? []) {
    if (!(member in value)) {
      throw argumentError(
        fn,
        param,
        `an object with every member of struct ${type.name} (${(type.members ?? []).join(', ')})`,
        value,
        `Member '${member}' is missing.`,
      );
    }
    const nested = type.memberStructs?.[member];
    const inner = (value as Record<string, unknown>)[member];
    if (nested?.kind === 'union') {
      checkUnionObject(fn, `${param}.${member}`, nested, inner);
    } else if (nested) {
      if (typeof inner !== 'object' || inner === null)
        throw argumentError(fn, `${param}.${member}`, `an object (struct ${nested.name})`, inner);
      checkStructObject(fn, `${param}.${member}`, nested, inner);
    }
  }
}

/** True for a value that can stand for one struct: a plain object (not an array, buffer or null). */
export function isStructObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);
}

/** One element of a struct array: an object with every member (`fn(): argument 'fds[2]' expects ...`). */
export function checkStructElement(fn: string, param: string, type: CType, value: unknown): void {
  if (!isStructObject(value)) throw argumentError(fn, param, `an object with every member of struct ${type.name}`, value);
  checkStructObject(fn, param, type, value);
}

/**
 * A yes/no version of {@link checkStructElement} for large arrays: true when `value` would pass it.
 * Built once per type; callers run the full check (for its message) only when this says no.
 */
export function structObjectTest(type: CType): (value: unknown) => boolean {
  const members = [...(type.members ?? [])];
  const nested = members.map((m) => {
    const inner = type.memberStructs?.[m];
    return inner === undefined ? undefined : structObjectTest(inner);
  });
  return (value) => {
    if (!isStructObject(value)) return false;
    for (let i = 0; i < members.length; i++) {
      const member = members[i] as string;
      if (!(member in value)) return false;
      const test = nested[i];
      if (test !== undefined && !test((value as Record<string, unknown>)[member])) return false;
    }
    return true;
  };
}

/**
 * Checks a union value: an object with exactly one member set (not undefined).
 * @returns The member's name.
 */
export function checkUnionObject(fn: string, param: string, type: CType, value: unknown): string {
  const members = type.members ?? [];
  const expected = `an object with exactly one member of union ${type.name} set (${members.join(', ')})`;
  if (typeof value !== 'object' || value === null || Array.isArray(value) || ArrayBuffer.isView(value)) {
    throw argumentError(fn, param, expected, value);
  }
  const v = value as Record<string, unknown>;
  const set = members.filter((m) => v[m] !== undefined);
  if (set.length !== 1) {
    const unknown = Object.keys(v).filter((k) => !members.includes(k));
    const hint =
      set.length === 0
        ? unknown.length > 0
          ? `'${unknown[0]}' is not a member of ${type.name}.`
          : 'No member is set; set the one C should read.'
        : `${set.length} members are set (${set.join(', ')}); a union holds one at a time, so keep only the one C should read.`;
    throw argumentError(fn, param, expected, value, hint);
  }
  return set[0] as string;
}
