// Handle: a typed address of an opaque C object, tied to the function that frees it (one owner, one disposer, a GC backstop).

import { inspect } from 'node:util';

import { argumentError, disposedError } from '../core/errors';
import { namedType } from '../declare/type-registry';

const kHandle = Symbol.for('ffikit.Handle');
const kMaxPointer = (1n << 64n) - 1n;

/** How a handle type is freed: the declared disposer called with the address alone. */
export interface HandleDisposer {
  /** The JS name of the bound function (for messages). */
  readonly fn: string;
  /** Frees `pointer` through the checked bound function (errcheck applies). */
  readonly dispose: (handle: Handle) => unknown;
  /** Frees `pointer` with the unchecked native function (the GC backstop, and after `lib.close()`). */
  readonly free: (pointer: bigint) => unknown;
  /** True once the disposer's library was closed: its checked function refuses calls. */
  readonly closed: () => boolean;
  /** Keeps the disposer's library loaded while a handle it must free is alive (like ManagedArrays). */
  readonly retain: () => void;
  readonly release: () => void;
}

const disposers = new Map<string, HandleDisposer>();
/** Live handles per type and address: the same address always comes back as the same Handle. */
const live = new Map<string, Map<bigint, WeakRef<Handle>>>();
const warnedSites = new Set<string>();

interface Held {
  readonly type: string;
  readonly pointer: bigint;
  readonly site: Error | undefined;
  /** The disposer in force when the handle was made (it holds that library loaded). */
  readonly disposer: HandleDisposer | undefined;
  freed: boolean;
}

function creationSite(site: Error | undefined): string {
  const frames = (site?.stack ?? '').split('\n').slice(1);
  const user = frames.find(
    (f) => !/[\\/](ts|dist)[\\/](memory|call)[\\/]/.test(f) && !f.includes('node:internal') && !f.includes('ffikit:bind/'),
  );
  return (user ?? frames[0] ?? '    at <unknown>').trim().replace(/^at /, '');
}

const backstop = new FinalizationRegistry<Held>((held) => {
  live.get(held.type)?.delete(held.pointer);
  if (held.freed) return;
  held.freed = true;
  const disposer = held.disposer;
  if (!disposer) return;
  const where = creationSite(held.site);
  try {
    disposer.free(held.pointer);
  } catch (err) {
    disposer.release();
    process.emitWarning(
      `${held.type} handle created at ${where}: freeing it after GC failed (${(err as Error)?.message ?? String(err)}).`,
      {
        code: 'FFIKIT_FREE_FAILED',
      },
    );
    return;
  }
  disposer.release();
  if (warnedSites.has(where)) return;
  warnedSites.add(where);
  process.emitWarning(
    `${held.type} handle created at ${where} was never disposed; the garbage collector freed it with ${disposer.fn}(). ` +
      'Call dispose() (or the disposer) or declare it with `using`.',
    { code: 'FFIKIT_UNDISPOSED', type: 'ResourceWarning' },
  );
});

/**
 * A typed handle: the address of a C object of type `T` (an opaque or named type), as C returned it.
 * Passing it where another type is expected is an ArgumentError; after its disposer ran, any use
 * (and a second free) is a DisposedError. `dispose()` and `using` call the declared disposer once.
 * @example
 * ffikit.opaque('sqlite3');
 * const s = lib.bind({
 *   open: 'int sqlite3_open(const char *file, _Out_ sqlite3 **db)',
 *   close: { fn: 'int sqlite3_close(sqlite3 *db)', disposes: 'db' },
 * });
 * const out: [ffikit.Handle<'sqlite3'> | null] = [null];
 * s.open(':memory:', out);
 * using db = out[0]!;      // sqlite3_close(db) when the scope ends
 */
export class Handle<T extends string = string> implements Disposable {
  /** The C type name (`'sqlite3'`). */
  readonly type: T;
  #pointer: bigint;
  /** The address while live, 0n once disposed. */
  #live: bigint;
  #held: Held;

