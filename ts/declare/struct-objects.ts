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
    if (nested) {
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
