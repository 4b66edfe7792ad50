// Arguments crossing to a worker: shared memory passes as is, ordinary arrays are copied in and back, ManagedArrays are pinned.

import { types } from 'node:util';

import { argumentError, disposedArrayError, disposedError } from '../core/errors';
import { adoptHandle, isHandle, type Handle } from '../memory/handle';
import { isManagedArray, pinArray, unpinArray, type ManagedArray } from '../memory/managed-array';
import { NDArray } from '../memory/ndarray';
import { checkBufferUsable } from '../call/checks/buffers';
import type { FunctionPlan, ParamPlan } from './options';

/** Where the worker runs: a thread shares this process' memory, a process does not. */
export type Mode = 'thread' | 'process';

/** Key of the marker objects that stand for ManagedArrays and NDArrays on the wire. */
export const kMarker = '$ffikit';

/** A ManagedArray on the wire (thread mode only): its address, dtype and length. */
export interface ManagedMarker {
  readonly [kMarker]: 'managed';
  readonly ptr: bigint;
  readonly dtype: string;
  readonly length: number;
}

/** An NDArray on the wire: its (contiguous) data and shape. */
export interface NDMarker {
  readonly [kMarker]: 'nd';
  readonly data: ArrayBufferView;
  readonly shape: readonly number[];
  readonly readonly: boolean;
}

/** A Handle on the wire: its type and address (the worker checks the type against the parameter). */
export interface HandleMarker {
  readonly [kMarker]: 'handle';
  readonly type: string;
  readonly ptr: bigint;
}

/** True for a handle marker (from either side of the boundary). */
export function isHandleMarker(x: unknown): x is HandleMarker {
  return typeof x === 'object' && x !== null && (x as { [kMarker]?: unknown })[kMarker] === 'handle';
}

/** A Handle as it crosses the boundary. */
export function handleMarker(h: Handle): HandleMarker {
  return { [kMarker]: 'handle', type: h.type, ptr: h.pointer };
}

/** A value the worker sent back: handle markers become this side's Handles (the same Handle per address). */
export function fromWireValue(v: unknown): unknown {
  return isHandleMarker(v) ? adoptHandle(v.type, v.ptr) : v;
}

/** One call as sent to a worker: arguments, indices to send back after the call, indices to revive. */
export interface WireCall {
  readonly a: unknown[];
  readonly b?: number[];
  readonly r?: number[];
}

/** One call ready to be sent, with what to do once the worker answers. */
export interface PreparedCall {
  readonly wire: WireCall;
  /** ArrayBuffers to transfer (thread mode): the staged copies, never the caller's memory. */
  readonly transfer: readonly ArrayBuffer[];
  /** Writes what the worker sent back (index-aligned with `wire.b`) into the caller's arrays and out-params. */
  copyBack(values: readonly unknown[]): void;
  /** Releases the ManagedArray pins; call once the worker can no longer touch their memory. */
  release(): void;
}

interface ViewUse {
  readonly index: number;
  readonly view: ArrayBufferView;
  readonly writeBack: boolean;
  /** Builds the wire argument from the staged view. */
  readonly wrap: (staged: ArrayBufferView) => unknown;
}

type Ctor = new (buffer: ArrayBufferLike, byteOffset: number, length: number) => ArrayBufferView;

function viewLength(view: ArrayBufferView): number {
  return types.isDataView(view) ? view.byteLength : (view as unknown as { length: number }).length;
}

/** Copies one caller view into a staged one of the same type (byte for byte). */
function copyBytes(from: ArrayBufferView, to: ArrayBufferView): void {
  new Uint8Array(to.buffer, to.byteOffset, to.byteLength).set(new Uint8Array(from.buffer, from.byteOffset, from.byteLength));
}

/**
 * Copies the caller's views now (at submit: later changes by the caller do not reach the worker).
 * Views that share an ArrayBuffer go into one new buffer covering all of them, so aliasing arguments
 * (`simd_add(a, b, a)`) still alias in the worker. The start is rounded down to 8 bytes to keep every
 * view's alignment.
 */
function stage(uses: ViewUse[], mode: Mode, args: unknown[], transfer: ArrayBuffer[], back: Array<[number, ArrayBufferView]>): void {
  const groups = new Map<ArrayBufferLike, ViewUse[]>();
  for (const u of uses) {
    const g = groups.get(u.view.buffer);
    if (g) g.push(u);
    else groups.set(u.view.buffer, [u]);
  }
  for (const [buffer, group] of groups) {
    let lo = Infinity;
    let hi = 0;
    for (const u of group) {
      lo = Math.min(lo, u.view.byteOffset);
      hi = Math.max(hi, u.view.byteOffset + u.view.byteLength);
    }
    lo -= lo % 8;
    const copy = new ArrayBuffer(hi - lo);
    new Uint8Array(copy).set(new Uint8Array(buffer, lo, hi - lo));
    if (mode === 'thread') transfer.push(copy);
    for (const u of group) {
      // A Buffer crosses as a Uint8Array anyway (and `new Buffer(...)` is deprecated).
      const C = (Buffer.isBuffer(u.view) ? Uint8Array : u.view.constructor) as Ctor;
      const staged = new C(copy, u.view.byteOffset - lo, viewLength(u.view));
      args[u.index] = u.wrap(staged);
      if (u.writeBack) back.push([u.index, u.view]);
    }
  }
}

