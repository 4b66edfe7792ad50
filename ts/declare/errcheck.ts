// Error-code tables and errcheck policies: how a native return value becomes a NativeError.

import * as util from 'node:util';

import { argumentError, bindError, NativeError, nativeFailure } from '../core/errors';
import { enumerationType, type Enumeration } from './named-types';
import type { ParsedType } from './prototype';
import type { CType } from './type-registry';

/** One table entry: the status value, optionally with a human message. */
export type ErrorTableEntry = number | readonly [number, string];

const kTable = Symbol('ffikit.errorTable');

interface TableData {
  readonly names: ReadonlyMap<number, string>;
  readonly messages: ReadonlyMap<number, string>;
  readonly ok: ReadonlySet<number>;
}

/**
 * A table of a library's status codes, built by {@link errorCodes}. Each name is also a property
 * holding its value (`Codes.ERR_INVALID_SIZE === -2`).
 */
export class ErrorCodeTable {
  /** @internal */
  readonly [kTable]: TableData;

  /** @internal */
  constructor(data: TableData) {
    this[kTable] = data;
  }

  /** The statuses that mean success. */
  get ok(): ReadonlySet<number> {
    return this[kTable].ok;
  }

  /** The name of a status, or `'UNKNOWN'`. */
  nameOf(status: number): string {
    return this[kTable].names.get(status) ?? 'UNKNOWN';
  }

  /** The message of a status (the table's text, else its name), or `undefined` when unlisted. */
  messageOf(status: number): string | undefined {
    return this[kTable].messages.get(status);
  }

  /** Every (name, value) pair in table order. */
  entries(): Array<[string, number]> {
    return [...this[kTable].names].map(([v, n]) => [n, v]);
  }
}

/** Type-level marker carrying a table's success statuses (no runtime value). */
export declare const kOkType: unique symbol;

/**
 * The table type `errorCodes()` returns: the methods plus one numeric property per name. `OK` records
 * the success statuses so bound functions with one success value return `void`, and those with
 * several return which one they got.
 */
export type ErrorCodes<
  T extends Record<string, ErrorTableEntry> = Record<string, ErrorTableEntry>,
  OK extends readonly number[] = readonly [0],
> = ErrorCodeTable & {
  readonly [K in keyof T]: number;
} & {
  /** @internal Type-level only: the success statuses. */
  readonly [kOkType]?: OK;
};

/**
 * Declares a library's status codes. Status 0 means success unless `ok` lists the successful values.
 * @param table Name to value, or to `[value, message]`.
 * @param options `ok`: the statuses that mean success (default `[0]`), e.g. `[0, 1]` for zlib's Z_STREAM_END.
 * @returns A table usable as `errcheck` in {@link Library.bind}.
 * @throws {ArgumentError} for a malformed table (non-integer value, duplicate value).
 * @example
 * const Codes = ffikit.errorCodes({ SUCCESS: 0, ERR_NULL_POINTER: [-1, 'Null pointer error'] });
 * const m = lib.bind({ safe_operation: { fn: 'int safe_operation(double *arr, size_t len)', errcheck: Codes } });
 */
export function errorCodes<
  const N extends string,
  const M extends Readonly<Record<string, number>>,
  const OK extends readonly (keyof M & string)[],
>(
  table: Enumeration<N, M>,
  options: { ok: OK },
): ErrorCodes<
  M,
  readonly number[] & {
    /** @internal Type-level only: how many success statuses there are. */
    length: OK['length'];
  }
>;
export function errorCodes<const T extends Record<string, ErrorTableEntry>, const OK extends readonly number[] = readonly [0]>(
  table: T,
  options?: { ok?: OK },
): ErrorCodes<T, OK>;
export function errorCodes(table: Record<string, ErrorTableEntry>, options?: { ok?: readonly (number | string)[] }): ErrorCodeTable {
  const enumType = enumerationType(table);
  if (enumType) return errorCodesOfEnumeration(enumType, options);
  if (typeof table !== 'object' || table === null || Array.isArray(table)) {
    throw argumentError('errorCodes', 'table', "an object such as { SUCCESS: 0, ERR_X: [-1, 'message'] }", table);
  }
  const names = new Map<number, string>();
  const messages = new Map<number, string>();
  const props: Record<string, number> = {};
  for (const [name, entry] of Object.entries(table)) {
    const [value, message] = Array.isArray(entry) ? (entry as readonly [number, string]) : [entry as number, undefined];
    if (!Number.isSafeInteger(value)) throw argumentError('errorCodes', name, 'an integer status (or [status, message])', value);
    if (message !== undefined && typeof message !== 'string') throw argumentError('errorCodes', name, 'a string message', message);
    const clash = names.get(value);
    if (clash !== undefined) throw argumentError('errorCodes', name, `a status not already used by '${clash}'`, value);
    if (name in ErrorCodeTable.prototype) throw argumentError('errorCodes', name, 'a name that is not a method of the table', name);
    names.set(value, name);
    if (message !== undefined) messages.set(value, message);
    props[name] = value;
  }
  const okList = (options?.ok ?? [0]) as readonly number[];
  if (!Array.isArray(okList) || okList.length === 0 || !okList.every((v) => Number.isSafeInteger(v))) {
    throw argumentError('errorCodes', 'ok', 'a non-empty array of integer statuses', okList);
  }
  const result = new ErrorCodeTable({ names, messages, ok: new Set(okList) });
  for (const [name, value] of Object.entries(props)) {
    Object.defineProperty(result, name, { value, enumerable: true });
  }
  return Object.freeze(result);
}

