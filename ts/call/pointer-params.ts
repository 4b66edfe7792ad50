// Argument checks for pointer parameters: typed arrays, strings, void *, out-params, named pointers.

import { types } from 'node:util';

import { DTYPE_OF, type Primitive, type TypedArrayName } from '../declare/primitives';
import { argumentError } from '../core/errors';
import { isManagedArray } from '../memory/managed-array';
import { NDArray } from '../memory/ndarray';
import {
  callbackCheck,
  checkBufferUsable,
  kTypedArrays,
  managedPointer,
  opaquePointerCheck,
  rawPointer,
  structCheck,
  type ParamCheck,
  type PointerOptions,
} from './param-types';
import type { ParsedParam } from '../declare/prototype';
import { namedType, type CType } from '../declare/named-types';

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
  if (named.kind === 'struct' && t.pointer === 1) return structCheck(fn, p, named, isOut ? 'out' : 'in');
  if (named.kind === 'callback' && t.pointer === 1) return callbackCheck(fn, p, named);
  if (t.pointer >= 2 || isOut) return multiPointerCheck(fn, p);
  return opaquePointerCheck(fn, p, `a ${named.name} pointer (bigint address as C returned it) or null`);
}

export function pointerCheck(fn: string, p: ParsedParam, options: PointerOptions = {}): ParamCheck {
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