function managedMarker(fn: string, p: ParamPlan | undefined, x: ManagedArray, pins: ManagedArray[]): ManagedMarker {
  const param = p?.name ?? 'argument';
  if (x.disposed) throw disposedArrayError(`${fn}()`, param, x.dtype, x.length);
  if (p?.dtype && x.dtype !== p.dtype && !(p.char && x.dtype === 'uint8')) {
    throw argumentError(fn, param, `an array of ${p.dtype}`, x, `It is a ManagedArray of ${x.dtype}.`);
  }
  pinArray(x);
  pins.push(x);
  return { [kMarker]: 'managed', ptr: x.pointer, dtype: x.dtype, length: x.length };
}

/** True when every argument is a primitive value (the common case of tiny calls: nothing to stage). */
function allPrimitive(args: readonly unknown[]): boolean {
  for (let i = 0; i < args.length; i++) {
    const x = args[i];
    if (typeof x === 'object' ? x !== null : typeof x === 'function') return false;
  }
  return true;
}

/**
 * Prepares one call's arguments for a worker; null when they are all primitives (sent as they are).
 * - thread mode: SharedArrayBuffer-backed arrays pass as is (zero-copy, C writes are visible at once);
 *   ManagedArrays pass as their address and stay pinned until {@link PreparedCall.release}.
 * - ordinary typed arrays (and, in process mode, shared ones) are copied in, and copied back into the
 *   caller's array after the call unless the parameter is `const T *`.
 * - one-element arrays and struct objects at `_Out_`/`_Inout_` parameters get C's values written back.
 * - Handles pass as their type and address; a disposed one is refused here.
 * @throws {ArgumentError} for callbacks, resizable/detached buffers, strided NDArrays, and ManagedArrays in process mode.
 * @throws {DisposedError} for a disposed Handle.
 */
export function prepareCall(plan: FunctionPlan, input: readonly unknown[], mode: Mode): PreparedCall | null {
  const fn = plan.name;
  if (allPrimitive(input)) return null;
  const args = [...input];
  const uses: ViewUse[] = [];
  const pins: ManagedArray[] = [];
  const outs: number[] = [];
  const revive: number[] = [];
  try {
    for (let i = 0; i < args.length; i++) {
      const x = args[i];
      const p = plan.params[i];
      const param = p?.name ?? `#${i}`;
      const writeBack = p?.writable === true;
      if (typeof x === 'function') {
        throw argumentError(
          fn,
          param,
          'a value that can be sent to a worker',
          x,
          'Callbacks cannot cross to executor workers; call this function directly on this thread.',
        );
      }
      if (typeof x !== 'object' || x === null) continue;
      if (isHandle(x)) {
        // Checked here because a worker only sees the type and address; the type itself is checked there.
        if (x.disposed) throw disposedError(`${fn}(): argument '${param}' is a disposed ${x.type} handle; its object is gone.`);
        args[i] = handleMarker(x);
        revive.push(i);
      } else if (isManagedArray(x)) {
        if (mode === 'process') {
          throw argumentError(
            fn,
            param,
            'a typed array (copied to the worker process and back)',
            x,
            'A ManagedArray lives in this process: its address means nothing in a worker process. Pass x.toTypedArray(), or use a ThreadPoolExecutor.',
          );
        }
        args[i] = managedMarker(fn, p, x, pins);
        revive.push(i);
      } else if (NDArray.isNDArray(x)) {
        const data = x.contiguousData(fn, param) as ArrayBufferView;
        checkBufferUsable(fn, param, 'an NDArray', data, { shared: true });
        const marker = (staged: ArrayBufferView): NDMarker => ({ [kMarker]: 'nd', data: staged, shape: x.shape, readonly: x.readonly });
        revive.push(i);
        if (mode === 'thread' && types.isSharedArrayBuffer(data.buffer)) args[i] = marker(data);
        else uses.push({ index: i, view: data, writeBack: writeBack && !x.readonly, wrap: marker });
      } else if (ArrayBuffer.isView(x)) {
        checkBufferUsable(fn, param, 'an array', x, { shared: true });
        if (!(mode === 'thread' && types.isSharedArrayBuffer(x.buffer))) uses.push({ index: i, view: x, writeBack, wrap: (s) => s });
      } else if (types.isArrayBuffer(x) || types.isSharedArrayBuffer(x)) {
        if (mode === 'process' || types.isArrayBuffer(x)) uses.push({ index: i, view: new Uint8Array(x), writeBack, wrap: (s) => s });
      } else if (Array.isArray(x)) {
        if (p?.out) outs.push(i);
      } else if (p?.out && Object.getPrototypeOf(x) === Object.prototype) {
        // A struct at an _Out_/_Inout_ pointer: C fills it in the worker; its members come back.
        outs.push(i);
      } else {
        const o = x as { data?: unknown; shape?: unknown };
        // `{ data, shape }` (the plain form of an NDArray): copy its data like any array.
        if (ArrayBuffer.isView(o.data) && !(mode === 'thread' && types.isSharedArrayBuffer(o.data.buffer))) {
          const shape = o.shape;
          uses.push({ index: i, view: o.data, writeBack, wrap: (s) => ({ data: s, shape }) });
        }
      }
    }
  } catch (err) {
    for (const a of pins) unpinArray(a);
    throw err;
  }
  const transfer: ArrayBuffer[] = [];
  const back: Array<[number, ArrayBufferView]> = [];
  if (uses.length > 0) stage(uses, mode, args, transfer, back);
  const targets: Array<[number, unknown]> = [...back, ...outs.map((i): [number, unknown] => [i, input[i]])];
  const wire: WireCall = {
    a: args,
    ...(targets.length > 0 ? { b: targets.map(([i]) => i) } : {}),
    ...(revive.length > 0 ? { r: revive } : {}),
  };
  let released = false;
  return {
    wire,
    transfer,
    copyBack(values) {
      targets.forEach(([, target], k) => {
        const v = values[k];
        if (ArrayBuffer.isView(target)) {
          // A caller that detached or shrank its buffer meanwhile gets nothing rather than an exception here.
          if (ArrayBuffer.isView(v) && v.byteLength === target.byteLength) copyBytes(v, target);
        } else if (Array.isArray(target) && Array.isArray(v)) {
          for (let j = 0; j < v.length && j < target.length; j++) target[j] = fromWireValue(v[j]);
        } else if (typeof target === 'object' && target !== null && typeof v === 'object' && v !== null) {
          Object.assign(target, v);
        }
      });
    },
    release() {
      if (released) return;
      released = true;
      for (const a of pins) unpinArray(a);
    },
  };
}