/** A table from an enumeration: each value named by its first member; `ok` lists member names or values. */
function errorCodesOfEnumeration(type: CType, options: { ok?: readonly (number | string)[] } | undefined): ErrorCodeTable {
  const members = type.enumMembers ?? new Map<string, number>();
  const table: Record<string, number> = {};
  const seen = new Set<number>();
  for (const [name, value] of members) {
    if (seen.has(value)) continue; // C enums may alias a value under several names
    seen.add(value);
    table[name] = value;
  }
  if (!options || !Array.isArray(options.ok) || options.ok.length === 0) {
    throw argumentError(
      'errorCodes',
      'ok',
      `the ${type.name} members that mean success, e.g. { ok: ['${[...members.keys()][0]}'] }`,
      options?.ok,
    );
  }
  const ok = options.ok.map((entry) => {
    const value = typeof entry === 'string' ? members.get(entry) : entry;
    if (typeof value !== 'number' || !seen.has(value)) {
      throw argumentError('errorCodes', 'ok', `member names or values of ${type.name}`, entry);
    }
    return value;
  });
  return errorCodes(table, { ok });
}

/** The errcheck policies ffikit knows by name. */
export type ErrcheckPolicy = 'nonzero-status' | 'negative-errno' | 'null-is-failure';

/** What a custom errcheck function receives besides the raw result. */
export interface ErrcheckContext {
  /** The JS name of the bound function. */
  readonly fn: string;
  /** The prototype as declared. */
  readonly prototype: string;
  /** The arguments as passed to C (after conversion). */
  readonly args: readonly unknown[];
}

/** A custom errcheck: return the value the call should return, or throw. */
export type ErrcheckFunction = (result: unknown, ctx: ErrcheckContext) => unknown;

/** Everything `errcheck` accepts. */
export type Errcheck = ErrorCodeTable | ErrcheckPolicy | ErrcheckFunction;

/** A compiled errcheck, ready to be inlined by the call wrapper generator. */
export type CompiledErrcheck =
  | { kind: 'none' }
  | { kind: 'status'; okZeroOnly: boolean; ok: ReadonlySet<number>; fail: (status: number) => NativeError; returnsValue: boolean }
  | { kind: 'negative'; fail: (status: number) => NativeError }
  | { kind: 'null'; fail: () => NativeError }
  | { kind: 'custom'; check: ErrcheckFunction };

function isIntegerResult(t: ParsedType): boolean {
  return t.pointer === 0 && t.prim !== undefined && t.prim.kind === 'int';
}

function systemErrorName(errno: number): string {
  try {
    return util.getSystemErrorName(-Math.abs(errno));
  } catch {
    return 'UNKNOWN';
  }
}

function systemErrorMessage(errno: number): string | undefined {
  return util.getSystemErrorMap().get(-Math.abs(errno))?.[1];
}

/** Compiles an errcheck option against a function's result type. */
export function compileErrcheck(
  errcheck: unknown,
  fn: string,
  result: ParsedType,
  prototype: string,
  lastErrno: () => number,
): CompiledErrcheck {
  if (errcheck === undefined) return { kind: 'none' };
  const fail = (status: number, name: string, text: string): NativeError => nativeFailure(fn, status, name, text);
  if (errcheck instanceof ErrorCodeTable || errcheck === 'nonzero-status') {
    if (!isIntegerResult(result)) {
      throw bindError(
        fn,
        `errcheck ${errcheck instanceof ErrorCodeTable ? 'errorCodes table' : "'nonzero-status'"} needs an integer return type, got '${result.text}'.`,
      );
    }
    if (errcheck === 'nonzero-status') {
      return {
        kind: 'status',
        okZeroOnly: true,
        ok: new Set([0]),
        returnsValue: false,
        fail: (s) => fail(s, 'UNKNOWN', 'non-zero status'),
      };
    }
    const table = errcheck;
    const ok = table.ok;
    return {
      kind: 'status',
      okZeroOnly: ok.size === 1 && ok.has(0),
      ok,
      // With several success values the caller needs to know which one it got (SQLITE_ROW vs SQLITE_DONE).
      returnsValue: ok.size > 1,
      fail: (s) => {
        const name = table.nameOf(s);
        return fail(s, name, table.messageOf(s) ?? (name === 'UNKNOWN' ? `status ${s} is not in the error table` : name));
      },
    };
  }
  if (errcheck === 'negative-errno') {
    if (!isIntegerResult(result) || !result.prim?.signed) {
      throw bindError(fn, `errcheck 'negative-errno' needs a signed integer return type, got '${result.text}'.`);
    }
    return {
      kind: 'negative',
      fail: (s) => fail(s, systemErrorName(s), systemErrorMessage(s) ?? `error ${s}`),
    };
  }
  if (errcheck === 'null-is-failure') {
    if (result.pointer === 0) {
      throw bindError(fn, `errcheck 'null-is-failure' needs a pointer or string return type, got '${result.text}'.`);
    }
    return {
      kind: 'null',
      fail: () => {
        const errno = lastErrno();
        if (errno === 0) return nativeFailure(fn, 0, 'NULL', 'returned NULL');
        const name = systemErrorName(errno);
        return nativeFailure(fn, errno, name, `returned NULL; errno says: ${systemErrorMessage(errno) ?? 'unknown error'}`);
      },
    };
  }
  if (typeof errcheck === 'function') return { kind: 'custom', check: errcheck as ErrcheckFunction };
  throw bindError(
    fn,
    `errcheck expects an errorCodes() table, 'nonzero-status', 'negative-errno', 'null-is-failure' or a function, got ${typeof errcheck === 'string' ? `'${errcheck}'` : typeof errcheck}.`,
  );
}
