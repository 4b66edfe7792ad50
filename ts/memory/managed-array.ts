// ManagedArray: native memory with one owner, one disposer, scoped views and a GC backstop.

import { inspect } from 'node:util';

import {
  checkElement,
  dtypeInfo,
  dtypeOfArray,
  type AnyTypedArray,
  type DType,
  type DTypeOfArray,
  type ElementOf,
  type TypedArrayOf,
} from '../declare/dtype';
import { argumentError, disposedArrayError, nativeFailure } from '../core/errors';
import * as native from '../native/koffi';
import {
  backstop,
  captureSite,
  checkAllocatorType,
  customOwner,
  defaultOwner,
  type Backstop,
  type ManagedArrayOptions,
  type Owner,
} from './array-owner';

export type { Allocator, Deallocator, ManagedArrayOptions } from './array-owner';

const kManaged = Symbol.for('ffikit.ManagedArray');
const kPin = Symbol('ffikit.pin');
const kUnpin = Symbol('ffikit.unpin');
const kHold = Symbol('ffikit.hold');

function checkLength(where: string, length: unknown, bytes: number): number {
  if (typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0) {
    throw argumentError(where, 'length', 'a non-negative integer element count', length);
  }
  // V8 cannot view more than this in one ArrayBuffer; refuse up front rather than on first access.
  if (length * bytes > 2 ** 32) throw argumentError(where, 'length', `at most ${Math.floor(2 ** 32 / bytes)} elements`, length);
  return length;
}

/**
 * An array in native memory with exactly one owner. Pass it to pointer parameters (zero-copy: C gets
 * its address). Free it with `dispose()` or `using`; a `FinalizationRegistry` frees forgotten arrays
 * and warns once per creation site.
 *
 * Native memory cannot be revoked from JS (its views cannot be detached), so views are only handed out
 * inside {@link ManagedArray.withView}; never keep one after the callback returns.
 *
 * Disposal while a native call uses the array (an `.async` call, or a callback running inside a sync
 * call) waits: the array counts as disposed at once and is freed when the last call settles.
 * @example
 * using arr = ffikit.ManagedArray.create('float64', 1000, { alloc: m.create_array, free: m.free_array });
 * m.process_1d(arr, arr.length);
 * arr.read(0);
 */
export class ManagedArray<D extends DType = DType> implements Disposable {
  readonly #dtype: D;
  readonly #length: number;
  readonly #bytes: number;
  readonly #info: ReturnType<typeof dtypeInfo>;
  readonly #owner: Owner;
  readonly #held: Backstop;
  #ptr: bigint;
  #disposed = false;
  #pins = 0;
  #viewDepth = 0;
  #view: AnyTypedArray | undefined;

