// lib.variable(): an exported C variable read and written through its address, checked like a parameter.

import { paramCheck } from '../call/checks/select';
import { newScope } from '../call/scope';
import { argumentError, closedError, variableError } from '../core/errors';
import { namedType } from '../declare/type-registry';
import { recordObject } from '../declare/decode';
import { nativeSpelling, parseTypeSpelling, type TypeSpec, CType } from '../declare/named-types';
import type { LibraryState } from '../call/bind';
import { readElfDynamic } from '../native/binfmt/elf-symbols';
import { readPeExports } from '../native/binfmt/pe-exports';
import * as native from '../native/koffi';

/**
 * An exported variable of a loaded library (see {@link Library.variable}). `T` is what `get()` returns,
 * `In` what `set()` takes (they differ for pointer variables: `const char *` reads as a string, is set by address).
 */
export interface Variable<T = unknown, In = T> {
  /** Reads the current value (a struct as a plain object; a pointer as its address, `const char *` as the string). */
  get(): T;
  /** Writes a value, checked as a parameter of the variable's type would be (pointers: a bigint address or null). */
  set(value: In): void;
  /** The variable's address. */
  readonly pointer: bigint;
}

/** Exported names of the library file (for "did you mean"); empty where the format cannot be read. */
function exportedNames(path: string): string[] {
  try {
    if (process.platform === 'win32') return readPeExports(path).exports.map((e) => e.name);
    if (process.platform !== 'darwin') return readElfDynamic(path).exports.map((e) => e.name);
  } catch {
    // A library that loaded but cannot be parsed only loses the suggestions.
  }
  return [];
}

/** Names within a small edit distance of `wanted` (or containing it), closest first. */
function nearNames(wanted: string, names: readonly string[]): string[] {
  const w = wanted.toLowerCase();
  const max = Math.max(2, Math.floor(wanted.length / 3));
  const distance = (a: string, b: string): number => {
    let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      const row = [i];
      for (let j = 1; j <= b.length; j++) {
        row.push(Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1)));
      }
      prev = row;
    }
    return prev[b.length] as number;
  };
  return names
    .map((name) => {
      const n = name.toLowerCase();
      // A prefix or infix match (`abi_int` for `abi_integer`) is a good hint even at a larger distance.
      return { name, d: (n.length >= 3 && w.includes(n)) || n.includes(w) ? max : distance(w, n) };
    })
    .filter((x) => x.d <= max && x.name !== wanted)
    .sort((a, b) => a.d - b.d || a.name.localeCompare(b.name))
    .slice(0, 5)
    .map((x) => x.name);
}

/**
 * Looks up an exported variable and returns its accessor.
 * @internal used by Library.variable
 */
export function defineVariable<T, In>(state: LibraryState, path: string, name: string, type: TypeSpec): Variable<T, In> {
  if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw argumentError('variable', 'name', 'a C identifier', name);
  const where = `variable(): '${name}'`;
  const spelling = type instanceof CType ? type.name : type;
  if (typeof spelling !== 'string') throw argumentError('variable', 'type', "a C type name (e.g. 'int') or an ffikit type", type);
  const parsed = parseTypeSpelling(spelling, where);
  if (parsed.prim?.kind === 'void' && parsed.pointer === 0)
    throw variableError(name, "expected a data type, got 'void'. Give the variable's C type, e.g. 'int'.");
  const nativeType = nativeSpelling(parsed);
  const address = state.native.address(name);
  if (address === undefined) {
    const near = nearNames(name, exportedNames(path));
    throw variableError(
      name,
      `the library ${state.label} does not export a variable '${name}'.${near.length > 0 ? ` Did you mean ${near.map((n) => `'${n}'`).join(', ')}?` : ''} Check the spelling, and that it is declared extern with C linkage and default visibility.`,
    );
  }
  const record = parsed.pointer === 0 && !parsed.prim ? namedType(parsed.base) : undefined;
  const isPointer = parsed.pointer > 0;
  const check = isPointer ? undefined : paramCheck(`${name}.set`, { name: 'value', type: { ...parsed, direction: 'in' } });
  const live = (what: string): void => {
    if (state.closed) throw closedError(`${name}.${what}()`, state.label);
  };
  return Object.freeze({
    pointer: address,
    get: (): T => {
      live('get');
      const raw = native.decode(address, nativeType);
      return (record ? recordObject(record, raw) : raw) as T;
    },
    set: (value: In): void => {
      live('set');
      if (isPointer) {
        // Storing a JS string or buffer would leave C holding memory the GC frees: only addresses go in.
        if (value !== null && typeof value !== 'bigint') {
          throw argumentError(`${name}.set`, 'value', `a bigint address or null (the variable is '${parsed.text}')`, value);
        }
        native.encode(address, 'void *', value);
        return;
      }
      native.encode(address, nativeType, (check as NonNullable<typeof check>).convert(value, newScope()));
    },
  });
}