  /** @internal use {@link adoptHandle} */
  constructor(type: T, pointer: bigint, site: Error | undefined) {
    this.type = type;
    this.#pointer = pointer;
    this.#live = pointer;
    const disposer = disposers.get(type);
    this.#held = { type, pointer, site, disposer, freed: false };
    if (disposer) {
      disposer.retain();
      backstop.register(this, this.#held, this.#held);
    }
  }

  /**
   * The address (a bigint), for interop with code that wants a raw pointer.
   * @throws {DisposedError} once the handle was disposed.
   */
  get pointer(): bigint {
    if (this.#held.freed) throw disposedError(`${this.type} handle: it was disposed; its object is gone.`);
    return this.#pointer;
  }

  /** @internal The address, or 0n once disposed (one read for the generated wrappers' fast path). */
  get address(): bigint {
    return this.#live;
  }

  /** True once the declared disposer ran on it (or dispose() was called). */
  get disposed(): boolean {
    return this.#held.freed;
  }

  /**
   * Calls the type's declared disposer (`disposes: 'param'` in bind) once. Without a disposer the handle
   * is only forgotten (ffikit did not free anything). Idempotent.
   */
  dispose(): void {
    if (this.#held.freed) return;
    const disposer = this.#held.disposer;
    if (!disposer) {
      markHandleDisposed(this);
    } else if (disposer.closed()) {
      // The library was closed but kept loaded for this handle: free it directly.
      disposer.free(this.#pointer);
      markHandleDisposed(this);
    } else {
      disposer.dispose(this);
    }
  }

  /** Same as {@link Handle.dispose}: for `using`. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** @internal */
  get [kHandle](): true {
    return true;
  }

  /** @internal */
  static markDisposed(handle: Handle): void {
    const held = handle.#held;
    if (held.freed) return;
    held.freed = true;
    handle.#live = 0n;
    backstop.unregister(held);
    held.disposer?.release();
    const byAddress = live.get(handle.type);
    if (byAddress?.get(handle.#pointer)?.deref() === handle) byAddress.delete(handle.#pointer);
  }

  /** How `util.inspect` and `console.log` show it: `Handle<sqlite3>(0x...)`. */
  [inspect.custom](): string {
    return `Handle<${this.type}>(0x${this.#pointer.toString(16)})${this.#held.freed ? ' <disposed>' : ''}`;
  }
}

/** True for Handles from any copy of this module. */
export function isHandle(value: unknown): value is Handle {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[kHandle] === true;
}

/** @internal marks a handle freed (its disposer just ran). */
export function markHandleDisposed(handle: Handle): void {
  Handle.markDisposed(handle);
}

/** @internal declares how handles of `type` are freed (from `disposes: 'param'` in bind). */
export function setHandleDisposer(type: string, disposer: HandleDisposer): void {
  disposers.set(type, disposer);
}

/** A short stack (enough to name the caller), taken only for types with a disposer. */
function captureSite(): Error {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 6;
  const site = new Error();
  Error.stackTraceLimit = limit;
  return site;
}

/**
 * The handle for `pointer` of `type`: the live one if this address already has one, else a new one.
 * @internal results and out-params of bound functions; {@link handle} for users.
 */
export function adoptHandle<T extends string>(type: T, pointer: bigint): Handle<T> {
  let byAddress = live.get(type);
  const known = byAddress?.get(pointer)?.deref();
  if (known !== undefined && !known.disposed) return known as Handle<T>;
  const created = new Handle(type, pointer, disposers.has(type) ? captureSite() : undefined);
  if (byAddress === undefined) live.set(type, (byAddress = new Map()));
  byAddress.set(pointer, new WeakRef(created));
  return created;
}

/**
 * Adopts a raw address as a typed handle (interop with addresses from elsewhere, e.g. a pointer a
 * callback received). `handle.pointer` gives the address back.
 * @param type A declared opaque or struct type (`ffikit.opaque('sqlite3')`).
 * @param address A non-zero address; negative bigints are taken as two's complement.
 * @throws {ArgumentError} for an undeclared type or an address that is not a non-zero 64-bit bigint.
 * @example
 * const db = ffikit.handle('sqlite3', address);
 */
export function handle<T extends string>(type: T, address: bigint): Handle<T> {
  const named = typeof type === 'string' ? namedType(type) : undefined;
  if (!named || (named.kind !== 'opaque' && named.kind !== 'struct')) {
    throw argumentError(
      'handle',
      'type',
      'the name of a declared opaque or struct type',
      type,
      "Declare it first, e.g. ffikit.opaque('sqlite3').",
    );
  }
  if (typeof address !== 'bigint' || address === 0n || address < -(1n << 63n) || address > kMaxPointer) {
    throw argumentError('handle', 'address', 'a non-zero 64-bit address (bigint)', address);
  }
  return adoptHandle(type, address < 0n ? address + (1n << 64n) : address);
}
