// Per-parameter argument checks: a fast inline test for the common case and a complete converter.

import { DTYPE_OF, intRange, isWideInt, type Primitive, type TypedArrayName } from './c-types';
import { types } from 'node:util';

import { ArgumentError, CallbackError, DisposedError, FfikitError, argumentError, describeValue } from './errors';
import { RegisteredCallback } from './callbacks';
import { isManagedArray, pendingPins, pinArray, type ManagedArray } from './managed-array';
import { NDArray } from './ndarray';
import type { ParsedParam } from './prototype';
import { namedType, type CType } from './types';

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

const kTypedArrays: Record<TypedArrayName, abstract new (...args: never[]) => ArrayBufferView> = {
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

const kMaxPointer = (1n << 64n) - 1n;

function isDetached(view: ArrayBufferView): boolean {
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
function managedPointer(
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

function rawPointer(fn: string, param: string, expected: string, x: bigint): bigint | null {
  if (x < 0n || x > kMaxPointer) throw argumentError(fn, param, `${expected} (a bigint address must be in [0, 2**64))`, x);
  return x === 0n ? null : x;
}

function intCheck(fn: string, p: ParsedParam, prim: Primitive): ParamCheck {
  const [lo, hi] = intRange(prim);
  const ctype = p.type.text;
  if (isWideInt(prim)) {
    const expected = `an integer (${ctype}) in [${lo}, ${hi}]`;
    return {
      name: p.name,
      fast: prim.signed
        ? `(typeof x === 'number' && Number.isSafeInteger(x))`
        : `(typeof x === 'number' && Number.isSafeInteger(x) && x >= 0)`,
      usesContext: false,
      constants: {},
      convert: (x) => {
        if (typeof x === 'number') {
          if (Number.isSafeInteger(x) && BigInt(x) >= lo) return x;
          if (Number.isInteger(x) && Math.abs(x) > Number.MAX_SAFE_INTEGER && Math.abs(x) <= 2 ** 64) {
            throw argumentError(
              fn,
              p.name,
              expected,
              x,
              `Above 2**53 a number cannot hold every integer exactly; pass a BigInt instead (e.g. ${BigInt(x)}n if that is the exact value).`,
            );
          }
          throw argumentError(fn, p.name, expected, x);
        }
        if (typeof x === 'bigint') {
          if (x >= lo && x <= hi) return x;
          throw argumentError(fn, p.name, expected, x);
        }
        throw argumentError(fn, p.name, `${expected} as a number or bigint`, x);
      },
    };
  }
  const expected = `an integer (${ctype}) in [${lo}, ${hi}]`;
  const nlo = Number(lo);
  const nhi = Number(hi);
  let fast: string;
  if (prim.size === 4) fast = prim.signed ? `(typeof x === 'number' && (x | 0) === x)` : `(typeof x === 'number' && (x >>> 0) === x)`;
  else fast = `(typeof x === 'number' && (x | 0) === x && x >= ${nlo} && x <= ${nhi})`;
  return {
    name: p.name,
    fast,
    usesContext: false,
    constants: {},
    convert: (x) => {
      if (typeof x === 'number' && Number.isInteger(x) && x >= nlo && x <= nhi) return x;
      const hint = typeof x === 'bigint' && x >= lo && x <= hi ? `Pass it as a number: ${x}.` : undefined;
      throw argumentError(fn, p.name, expected, x, hint);
    },
  };
}

function valueCheck(fn: string, p: ParsedParam): ParamCheck {
  const t = p.type;
  const prim = t.prim;
  if (prim) {
    switch (prim.kind) {
      case 'bool':
        return {
          name: p.name,
          fast: `(typeof x === 'boolean')`,
          usesContext: false,
          constants: {},
          convert: (x) => {
            if (typeof x === 'boolean') return x;
            throw argumentError(fn, p.name, 'a boolean (bool)', x, typeof x === 'number' ? 'Pass true or false.' : undefined);
          },
        };
      case 'float':
        return {
          name: p.name,
          fast: `(typeof x === 'number')`,
          usesContext: false,
          constants: {},
          convert: (x) => {
            if (typeof x === 'number') return x;
            throw argumentError(fn, p.name, `a number (${t.text})`, x, typeof x === 'bigint' ? 'Convert with Number(x).' : undefined);
          },
        };
      default:
        return intCheck(fn, p, prim);
    }
  }
  const named = namedType(t.base) as CType;
  if (named.prim) return valueCheck(fn, { name: p.name, type: { ...t, prim: named.prim } });
  switch (named.kind) {
    case 'struct':
      return {
        name: p.name,
        fast: null,
        usesContext: false,
        constants: {},
        convert: (x) => {
          if (typeof x === 'object' && x !== null && !Array.isArray(x) && !ArrayBuffer.isView(x)) {
            checkStructObject(fn, p.name, named, x);
            return x;
          }
          throw argumentError(fn, p.name, `an object with the members of struct ${named.name}`, x);
        },
      };
    case 'callback':
      return callbackCheck(fn, p, named);
    default:
      // Pointer-like typedefs (handles): addresses as C returned them.
      return opaquePointerCheck(fn, p, `a ${named.name} handle (bigint address) or null`);
  }
}

/** koffi reads a missing member as 0; a struct argument must name every member instead. */
function checkStructObject(fn: string, param: string, type: CType, value: object): void {
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

function opaquePointerCheck(fn: string, p: ParsedParam, expected: string): ParamCheck {
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

function defaultReturn(result: CType['proto']): unknown {
  const r = result?.result;
  if (!r || (r.pointer === 0 && r.prim?.kind === 'void')) return undefined;
  if (r.pointer > 0) return null;
  if (r.prim?.kind === 'bool') return false;
  if (r.prim && isWideInt(r.prim)) return 0n;
  return 0;
}

function callbackCheck(fn: string, p: ParsedParam, type: CType): ParamCheck {
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

function typedPointerCheck(fn: string, p: ParsedParam, prim: Primitive, options: PointerOptions = {}): ParamCheck {
  const t = p.type;
  const arrayName = prim.typedArray as TypedArrayName;
  const Ctor = kTypedArrays[arrayName];
  const dtype = DTYPE_OF[arrayName];
  const isOut = t.direction !== 'in';
  const isChar = prim.isChar === true;
  const expected = isChar
    ? `a Uint8Array/Int8Array/Buffer C can write into (${t.text}), or null`
    : `${arrayName} (${dtype})${isOut ? ' or a one-element array' : ''}`;
  const fast = isChar || isOut ? null : `(x instanceof C_${arrayName} && x.length !== 0 && x.buffer.resizable === false)`;
  return {
    name: p.name,
    fast,
    usesContext: false,
    usesPins: true,
    constants: { [`C_${arrayName}`]: Ctor },
    convert: (x, ctx) => {
      if (x === null) return null;
      if (isManagedArray(x)) return managedPointer(fn, p.name, expected, x, isChar && x.dtype === 'uint8' ? 'uint8' : dtype, ctx);
      if (NDArray.isNDArray(x)) x = x.contiguousData(fn, p.name);
      const tag = ArrayBuffer.isView(x) ? (x as unknown as { [Symbol.toStringTag]: string })[Symbol.toStringTag] : undefined;
      if (
        tag === arrayName ||
        (isChar && (tag === 'Uint8Array' || tag === 'Int8Array')) ||
        (arrayName === 'Uint8Array' && tag === 'Uint8ClampedArray')
      ) {
        checkBufferUsable(fn, p.name, expected, x as ArrayBufferView, options);
        return x;
      }
      if (typeof x === 'bigint') return rawPointer(fn, p.name, expected, x);
      if (isChar && typeof x === 'string') {
        // A string would reach C as a temporary copy: writes would be lost, and a length larger than
        // the copy would let C write past it. Strings are for `const char *`.
        throw argumentError(
          fn,
          p.name,
          expected,
          x,
          `If C only reads it, declare the parameter 'const char *'; if C writes into it, pass Buffer.alloc(n).`,
        );
      }
      if (isOut && Array.isArray(x)) {
        if (x.length < 1) throw argumentError(fn, p.name, expected, x, 'Pass [initialValue]; C writes the result into element 0.');
        return x;
      }
      let hint: string | undefined;
      if (ArrayBuffer.isView(x)) hint = `Convert with new ${arrayName}(x).`;
      else if (Array.isArray(x)) hint = `Convert with ${arrayName}.from(x).`;
      throw argumentError(fn, p.name, expected, x, hint);
    },
  };
}

function stringCheck(fn: string, p: ParsedParam): ParamCheck {
  return {
    name: p.name,
    fast: `(typeof x === 'string' && x.indexOf('\\0') === -1)`,
    usesContext: false,
    constants: {},
    convert: (x) => {
      if (x === null) return null;
      if (typeof x === 'string') {
        const nul = x.indexOf('\0');
        if (nul >= 0)
          throw argumentError(fn, p.name, 'a string without NUL characters', x, `It has one at index ${nul}; C would stop reading there.`);
        return x;
      }
      throw argumentError(
        fn,
        p.name,
        `a string (${p.type.text}) or null`,
        x,
        ArrayBuffer.isView(x) ? 'Decode it first, e.g. with buffer.toString().' : undefined,
      );
    },
  };
}

function voidPointerCheck(fn: string, p: ParsedParam, options: PointerOptions = {}): ParamCheck {
  const expected = 'a typed array, Buffer, DataView, ArrayBuffer, ManagedArray, bigint address or null (void *)';
  return {
    name: p.name,
    fast: null,
    usesContext: false,
    usesPins: true,
    constants: {},
    convert: (x, ctx) => {
      if (x === null) return null;
      if (typeof x === 'bigint') return rawPointer(fn, p.name, expected, x);
      if (isManagedArray(x)) return managedPointer(fn, p.name, expected, x, null, ctx);
      if (NDArray.isNDArray(x)) x = x.contiguousData(fn, p.name);
      if (ArrayBuffer.isView(x)) {
        checkBufferUsable(fn, p.name, expected, x, options);
        return x;
      }
      if (types.isArrayBuffer(x)) {
        const buf = x as ArrayBuffer & { resizable?: boolean };
        if (buf.resizable === true)
          throw argumentError(fn, p.name, expected, x, 'It is resizable; copy it into a fixed-length buffer first.');
        return new Uint8Array(x);
      }
      if (p.type.direction !== 'in' && Array.isArray(x) && x.length >= 1) return x;
      throw argumentError(fn, p.name, expected, x);
    },
  };
}

function multiPointerCheck(fn: string, p: ParsedParam): ParamCheck {
  const t = p.type;
  const isOut = t.direction !== 'in';
  const expected = isOut
    ? `a one-element array to receive the ${t.text.replace(/\s*\*$/, '')} (${t.text})`
    : `an array, bigint address or null (${t.text})`;
  return {
    name: p.name,
    fast: null,
    usesContext: false,
    constants: {},
    convert: (x) => {
      if (x === null && !isOut) return null;
      if (typeof x === 'bigint' && !isOut) return rawPointer(fn, p.name, expected, x);
      if (Array.isArray(x) && (!isOut || x.length >= 1)) {
        if (t.prim?.isChar && t.pointer === 2 && !isOut) {
          x.forEach((s, i) => {
            if (s !== null && (typeof s !== 'string' || s.includes('\0'))) {
              throw argumentError(fn, `${p.name}[${i}]`, 'a string without NUL characters or null', s);
            }
          });
        }
        return x;
      }
      throw argumentError(fn, p.name, expected, x);
    },
  };
}

function namedPointerCheck(fn: string, p: ParsedParam, named: CType): ParamCheck {
  if (named.prim) return pointerCheck(fn, { name: p.name, type: { ...p.type, prim: named.prim } });
  const t = p.type;
  const isOut = t.direction !== 'in';
  if (named.kind === 'struct' && t.pointer === 1) {
    const expected = `an object with the members of struct ${named.name}${isOut ? '' : ', a bigint address or null'}`;
    return {
      name: p.name,
      fast: null,
      usesContext: false,
      constants: {},
      convert: (x) => {
        if (typeof x === 'object' && x !== null && !Array.isArray(x) && !ArrayBuffer.isView(x)) {
          if (!isOut) checkStructObject(fn, p.name, named, x);
          return x;
        }
        if (!isOut && x === null) return null;
        if (!isOut && typeof x === 'bigint') return rawPointer(fn, p.name, expected, x);
        throw argumentError(fn, p.name, expected, x, isOut ? 'Pass an object ({}); C fills its members.' : undefined);
      },
    };
  }
  if (named.kind === 'callback' && t.pointer === 1) return callbackCheck(fn, p, named);
  if (t.pointer >= 2 || isOut) return multiPointerCheck(fn, p);
  return opaquePointerCheck(fn, p, `a ${named.name} pointer (bigint address as C returned it) or null`);
}

function pointerCheck(fn: string, p: ParsedParam, options: PointerOptions = {}): ParamCheck {
  const t = p.type;
  const prim = t.prim;
  if (!prim) return namedPointerCheck(fn, p, namedType(t.base) as CType);
  if (t.pointer === 1 && prim.kind === 'void') return voidPointerCheck(fn, p, options);
  if (t.pointer === 1 && t.constBase && t.direction === 'in' && (prim.isChar || prim.kind === 'char16' || prim.kind === 'char32'))
    return stringCheck(fn, p);
  if (t.pointer === 1 && prim.typedArray) return typedPointerCheck(fn, p, prim, options);
  return multiPointerCheck(fn, p);
}

/** Builds the check for one declared parameter. */
export function paramCheck(fn: string, p: ParsedParam, options: PointerOptions = {}): ParamCheck {
  const t = p.type;
  const named = t.prim ? undefined : namedType(t.base);
  if (t.pointer === 0 && !(named?.kind === 'callback')) return valueCheck(fn, p);
  if (named?.kind === 'callback') return callbackCheck(fn, p, named);
  return pointerCheck(fn, p, options);
}

/** Rethrows what a transient callback threw, once the native call is over. */
export function callbackFailure(fn: string, ctx: CallContext): CallbackError {
  const cause = ctx.callbackError;
  const what = cause instanceof Error ? `${cause.name}: ${cause.message}` : describeValue(cause);
  return new CallbackError(
    `${fn}(): a callback threw during the native call (${what}); the call completed and the error is attached as .cause.`,
    cause,
  );
}

/** Turns an error thrown by the FFI layer while converting arguments into an ArgumentError. */
export function translateNativeThrow(fn: string, err: unknown): unknown {
  // koffi's errors may come from another realm (vm contexts, jest), so test by shape, not instanceof.
  if (err instanceof FfikitError || !types.isNativeError(err)) return err;
  const e = err as Error;
  if (/non-registered callback/i.test(e.message)) {
    return new DisposedError(
      `${fn}(): C called a callback that was already disposed (unregistered); dispose callbacks only once C can no longer call them.`,
    );
  }
  if (e.name === 'TypeError' || /unexpected|expected|invalid|cannot/i.test(e.message)) {
    return new ArgumentError(`${fn}(): the arguments were refused: ${e.message.replace(/\.$/, '')}.`);
  }
  return err;
}