  private constructor(dtype: D, length: number, ptr: bigint, owner: Owner, site: Error) {
    this.#dtype = dtype;
    this.#info = dtypeInfo('ManagedArray', dtype);
    this.#length = length;
    this.#bytes = length * this.#info.bytes;
    this.#ptr = ptr;
    this.#owner = owner;
    this.#held = { ptr, owner, describe: `ManagedArray(${dtype}, ${length})`, site, freed: false };
    if (ptr !== 0n) backstop.register(this, this.#held, this.#held);
  }

  /**
   * Allocates `length` zero-filled elements.
   * @throws {ArgumentError} for a bad dtype, length or allocator pair.
   * @throws {NativeError} when the allocator returns NULL.
   */
  static create<D extends DType>(dtype: D, length: number, options: ManagedArrayOptions = {}): ManagedArray<D> {
    const site = captureSite();
    const info = dtypeInfo('ManagedArray.create', dtype);
    checkLength('ManagedArray.create', length, info.bytes);
    const { alloc, free } = options;
    if ((alloc === undefined) !== (free === undefined)) {
      throw argumentError(
        'ManagedArray.create',
        alloc === undefined ? 'alloc' : 'free',
        'an alloc and a free function together',
        undefined,
      );
    }
    if (alloc !== undefined && typeof alloc !== 'function') throw argumentError('ManagedArray.create', 'alloc', 'a function', alloc);
    if (free !== undefined && typeof free !== 'function') throw argumentError('ManagedArray.create', 'free', 'a function', free);
    if (alloc) checkAllocatorType(alloc, dtype);
    if (length === 0) return new ManagedArray(dtype, 0, 0n, defaultOwner(), site);

    let ptr: unknown;
    let owner: Owner;
    if (alloc && free) {
      owner = customOwner(alloc, free);
      try {
        ptr = alloc(length);
      } catch (err) {
        owner.release();
        throw err;
      }
    } else {
      owner = defaultOwner();
      ptr = native.allocBytes(info.bytes * length);
    }
    if (typeof ptr !== 'bigint' || ptr === 0n) {
      owner.release();
      if (ptr === null || ptr === 0n) {
        throw nativeFailure(owner.label, 0, 'NULL', `could not allocate ${length} ${dtype} elements`);
      }
      throw argumentError('ManagedArray.create', 'alloc', 'a function returning a pointer (bigint) or null', ptr);
    }
    const array = new ManagedArray(dtype, length, ptr, owner, site);
    if (!alloc) new Uint8Array(array.#viewBuffer()).fill(0);
    return array;
  }

  /** Copies a typed array into a new ManagedArray of the same dtype. */
  static from<T extends AnyTypedArray>(source: T, options: ManagedArrayOptions = {}): ManagedArray<DTypeOfArray<T>> {
    type D = DTypeOfArray<T>;
    const dtype = dtypeOfArray(source) as D | undefined;
    if (dtype === undefined) throw argumentError('ManagedArray.from', 'source', 'a typed array (Float64Array, Int32Array, ...)', source);
    const array = ManagedArray.create(dtype, source.length, options);
    if (source.length > 0) array.withView((view) => (view as AnyTypedArray).set(source as never));
    return array;
  }

  /** Element type. */
  get dtype(): D {
    return this.#dtype;
  }

  /** Number of elements. */
  get length(): number {
    return this.#length;
  }

  /** Size in bytes. */
  get byteLength(): number {
    return this.#bytes;
  }

  /** True once dispose() was called (the memory may still wait for a running call). */
  get disposed(): boolean {
    return this.#disposed;
  }

  /**
   * The native address (0n for an empty array).
   * @throws {DisposedError} after dispose().
   */
  get pointer(): bigint {
    this.#check('pointer');
    return this.#ptr;
  }

  /** Reads element `index`. */
  read(index: number): ElementOf<D> {
    this.#check('read');
    this.#index('read', index);
    // One element through decode, not a view: views cost a native ArrayBuffer each (see #access).
    const value = native.decodeAt(this.#ptr, index * this.#info.bytes, this.#info.ctype);
    // koffi returns 64-bit values that fit a double as numbers; the element type says bigint.
    return (
      this.#info.bytes === 8 && (this.#dtype === 'int64' || this.#dtype === 'uint64') ? BigInt(value as number | bigint) : value
    ) as ElementOf<D>;
  }

  /** Writes element `index`; the value must fit the dtype exactly (no silent truncation). */
  write(index: number, value: ElementOf<D>): void {
    this.#check('write');
    this.#index('write', index);
    native.encodeAt(this.#ptr, index * this.#info.bytes, this.#info.ctype, checkElement('ManagedArray.write', this.#dtype, value));
  }

  /** A copy of the contents as an ordinary typed array (safe to keep). */
  toTypedArray(): TypedArrayOf<D> {
    this.#check('toTypedArray');
    if (this.#length === 0) return new this.#info.ctor(0) as TypedArrayOf<D>;
    return this.#access().slice() as TypedArrayOf<D>;
  }

  /**
   * Runs `fn` with a zero-copy typed array over the native memory and returns its result. The view
   * is valid only until `fn` returns (or, for an async `fn`, until its promise settles): keeping it
   * longer is a use-after-free once the array is disposed. Disposing inside `fn` waits for it.
   */
  withView<R>(fn: (view: TypedArrayOf<D>) => R): R {
    this.#check('withView');
    if (typeof fn !== 'function') throw argumentError('withView', 'fn', 'a function', fn);
    const view = this.#length === 0 ? new this.#info.ctor(0) : new this.#info.ctor(this.#viewBuffer());
    this.#viewDepth++;
    let result: R;
    try {
      result = fn(view as TypedArrayOf<D>);
    } catch (err) {
      this.#leaveView();
      throw err;
    }
    if (result instanceof Promise) {
      return result.finally(() => this.#leaveView()) as R;
    }
    this.#leaveView();
    return result;
  }

  /** Frees the memory (now, or when the calls using it settle). Idempotent. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#view = undefined;
    this.#maybeFree();
  }

  /** Same as {@link ManagedArray.dispose}: for `using`. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** @internal marks the array as used by a native call */
  [kPin](): void {
    this.#check('pass to a native call');
    this.#pins++;
  }

  /** @internal pins without checking (the caller already refused disposed arrays) */
  [kHold](): void {
    this.#pins++;
  }

  /** @internal */
  [kUnpin](): void {
    this.#pins--;
    this.#maybeFree();
  }

  /** @internal */
  get [kManaged](): true {
    return true;
  }

  /** How `util.inspect` and `console.log` show it: `ManagedArray(float64, 1000)`. */
  [inspect.custom](): string {
    return `ManagedArray(${this.#dtype}, ${this.#length})${this.#disposed ? ' <disposed>' : ''}`;
  }

  #check(op: string): void {
    if (this.#disposed) throw disposedArrayError(op, undefined, this.#dtype, this.#length);
  }

  #index(op: string, index: unknown): void {
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= this.#length) {
      throw argumentError(`ManagedArray.${op}`, 'index', `an integer in [0, ${this.#length - 1}]`, index);
    }
  }

  #viewBuffer(): ArrayBuffer {
    return native.viewBytes(this.#ptr, this.#bytes);
  }

  #access(): AnyTypedArray {
    // Kept private: never handed out, so it cannot outlive the memory.
    this.#view ??= new this.#info.ctor(this.#viewBuffer());
    return this.#view;
  }

  #leaveView(): void {
    this.#viewDepth--;
    this.#maybeFree();
  }

  #maybeFree(): void {
    if (!this.#disposed || this.#pins > 0 || this.#viewDepth > 0 || this.#held.freed) return;
    this.#held.freed = true;
    backstop.unregister(this.#held);
    if (this.#ptr === 0n) return;
    const ptr = this.#ptr;
    this.#ptr = 0n;
    try {
      this.#owner.free(ptr);
    } finally {
      this.#owner.release();
    }
  }
}

/** True for ManagedArrays from any copy of this module (realm- and duplicate-install-independent). */
export function isManagedArray(value: unknown): value is ManagedArray {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[kManaged] === true;
}

/** @internal pin for the duration of a call */
export function pinArray(array: ManagedArray): void {
  array[kPin]();
}

/** @internal */
export function unpinArray(array: ManagedArray): void {
  array[kUnpin]();
}

/** @internal pins an array the caller already found live (a call scope, right before the native call) */
export function holdArray(array: ManagedArray): void {
  array[kHold]();
}
