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
import { checkedMemory } from '../core/checked';
import {
  captureSite,
  checkAllocatorType,
  countAlloc,
  customOwner,
  describeCell,
  DEFAULT_OWNER,
  retireCell,
  sitesWanted,
  UNKNOWN_SITE,
  watch,
  type Cell,
  type ManagedArrayOptions,
  type Owner,
} from './array-owner';
import { allocGuarded, checkZones, copyBackAndDetach, copyOut, quarantineBlock, RED_ZONE } from './checked-memory';

export type { Allocator, Deallocator, ManagedArrayOptions } from './array-owner';

const kManaged = Symbol.for('ffikit.ManagedArray');
const kPin = Symbol('ffikit.pin');
const kUnpin = Symbol('ffikit.unpin');
const kHold = Symbol('ffikit.hold');
const kGuard = Symbol('ffikit.guard');
const kAdopt = Symbol('ffikit.adopt');

type DTypeInfo = ReturnType<typeof dtypeInfo>;

export function checkLength(where: string, length: unknown, bytes: number): number {
  if (typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0) {
    throw argumentError(where, 'length', 'a non-negative integer element count', length);
  }
  // V8 cannot view more than this in one ArrayBuffer; refuse up front rather than on first access.
  if (length * bytes > 2 ** 32) throw argumentError(where, 'length', `at most ${Math.floor(2 ** 32 / bytes)} elements`, length);
  return length;
}

/** @internal */
export function newCell(
  base: bigint,
  ptr: bigint,
  owner: Owner,
  dtype: DType,
  length: number,
  bytes: number,
  site: string | undefined,
  zone: number,
): Cell {
  return { base, ptr, owner, dtype, length, bytes, site, zone, freed: false, nursery: -1, registered: false };
}

const noOptions: ManagedArrayOptions = Object.freeze({});

/**
 * @internal What an arena's array sees of its arena: released all at once, and kept from freeing its
 * blocks while a call or view uses one of its arrays.
 */
export interface ArenaLease {
  readonly released: boolean;
  hold(): void;
  letGo(): void;
}

