// StructArray: an array of C structs in native memory with one owner, passed to `T *` parameters zero-copy.

import { inspect } from 'node:util';

import { argumentError, structArrayDisposedError } from '../core/errors';
import { namedType, type CType } from '../declare/named-types';
import { checkStructElement } from '../declare/struct-objects';
import { kNative } from '../declare/type-registry';
import * as native from '../native/koffi';
import { ManagedArray } from './managed-array';

const kStructArray = Symbol.for('ffikit.StructArray');
const kStorage = Symbol('ffikit.structArrayStorage');

function structType(where: string, type: unknown): CType {
  const resolved = typeof type === 'string' ? namedType(type.replace(/^\s*struct\s+/, '').trim()) : type;
  if (typeof resolved !== 'object' || resolved === null || (resolved as CType).kind !== 'struct') {
    throw argumentError(where, 'type', "a struct type declared with ffikit.struct() (or its name, e.g. 'pollfd')", type);
  }
  return resolved as CType;
}

/**
 * An array of `length` structs of one type in native memory (C layout, `sizeof(T)` apart) with exactly
 * one owner. A `T *` parameter takes it as its address: nothing is copied, so C sees (and changes)
 * this memory directly; a StructArray of another struct type is refused. Elements are read and written
 * one at a time with {@link StructArray.get} / {@link StructArray.set} (each a copy).
 *
 * Use it where the same large array crosses many calls (10^5 `pollfd`s polled in a loop); for a few
 * structs a plain array of objects is simpler (copied in, and back for `_Out_`/`_Inout_`).
 * Free it with `dispose()` or `using`; a call using it (`.async` included) defers the free until it settles,
 * and the GC frees a forgotten one with a warning.
 * @example
 * ffikit.struct('pollfd', { fd: 'int', events: 'short', revents: 'short' });
 * using fds = ffikit.StructArray.create('pollfd', 2);
 * fds.set(0, { fd: readEnd, events: POLLIN, revents: 0 });
 * fds.set(1, { fd: otherEnd, events: POLLIN, revents: 0 });
 * libc.poll(fds, fds.length, 0);
 * fds.get(0).revents;
 */
export class StructArray<T extends object = Record<string, unknown>> implements Disposable {
  /** The struct type of every element. */
  readonly type: CType;
  readonly #length: number;
  readonly #bytes: ManagedArray<'uint8'>;

  private constructor(type: CType, length: number, bytes: ManagedArray<'uint8'>) {
    this.type = type;
    this.#length = length;
    this.#bytes = bytes;
  }

  static #allocate<T extends object>(type: CType, length: number): StructArray<T> {
    // A byte ManagedArray owns the memory: one disposer, pins during calls, the GC backstop. It is
    // created here, not in the constructor: the creation site it captures would otherwise hold the
    // new StructArray (a frame's receiver) and keep it from ever being collected.
    return new StructArray<T>(type, length, ManagedArray.create('uint8', length * type.size));
  }

  /**
   * Allocates `length` zero-filled structs.
   * @param type A struct type from {@link struct}, or its name.
   * @param length Number of elements.
   * @returns The array (free it with `dispose()` or `using`).
   * @throws {ArgumentError} for a type that is not a struct, or a bad length.
   */
  static create<T extends object = Record<string, unknown>>(type: CType | string, length: number): StructArray<T> {
    const t = structType('StructArray.create', type);
    if (typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0) {
      throw argumentError('StructArray.create', 'length', 'a non-negative integer element count', length);
    }
    if (length * t.size > 2 ** 32)
      throw argumentError('StructArray.create', 'length', `at most ${Math.floor(2 ** 32 / t.size)} elements`, length);
    return StructArray.#allocate<T>(t, length);
  }

  /**
   * Copies an array of objects (each with every member of the struct) into a new StructArray.
   * @throws {ArgumentError} naming the first element that is not such an object, and its missing member.
   */
  static from<T extends object = Record<string, unknown>>(type: CType | string, objects: readonly T[]): StructArray<T> {
    const t = structType('StructArray.from', type);
    if (!Array.isArray(objects)) throw argumentError('StructArray.from', 'objects', `an array of struct ${t.name} objects`, objects);
    objects.forEach((o, i) => checkStructElement('StructArray.from', `objects[${i}]`, t, o));
    const array = StructArray.#allocate<T>(t, objects.length);
    if (objects.length > 0) native.encode(array.#address('from'), native.defineArray(t[kNative], objects.length, 'Array'), objects);
    return array;
  }

  /** Number of structs. */
  get length(): number {
    return this.#length;
  }

  /** Size in bytes (`length * sizeof(T)`). */
  get byteLength(): number {
    return this.#length * this.type.size;
  }

  /** True once dispose() was called. */
  get disposed(): boolean {
    return this.#bytes.disposed;
  }

  /**
   * The native address of element 0 (0n for an empty array).
   * @throws {DisposedError} after dispose().
   */
  get pointer(): bigint {
    return this.#address('pointer');
  }

  /**
   * A copy of element `index` as a plain object.
   * @throws {ArgumentError} for an index out of range; {@link DisposedError} after dispose().
   */
  get(index: number): T {
    const ptr = this.#address('get');
    this.#index('get', index);
    return native.decodeAt(ptr, index * this.type.size, this.type.name) as T;
  }

  /**
   * Writes element `index` from an object with every member of the struct.
   * @throws {ArgumentError} for an index out of range or a missing member; {@link DisposedError} after dispose().
   */
  set(index: number, value: T): void {
    const ptr = this.#address('set');
    this.#index('set', index);
    checkStructElement('StructArray.set', 'value', this.type, value);
    native.encodeAt(ptr, index * this.type.size, this.type.name, value);
  }

  /** Copies every element out as an array of plain objects. */
  toArray(): T[] {
    const ptr = this.#address('toArray');
    if (this.#length === 0) return [];
    return native.decode(ptr, this.type[kNative], this.#length) as T[];
  }

  /** Frees the memory (now, or when the calls using it settle). Idempotent. */
  dispose(): void {
    this.#bytes.dispose();
  }

  /** Same as `dispose()`: for `using`. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** @internal the memory's owner, which a call scope pins */
  get [kStorage](): ManagedArray<'uint8'> {
    return this.#bytes;
  }

  /** @internal */
  get [kStructArray](): true {
    return true;
  }

  /** How `util.inspect` and `console.log` show it: `StructArray(pollfd, 3)`. */
  [inspect.custom](): string {
    return `StructArray(${this.type.name}, ${this.#length})${this.disposed ? ' <disposed>' : ''}`;
  }

  #address(op: string): bigint {
    if (this.#bytes.disposed) throw structArrayDisposedError(`StructArray(${this.type.name}, ${this.#length}).${op}`, undefined);
    return this.#bytes.pointer;
  }

  #index(op: string, index: unknown): void {
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= this.#length) {
      throw argumentError(`StructArray.${op}`, 'index', `an integer in [0, ${this.#length - 1}]`, index);
    }
  }
}

/** True for StructArrays from any copy of this module. */
export function isStructArray(value: unknown): value is StructArray<object> {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[kStructArray] === true;
}

/** @internal the ManagedArray that owns a StructArray's memory (a call scope records it to pin it) */
export function structArrayStorage(array: StructArray<object>): ManagedArray<'uint8'> {
  return array[kStorage];
}
