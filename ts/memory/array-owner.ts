// Who frees a ManagedArray's memory: allocator pairs, the library hold, and the GC backstop that frees forgotten arrays.

import type { DType } from '../declare/dtype';
import { argumentError } from '../core/errors';
import * as native from '../native/koffi';

/** A native allocator: called with an element count, returns the address (or null on failure). */
export type Allocator = (length: number) => unknown;
/** A native deallocator: called once with the address the allocator returned. */
export type Deallocator = (pointer: bigint) => unknown;

/** Options of {@link ManagedArray.create} and {@link ManagedArray.from}. */
export interface ManagedArrayOptions {
  /**
   * Allocates the memory, called with the element count (like the seed's `create_array(len)`), e.g. a
   * bound `double *create_array(size_t len)`. Default: ffikit's allocator (malloc).
   */
  readonly alloc?: Allocator;
  /** Frees it, e.g. a bound `void free_array(double *arr)`. Required with `alloc`. */
  readonly free?: Deallocator;
}

/**
 * What a bound function offers ManagedArray when it serves as an allocator or deallocator. The call
 * layer attaches it under {@link kAllocatorHook}; memory reads it without knowing about libraries.
 */
export interface AllocatorHook {
  /** The C symbol (for messages). */
  readonly symbol: string;
  /** The C result type as written, and the dtype it points to (`'void'` for `void *`). */
  readonly result: { readonly text: string; readonly pointer: number; readonly dtype: DType | 'void' | undefined };
  /** The native function without checks: a deallocator must still work after `lib.close()`. */
  readonly raw: (...args: unknown[]) => unknown;
  /** Keeps the function's library loaded until the matching {@link AllocatorHook.release}. */
  retain(): void;
  release(): void;
}

export const kAllocatorHook = Symbol.for('ffikit.allocatorHook');

function allocatorHook(fn: unknown): AllocatorHook | undefined {
  return typeof fn === 'function' ? ((fn as unknown as Record<symbol, AllocatorHook | undefined>)[kAllocatorHook] ?? undefined) : undefined;
}

export interface Owner {
  free(ptr: bigint): void;
  /** Releases the hold on the allocator's library (its unload waits for every array). */
  release(): void;
  readonly label: string;
}

/** What the finalizer needs, without a reference to the array itself. */
export interface Backstop {
  ptr: bigint;
  owner: Owner;
  describe: string;
  site: Error;
  freed: boolean;
}

const warnedSites = new Set<string>();

/** A short stack (enough to name the caller): a full one costs microseconds per array. */
export function captureSite(): Error {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 5;
  const site = new Error();
  Error.stackTraceLimit = limit;
  return site;
}

function creationSite(site: Error): string {
  const frames = (site.stack ?? '').split('\n').slice(1);
  const user = frames.find(
    (f) => !/[\\/](ts|dist)[\\/]memory[\\/](managed-array|array-owner|ndarray|struct-array)\.[jt]s/.test(f) && !f.includes('node:internal'),
  );
  return (user ?? frames[0] ?? '    at <unknown>').trim().replace(/^at /, '');
}

export const backstop = new FinalizationRegistry<Backstop>((held) => {
  if (held.freed) return;
  held.freed = true;
  const where = creationSite(held.site);
  try {
    held.owner.free(held.ptr);
  } catch (err) {
    // A finalizer must never throw (it would be an uncaught exception): report and move on.
    process.emitWarning(
      `${held.describe} created at ${where}: freeing it after GC failed (${(err as Error)?.message ?? String(err)}); its memory leaked.`,
      {
        code: 'FFIKIT_FREE_FAILED',
      },
    );
    return;
  } finally {
    held.owner.release();
  }
  if (warnedSites.has(where)) return;
  warnedSites.add(where);
  process.emitWarning(
    `${held.describe} created at ${where} was never disposed; the garbage collector freed it. Call dispose() or declare it with \`using\`.`,
    { code: 'FFIKIT_UNDISPOSED', type: 'ResourceWarning' },
  );
});

export function defaultOwner(): Owner {
  return { free: (p) => native.freeBytes(p), release: () => undefined, label: 'ffikit allocator' };
}

export function customOwner(alloc: Allocator, free: Deallocator): Owner {
  const hook = allocatorHook(free);
  if (hook) {
    // Bound deallocators are called directly so an array can still be freed after lib.close(); the
    // library stays loaded until every array it allocated is gone.
    hook.retain();
    let released = false;
    return {
      free: (p) => {
        hook.raw(p);
      },
      release: () => {
        if (released) return;
        released = true;
        hook.release();
      },
      label: allocatorHook(alloc)?.symbol ?? (alloc.name || 'alloc'),
    };
  }
  return { free: (p) => void free(p), release: () => undefined, label: alloc.name || 'alloc' };
}

export function checkAllocatorType(alloc: Allocator, dtype: DType): void {
  const hook = allocatorHook(alloc);
  if (!hook) return;
  const result = hook.result;
  if (result.pointer !== 1 || (result.dtype !== 'void' && result.dtype !== dtype)) {
    throw argumentError(
      'ManagedArray.create',
      'alloc',
      `an allocator returning ${dtype === 'float64' ? 'double' : dtype} * (or void *)`,
      alloc,
      `${hook.symbol} returns ${result.text}.`,
    );
  }
}
