// Checks for memory C reads or writes through a pointer: typed arrays, Buffers, ArrayBuffers, ManagedArrays, addresses.

import { types } from 'node:util';

import { checkedMemory } from '../../core/checked';
import { argumentError, disposedArrayError } from '../../core/errors';
import { dtypeInfo, type DType } from '../../declare/dtype';
import type { Primitive } from '../../declare/primitives';
import type { ParsedParam } from '../../declare/prototype';
import { isManagedArray, type ManagedArray } from '../../memory/managed-array';
import { NDArray } from '../../memory/ndarray';
import type { CallScope } from '../scope';
import type { ParamCheck, PointerOptions } from './check';

export const kMaxPointer = (1n << 64n) - 1n;

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

/**
 * Typed arrays already found usable: over a fixed-length, non-shared buffer. The inline fast paths test
 * membership instead of reading `.buffer.resizable` (two builtin calls, some 30 ns). A typed array keeps
 * its buffer for life, so membership stays true; a detached one has length 0, which the fast path tests.
 */
export const usableArrays = new WeakSet<ArrayBufferView>();

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

/** Remembers a typed array that passed {@link checkBufferUsable}, for the fast paths (never a shared one). */
function markUsable(view: ArrayBufferView): void {
  if (!types.isSharedArrayBuffer(view.buffer)) usableArrays.add(view);
}

/** Passes a ManagedArray as its address; the scope pins it (defers any free) until the call is over. */
export function managedPointer(
  fn: string,
  param: string,
  expected: string,
  x: ManagedArray,
  dtype: string | null,
  scope: CallScope,
): bigint | null {
  if (dtype !== null && x.dtype !== dtype) throw argumentError(fn, param, expected, x, `It is a ManagedArray of ${x.dtype}.`);
  if (x.disposed) throw disposedArrayError(`${fn}()`, param, x.dtype, x.length);
  scope.record(x);
  if (checkedMemory()) scope.checkZones(x, fn, param);
  const ptr = x.pointer;
  return ptr === 0n ? null : ptr;
}

const kMinSigned = -(1n << 63n);

/**
 * A bigint address as C gave it: 0n passes NULL, and a negative bigint is its two's complement (so
 * `(void *)-1`, SQLITE_TRANSIENT, is `-1n`).
 */
export function rawPointer(fn: string, param: string, expected: string, x: bigint): bigint | null {
  if (x < kMinSigned || x > kMaxPointer) throw argumentError(fn, param, `${expected} (a bigint address must be in [-(2**63), 2**64))`, x);
  if (x < 0n) return x + (1n << 64n);
  return x === 0n ? null : x;
}

type NumberArrayCtor = new (length: number) => { [index: number]: number | bigint; readonly length: number };

const kMinSafe = BigInt(Number.MIN_SAFE_INTEGER);
const kMaxSafe = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * An `_Out_`/`_Inout_` JS array of numbers too large for the FFI layer's own copy (see
 * kCopiedOutBudget): C gets a typed array of it, and the elements are written back once the call is
 * over. 64-bit elements come back as numbers where that is exact and as bigints otherwise, as the FFI
 * layer's copy-back gives them.
 */
function stageNumbers(fn: string, param: string, list: unknown[], ctor: unknown, wide: boolean, inout: boolean, scope: CallScope): unknown {
  const staged = new (ctor as NumberArrayCtor)(list.length);
  if (inout) {
    for (let i = 0; i < list.length; i++) {
      const v = list[i];
      if (typeof v === 'number' && (!wide || Number.isSafeInteger(v))) staged[i] = wide ? BigInt(v) : v;
      else if (wide && typeof v === 'bigint') staged[i] = v;
      else throw argumentError(fn, `${param}[${i}]`, wide ? 'an integer (a safe number or a bigint)' : 'a number', v);
    }
  }
  scope.afterCall(() => {
    for (let i = 0; i < list.length; i++) {
      const v = staged[i] as number | bigint;
      list[i] = typeof v === 'bigint' && v >= kMinSafe && v <= kMaxSafe ? Number(v) : v;
    }
  });
  return staged;
}

/** `T *` where T is a number type: the matching typed array (or a one-element array for out-params). */
export function typedPointerCheck(fn: string, p: ParsedParam, prim: Primitive, options: PointerOptions = {}): ParamCheck {
  const t = p.type;
  const dtype = prim.dtype as DType;
  const { ctor, ctorName: arrayName, bytes: elementBytes } = dtypeInfo(fn, dtype);
  const isOut = t.direction !== 'in';
  const isChar = prim.isChar === true;
  const wide = dtype === 'int64' || dtype === 'uint64';
  const expected = isChar
    ? `a Uint8Array/Int8Array/Buffer C can write into (${t.text}), or null`
    : `${arrayName} (${dtype})${isOut ? ' or a one-element array' : ''}`;
  const ctorConst = `C_${arrayName}`;
  return {
    name: p.name,
    fast: isChar || isOut ? null : (x) => `(${x} instanceof ${ctorConst} && ${x}.length !== 0 && usableArrays.has(${x}))`,
    usesScope: true,
    constants: { [ctorConst]: ctor, usableArrays },
    convert: (x, scope) => {
      if (x === null) return null;
      if (isManagedArray(x)) return managedPointer(fn, p.name, expected, x, isChar && x.dtype === 'uint8' ? 'uint8' : dtype, scope);
      if (NDArray.isNDArray(x)) x = x.contiguousData(fn, p.name);
      const tag = ArrayBuffer.isView(x) ? (x as unknown as { [Symbol.toStringTag]: string })[Symbol.toStringTag] : undefined;
      if (
        tag === arrayName ||
        (isChar && (tag === 'Uint8Array' || tag === 'Int8Array')) ||
        (arrayName === 'Uint8Array' && tag === 'Uint8ClampedArray')
      ) {
        checkBufferUsable(fn, p.name, expected, x as ArrayBufferView, options);
        // Only number arrays have a fast path (this parameter's, or an array contract's) that reads the set.
        if (!isChar) markUsable(x as ArrayBufferView);
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
        if (scope.copiesOut(x.length * elementBytes)) return x;
        return stageNumbers(fn, p.name, x, ctor, wide, t.direction === 'inout', scope);
      }
      let hint: string | undefined;
      if (ArrayBuffer.isView(x)) hint = `Convert with new ${arrayName}(x).`;
      else if (Array.isArray(x)) hint = `Convert with ${arrayName}.from(x).`;
      throw argumentError(fn, p.name, expected, x, hint);
    },
  };
}

/** `void *`: any memory (views, ArrayBuffers, ManagedArrays) or an address. */
export function voidPointerCheck(fn: string, p: ParsedParam, options: PointerOptions = {}): ParamCheck {
  const expected = 'a typed array, Buffer, DataView, ArrayBuffer, ManagedArray, bigint address or null (void *)';
  return {
    name: p.name,
    fast: null,
    usesScope: true,
    constants: {},
    convert: (x, scope) => {
      if (x === null) return null;
      if (typeof x === 'bigint') return rawPointer(fn, p.name, expected, x);
      if (isManagedArray(x)) return managedPointer(fn, p.name, expected, x, null, scope);
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
      // The FFI layer cannot tell what element type a plain array would hold behind a void *.
      if (Array.isArray(x)) throw argumentError(fn, p.name, expected, x, 'Pass a typed array (e.g. Int32Array.from(x)) or a Buffer.');
      throw argumentError(fn, p.name, expected, x);
    },
  };
}
