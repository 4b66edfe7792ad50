// Shared pieces of argument checking: the check interfaces, buffer and pointer guards, struct, handle and callback checks.

import { types } from 'node:util';

import { isWideInt, type TypedArrayName } from '../declare/primitives';
import { RegisteredCallback } from '../callbacks/registered';
import { DisposedError, argumentError } from '../core/errors';
import { pendingPins, pinArray, type ManagedArray } from '../memory/managed-array';
import type { ParsedParam } from '../declare/prototype';
import type { CType } from '../declare/named-types';

/** Per-call scratch shared by the converters of one call (transient callbacks record errors here). */
export interface CallContext {
  callbackError?: unknown;
  callbackThrew: boolean;
  /** ManagedArrays this call pinned (async calls); sync calls record them in `pendingPins` instead. */
  pins?: ManagedArray[];
}

/** Per-parameter options from an array contract that relax the defaults. */
export interface PointerOptions {
  /** Accept SharedArrayBuffer-backed arrays (other threads may write them during the call). */
  readonly shared?: boolean;
}

/**
 * How one parameter is checked. `fast` is a JS expression over `x` that is true when `x` may be passed
 * unchanged (inlined into the generated wrapper); `convert` accepts every valid value, returns what
 * goes to C, and throws an ArgumentError for anything else.
 */
export interface ParamCheck {
  readonly name: string;
  readonly fast: string | null;
  readonly convert: (x: unknown, ctx: CallContext) => unknown;
  /** True when the converter needs a per-call context (transient callbacks). */
  readonly usesContext: boolean;
  /** Constants the fast expression refers to, by name. */
  readonly constants: Readonly<Record<string, unknown>>;
  /** True when the converter may pin a ManagedArray (the wrapper must release pins after the call). */
  readonly usesPins?: boolean;
}

export const kTypedArrays: Record<TypedArrayName, abstract new (...args: never[]) => ArrayBufferView> = {
  Int8Array,
  Uint8Array,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  BigInt64Array,
  BigUint64Array,
  Float32Array,
  Float64Array,
};

export const kMaxPointer = (1n << 64n) - 1n;

export function isDetached(view: ArrayBufferView): boolean {
  if (view.byteLength !== 0) return false;
  try {
    // Reading a zero-length slice throws only when the buffer is detached.
    (view.buffer as ArrayBuffer).slice(0, 0);
    return false;
  } catch {
    return true;
  }
}

/** Refuses buffers whose memory can move or vanish under C: detached, resizable and growable ones. */
export function checkBufferUsable(fn: string, param: string, expected: string, view: ArrayBufferView, options: PointerOptions = {}): void {
  const buf = view.buffer as ArrayBuffer & { resizable?: boolean; growable?: boolean };
  if (types.isSharedArrayBuffer(buf) && options.shared !== true) {
    throw argumentError(
      fn,
      param,
      expected,
      view,
      `Its buffer is a SharedArrayBuffer, which other threads may change during the call; opt in with arrays: { ${param}: { shared: true } } in bind().`,
    );
  }
  if (buf.resizable === true || buf.growable === true) {
    throw argumentError(
      fn,
      param,
      expected,
      view,
      'Its buffer is resizable, so C could write past its end after a resize; copy it into a fixed-length buffer first.',
    );
  }
  if (isDetached(view)) {
    throw argumentError(fn, param, expected, view, 'Its buffer is detached (transferred or closed); pass a live array.');
  }
}

/** Passes a ManagedArray as its address, pinned (not freed) until the call is over. */
export function managedPointer(
  fn: string,
  param: string,
  expected: string,
  x: ManagedArray,
  dtype: string | null,
  ctx: CallContext | undefined,
): bigint | null {
  if (dtype !== null && x.dtype !== dtype) throw argumentError(fn, param, expected, x, `It is a ManagedArray of ${x.dtype}.`);
  if (x.disposed)
    throw new DisposedError(`${fn}(): argument '${param}' is a disposed ManagedArray(${x.dtype}, ${x.length}); its memory is gone.`);
  if (ctx?.pins) {
    pinArray(x);
    ctx.pins.push(x);
  } else {
    pendingPins.push(x);
  }
  const ptr = x.pointer;
  return ptr === 0n ? null : ptr;
}