/** Below this many calls a chunk is sent as argument lists: building columns would cost more than it saves. */
const kMinColumnar = 16;

/**
 * Packs a chunk of all-number argument lists into one Float64Array per parameter (every number,
 * NaN and -0 included, survives exactly). Cloning a few typed arrays costs a memcpy, where cloning
 * thousands of small JS arrays costs hundreds of nanoseconds per call.
 * @returns undefined when the chunk is small, ragged, or holds anything but numbers.
 */
export function encodeColumns(args: readonly unknown[][]): Float64Array[] | undefined {
  const n = args.length;
  if (n < kMinColumnar) return undefined;
  const width = (args[0] as unknown[]).length;
  const cols: Float64Array[] = [];
  for (let j = 0; j < width; j++) cols.push(new Float64Array(n));
  for (let k = 0; k < n; k++) {
    const a = args[k] as unknown[];
    if (a.length !== width) return undefined;
    for (let j = 0; j < width; j++) {
      const v = a[j];
      if (typeof v !== 'number') return undefined;
      (cols[j] as Float64Array)[k] = v;
    }
  }
  return cols;
}

/** A chunk of calls ready to send: all-number chunks as columns, others as argument lists plus the calls that carry arrays. */
export interface Payload {
  readonly n: number;
  /** The caller's argument lists (out-parameters filled once the worker answered). */
  readonly calls: readonly unknown[][];
  readonly cols?: Float64Array[];
  readonly args?: readonly unknown[][];
  /** PreparedCalls by index in `args` (copy-back, pins); absent when no call has any. */
  readonly extras?: ReadonlyMap<number, PreparedCall>;
}

/**
 * Prepares a chunk of argument lists (one list for `call`/`submit`).
 * @throws what prepareCall throws, after releasing what earlier calls of the chunk pinned.
 */
export function preparePayload(plan: FunctionPlan, chunk: readonly unknown[][], mode: Mode): Payload {
  const cols = encodeColumns(chunk);
  if (cols !== undefined) return { n: chunk.length, calls: chunk, cols };
  let args: unknown[][] | undefined;
  let extras: Map<number, PreparedCall> | undefined;
  try {
    for (let k = 0; k < chunk.length; k++) {
      const p = prepareCall(plan, chunk[k] as unknown[], mode);
      if (p === null) continue;
      args ??= [...chunk];
      (extras ??= new Map()).set(k, p);
      args[k] = p.wire.a;
    }
  } catch (err) {
    if (extras) for (const p of extras.values()) p.release();
    throw err;
  }
  return { n: chunk.length, calls: chunk, args: args ?? chunk, ...(extras ? { extras } : {}) };
}