/**
 * An array in native memory with exactly one owner. Pass it to pointer parameters (zero-copy: C gets
 * its address). Free it with `dispose()` or `using`; a `FinalizationRegistry` frees forgotten arrays
 * and warns once per creation site (sites are recorded in checked mode or with `FFIKIT_TRACE_SITES=1`).
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
  readonly #info: DTypeInfo;
  readonly #cell: Cell;
  /** Created in checked mode: withView hands out copies. */
  readonly #checked: boolean;
  /** The arena the memory belongs to (its release disposes this array too). */
  readonly #arena: ArenaLease | undefined;
  #disposed = false;
  #pins = 0;
  #viewDepth = 0;
  #view: AnyTypedArray | undefined;

  private constructor(dtype: D, info: DTypeInfo, length: number, cell: Cell, checked: boolean, arena?: ArenaLease) {
    this.#arena = arena;
    this.#dtype = dtype;
    this.#info = info;
    this.#length = length;
    this.#cell = cell;
    this.#checked = checked;
  }

  /**
   * Allocates `length` zero-filled elements. In checked mode (`FFIKIT_CHECKED=1`), memory from the
   * default allocator gets a red zone on each side that calls and `dispose()` check.
   * @param dtype The element type.
   * @param length The number of elements.
   * @param options An allocator pair (both or neither); default: ffikit's allocator.
   * @returns The array (free it with `dispose()` or `using`).
   * @throws {ArgumentError} for a bad dtype, length or allocator pair.
   * @throws {NativeError} when the allocator returns NULL.
   */
  static create<D extends DType>(dtype: D, length: number, options: ManagedArrayOptions = noOptions): ManagedArray<D> {
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
    const checked = checkedMemory();
    // Captured here, not in the constructor: a frame whose receiver is the new array would keep it alive.
    const site = checked || sitesWanted() ? captureSite() : undefined;
    if (length === 0) return new ManagedArray(dtype, info, 0, newCell(0n, 0n, DEFAULT_OWNER, dtype, 0, 0, site, 0), checked);

    const bytes = info.bytes * length;
    let ptr: unknown;
    let owner: Owner;
    let zone = 0;
    if (alloc && free) {
      owner = customOwner(alloc, free);
      try {
        ptr = alloc(length);
      } catch (err) {
        owner.release();
        throw err;
      }
    } else if (checked) {
      owner = DEFAULT_OWNER;
      zone = RED_ZONE;
      ptr = allocGuarded(bytes);
    } else {
      owner = DEFAULT_OWNER;
      // calloc: already zero-filled.
      ptr = native.allocBytes(bytes);
    }
    if (typeof ptr !== 'bigint' || ptr === 0n) {
      owner.release();
      if (ptr === null || ptr === 0n) {
        throw nativeFailure(owner.label, 0, 'NULL', `could not allocate ${length} ${dtype} elements`);
      }
      throw argumentError('ManagedArray.create', 'alloc', 'a function returning a pointer (bigint) or null', ptr);
    }
    const cell = newCell(ptr, zone === 0 ? ptr : ptr + BigInt(zone), owner, dtype, length, bytes, site, zone);
    const array = new ManagedArray(dtype, info, length, cell, checked);
    countAlloc(cell);
    watch(array, cell);
    return array;
  }

  /** @internal an array over memory another owner (an arena) handed out; no GC backstop of its own */
  static [kAdopt]<D extends DType>(dtype: D, info: DTypeInfo, cell: Cell, checked: boolean, arena: ArenaLease): ManagedArray<D> {
    return new ManagedArray(dtype, info, cell.length, cell, checked, arena);
  }

  /**
   * Copies a typed array into a new ManagedArray of the same dtype.
   * @throws {ArgumentError} for a source that is not a typed array, or a bad allocator pair.
   */
  static from<T extends AnyTypedArray>(source: T, options: ManagedArrayOptions = noOptions): ManagedArray<DTypeOfArray<T>> {
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

  /** Size in bytes (red zones not included). */
  get byteLength(): number {
    return this.#cell.bytes;
  }

  /** True once dispose() was called, or its arena was released (the memory may still wait for a running call). */
  get disposed(): boolean {
    return this.#disposed || (this.#arena !== undefined && this.#arena.released);
  }

  /**
   * The native address (0n for an empty array).
   * @throws {DisposedError} after dispose().
   */
  get pointer(): bigint {
    this.#check('pointer');
    return this.#cell.ptr;
  }

  /** Reads element `index`. */
  read(index: number): ElementOf<D> {
    this.#check('read');
    this.#index('read', index);
    // One element through decode, not a view: views cost a native ArrayBuffer each (see #access).
    const value = native.decodeAt(this.#cell.ptr, index * this.#info.bytes, this.#info.ctype);
    // koffi returns 64-bit values that fit a double as numbers; the element type says bigint.
    return (
      this.#info.bytes === 8 && (this.#dtype === 'int64' || this.#dtype === 'uint64') ? BigInt(value as number | bigint) : value
    ) as ElementOf<D>;
  }

  /** Writes element `index`; the value must fit the dtype exactly (no silent truncation). */
  write(index: number, value: ElementOf<D>): void {
    this.#check('write');
    this.#index('write', index);
    native.encodeAt(this.#cell.ptr, index * this.#info.bytes, this.#info.ctype, checkElement('ManagedArray.write', this.#dtype, value));
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
   *
   * In checked mode the view is over a copy, written back to native memory when `fn` returns, throws
   * or settles; its buffer is then detached, so a view kept longer holds no elements (its methods
   * throw a TypeError) instead of reading freed memory.
   */
  withView<R>(fn: (view: TypedArrayOf<D>) => R): R {
    this.#check('withView');
    if (typeof fn !== 'function') throw argumentError('withView', 'fn', 'a function', fn);
    if (this.#checked && this.#length > 0) return this.#withCopy(fn);
    const view = this.#length === 0 ? new this.#info.ctor(0) : new this.#info.ctor(this.#viewBuffer());
    this.#enterView();
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

  /**
   * Frees the memory (now, or when the calls using it settle). Idempotent. An arena's array is only
   * marked disposed: its memory returns with the arena.
   * @throws {MemoryCorruptionError} in checked mode, when C wrote into a red zone, or when a block
   *   leaving the quarantine was written after its free (the memory is freed all the same).
   */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#view = undefined;
    if (this.#arena !== undefined) return;
    const error = this.#maybeFree();
    if (error !== undefined) throw error;
  }

  /** Same as {@link ManagedArray.dispose}: for `using`. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** @internal marks the array as used by a native call */
  [kPin](): void {
    this.#check('pass to a native call');
    this.#pins++;
    this.#arena?.hold();
  }

  /** @internal pins without checking (the caller already refused disposed arrays) */
  [kHold](): void {
    this.#pins++;
    this.#arena?.hold();
  }

  /** @internal */
  [kUnpin](): void {
    this.#pins--;
    if (this.#arena !== undefined) this.#arena.letGo();
    else this.#deferredFree();
  }

  /** @internal checks the red zones of a checked array (see {@link checkRedZones}) */
  [kGuard](fn: string, param: string): void {
    const cell = this.#cell;
    if (cell.zone === 0 || cell.freed) return;
    const error = checkZones(cell.base, cell.bytes, fn, param);
    if (error !== undefined) throw error;
  }

  /** @internal */
  get [kManaged](): true {
    return true;
  }

  /** How `util.inspect` and `console.log` show it: `ManagedArray(float64, 1000)`. */
  [inspect.custom](): string {
    return `ManagedArray(${this.#dtype}, ${this.#length})${this.disposed ? ' <disposed>' : ''}`;
  }

  #check(op: string): void {
    if (this.#disposed || (this.#arena !== undefined && this.#arena.released)) {
      throw disposedArrayError(op, undefined, this.#dtype, this.#length);
    }
  }

  #index(op: string, index: unknown): void {
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= this.#length) {
      throw argumentError(`ManagedArray.${op}`, 'index', `an integer in [0, ${this.#length - 1}]`, index);
    }
  }

  #viewBuffer(): ArrayBuffer {
    return native.viewBytes(this.#cell.ptr, this.#cell.bytes);
  }

  #access(): AnyTypedArray {
    // Kept private: never handed out, so it cannot outlive the memory.
    this.#view ??= new this.#info.ctor(this.#viewBuffer());
    return this.#view;
  }

  #withCopy<R>(fn: (view: TypedArrayOf<D>) => R): R {
    const cell = this.#cell;
    const copy = copyOut(cell.ptr, cell.bytes);
    this.#enterView();
    // The memory stays allocated while #viewDepth > 0, so the copy can always go back.
    const done = (): void => {
      try {
        copyBackAndDetach(cell.ptr, copy);
      } finally {
        this.#leaveView();
      }
    };
    let result: R;
    try {
      result = fn(new this.#info.ctor(copy) as TypedArrayOf<D>);
    } catch (err) {
      done();
      throw err;
    }
    if (result instanceof Promise) return result.finally(done) as R;
    done();
    return result;
  }

  #enterView(): void {
    this.#viewDepth++;
    this.#arena?.hold();
  }

  #leaveView(): void {
    this.#viewDepth--;
    if (this.#arena !== undefined) this.#arena.letGo();
    else this.#deferredFree();
  }

  /** A free that happens after dispose() returned: a checked-mode finding becomes a warning. */
  #deferredFree(): void {
    const error = this.#maybeFree();
    if (error !== undefined) process.emitWarning(error);
  }

  #maybeFree(): Error | undefined {
    if (!this.#disposed || this.#pins > 0 || this.#viewDepth > 0) return undefined;
    const cell = this.#cell;
    if (!retireCell(cell) || cell.base === 0n) return undefined;
    const owner = cell.owner;
    try {
      if (cell.zone === 0) {
        owner.free(cell.base, cell.bytes);
        return undefined;
      }
      const describe = describeCell(cell);
      const overrun = checkZones(cell.base, cell.bytes, 'dispose', describe);
      const afterFree = quarantineBlock(cell.base, cell.bytes, describe, cell.site ?? UNKNOWN_SITE, (base) => owner.free(base, cell.bytes));
      return overrun ?? afterFree;
    } finally {
      owner.release();
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

/**
 * Checked mode's red-zone check of a call argument, for the call layer to run after the native call
 * returns. A no-op for anything that is not a ManagedArray with red zones (unchecked arrays, arrays from
 * a library's allocator or an arena, typed arrays, addresses).
 * @param array The argument as the caller passed it.
 * @param fn The bound function's name (for the message).
 * @param param The parameter's name.
 * @throws {MemoryCorruptionError} (`'overrun'` or `'underrun'`) when C wrote into a red zone; the zone is
 *   restored first, so one corruption is reported once.
 */
export function checkRedZones(array: unknown, fn: string, param: string): void {
  // instanceof, not isManagedArray: another copy of ffikit checks its own arrays.
  if (array instanceof ManagedArray) array[kGuard](fn, param);
}

/** @internal an arena's array over `cell` (see arena.ts) */
export function adoptArray<D extends DType>(dtype: D, info: DTypeInfo, cell: Cell, checked: boolean, arena: ArenaLease): ManagedArray<D> {
  return ManagedArray[kAdopt](dtype, info, cell, checked, arena);
}