export function rawPointer(fn: string, param: string, expected: string, x: bigint): bigint | null {
  if (x < 0n || x > kMaxPointer) throw argumentError(fn, param, `${expected} (a bigint address must be in [0, 2**64))`, x);
  return x === 0n ? null : x;
}

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

export function opaquePointerCheck(fn: string, p: ParsedParam, expected: string): ParamCheck {
  return {
    name: p.name,
    fast: `(typeof x === 'bigint' && x > 0n && x <= ${kMaxPointer}n)`,
    usesContext: false,
    constants: {},
    convert: (x) => {
      if (x === null) return null;
      if (typeof x === 'bigint') return rawPointer(fn, p.name, expected, x);
      throw argumentError(fn, p.name, expected, x);
    },
  };
}

export function defaultReturn(result: CType['proto']): unknown {
  const r = result?.result;
  if (!r || (r.pointer === 0 && r.prim?.kind === 'void')) return undefined;
  if (r.pointer > 0) return null;
  if (r.prim?.kind === 'bool') return false;
  if (r.prim && isWideInt(r.prim)) return 0n;
  return 0;
}

export function callbackCheck(fn: string, p: ParsedParam, type: CType): ParamCheck {
  const fallback = defaultReturn(type.proto);
  const expected = `a function (${type.name} callback), a registered callback, or null`;
  return {
    name: p.name,
    fast: null,
    usesContext: true,
    constants: {},
    convert: (x, ctx) => {
      if (x === null) return null;
      if (typeof x === 'function') {
        const user = x as (...args: unknown[]) => unknown;
        // An exception must never unwind through C frames: record it, return a neutral value,
        // and let the wrapper rethrow it as a CallbackError once the native call has returned.
        return (...args: unknown[]) => {
          if (ctx.callbackThrew) return fallback;
          try {
            return user(...args);
          } catch (err) {
            ctx.callbackThrew = true;
            ctx.callbackError = err;
            return fallback;
          }
        };
      }
      if (typeof x === 'bigint') return rawPointer(fn, p.name, expected, x);
      if (x instanceof RegisteredCallback) {
        if (x.disposed) throw new DisposedError(`${fn}(): argument '${p.name}' is a disposed ${x.type.name} callback.`);
        if (x.type !== type && x.type.name !== type.name) throw argumentError(fn, p.name, expected, x, `It is a ${x.type.name} callback.`);
        return x.pointer;
      }
      throw argumentError(fn, p.name, expected, x);
    },
  };
}

/**
 * A struct argument: by value (`'value'`), through an input pointer (`'in'`: also an address or null),
 * or through an `_Out_`/`_Inout_` pointer (`'out'`: an object C fills, members not required).
 */
export function structCheck(fn: string, p: ParsedParam, named: CType, mode: 'value' | 'in' | 'out'): ParamCheck {
  const expected = `an object with the members of struct ${named.name}${mode === 'in' ? ', a bigint address or null' : ''}`;
  return {
    name: p.name,
    fast: null,
    usesContext: false,
    constants: {},
    convert: (x) => {
      if (typeof x === 'object' && x !== null && !Array.isArray(x) && !ArrayBuffer.isView(x)) {
        if (mode !== 'out') checkStructObject(fn, p.name, named, x);
        return x;
      }
      if (mode === 'in' && x === null) return null;
      if (mode === 'in' && typeof x === 'bigint') return rawPointer(fn, p.name, expected, x);
      throw argumentError(fn, p.name, expected, x, mode === 'out' ? 'Pass an object ({}); C fills its members.' : undefined);
    },
  };
}
