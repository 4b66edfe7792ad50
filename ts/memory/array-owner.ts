// Who frees a ManagedArray's memory: allocator pairs, the library hold, the GC backstop that frees forgotten
// arrays, and the count of live arrays (stats gauges, diagnostics channels).

import type { DType } from '../declare/dtype';
import { arrayAllocChannel, arrayFreeChannel, gauges } from '../core/channels';
import { checkedMemory } from '../core/checked';
import { argumentError } from '../core/errors';
import * as native from '../native/koffi';
import { Backstop, type Watched } from './backstop';

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

/** Where an array's memory came from, as the `ffikit:array:*` channels report it. */
export type AllocatorKind = 'default' | 'library' | 'arena' | 'custom';

/** One allocator pair, shared by every array it allocated (no per-array closures). */
export interface Owner {
  readonly kind: AllocatorKind;
  readonly label: string;
  /** Frees what the allocator returned (`bytes`: the array's size, for owners that keep count). */
  free(ptr: bigint, bytes: number): void;
  /** Takes one hold on the allocator's library (its unload waits for every array); once per array. */
  retain(): void;
  /** Gives back one {@link Owner.retain}. */
  release(): void;
}

/**
 * One array's memory, kept apart from the array so the GC backstop can free it without a reference to
 * the array. `base` is what the owner frees; `ptr` what C sees (they differ by a red zone in checked mode).
 */
export interface Cell extends Watched {
  base: bigint;
  ptr: bigint;
  readonly owner: Owner;
  readonly dtype: DType;
  readonly length: number;
  readonly bytes: number;
  /** Where the array was created, when sites are recorded (checked mode, FFIKIT_TRACE_SITES). */
  readonly site: string | undefined;
  /** Red-zone size on each side (0: none). */
  readonly zone: number;
  freed: boolean;
}

export function describeCell(cell: Cell): string {
  return `ManagedArray(${cell.dtype}, ${cell.length})`;
}

// Accounting ---------------------------------------------------------------------------------------

let liveArrays = 0;
let liveBytes = 0;
gauges.arrays = () => ({ live: liveArrays, bytes: liveBytes });

/** Counts a new array with memory, and tells `ffikit:array:alloc` subscribers. */
export function countAlloc(cell: Cell): void {
  liveArrays++;
  liveBytes += cell.bytes;
  if (arrayAllocChannel.hasSubscribers) {
    arrayAllocChannel.publish({ dtype: cell.dtype, length: cell.length, bytes: cell.bytes, allocator: cell.owner.kind });
  }
}

function countFree(cell: Cell): void {
  liveArrays--;
  liveBytes -= cell.bytes;
  if (arrayFreeChannel.hasSubscribers) {
    arrayFreeChannel.publish({ dtype: cell.dtype, length: cell.length, bytes: cell.bytes, allocator: cell.owner.kind });
  }
}

/**
 * Uncounts `arrays` arrays of `bytes` bytes freed together (an arena's), and tells `ffikit:array:free`
 * subscribers about `cells` (the arrays whose allocation they were told about).
 */
export function countFreeAll(arrays: number, bytes: number, cells: readonly Cell[]): void {
  liveArrays -= arrays;
  liveBytes -= bytes;
  if (arrayFreeChannel.hasSubscribers) {
    for (const cell of cells) {
      arrayFreeChannel.publish({ dtype: cell.dtype, length: cell.length, bytes: cell.bytes, allocator: cell.owner.kind });
    }
  }
}

// Creation sites -----------------------------------------------------------------------------------

/** Sites are recorded in checked mode, with FFIKIT_TRACE_SITES=1, or with NODE_DEBUG=ffikit. */
const traceSites =
  /^(1|true|yes)$/i.test(process.env['FFIKIT_TRACE_SITES'] ?? '') || /(^|,)\s*ffikit\s*(,|$)/i.test(process.env['NODE_DEBUG'] ?? '');

export const UNKNOWN_SITE = '<unknown; set FFIKIT_CHECKED=1 or FFIKIT_TRACE_SITES=1 to record sites>';

/** Whether new arrays record where they were created (a stack capture costs microseconds). */
export function sitesWanted(): boolean {
  return traceSites || checkedMemory();
}

/**
 * The first stack frame outside ffikit's memory layer, as text. Formatted at once: a captured stack keeps
 * every frame's receiver alive until it is formatted, and those may hold the array itself.
 */
export function captureSite(): string {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 6;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  const frames = stack.split('\n').slice(1);
  const user = frames.find(
    (f) =>
      !/[\\/](ts|dist)[\\/]memory[\\/](managed-array|array-owner|arena|ndarray|struct-array)\.[jt]s/.test(f) &&
      !f.includes('node:internal'),
  );
  return (user ?? frames[0] ?? '    at <unknown>').trim().replace(/^at /, '');
}

// The GC backstop ----------------------------------------------------------------------------------

const warnedSites = new Set<string>();

const backstop = new Backstop<Cell>((cell) => {
  if (cell.freed) return;
  cell.freed = true;
  countFree(cell);
  const where = cell.site ?? UNKNOWN_SITE;
  try {
    cell.owner.free(cell.base, cell.bytes);
  } catch (err) {
    // A finalizer must never throw (it would be an uncaught exception): report and move on.
    process.emitWarning(
      `${describeCell(cell)} created at ${where}: freeing it after GC failed (${(err as Error)?.message ?? String(err)}); its memory leaked.`,
      { code: 'FFIKIT_FREE_FAILED' },
    );
    return;
  } finally {
    cell.owner.release();
  }
  if (warnedSites.has(where)) return;
  warnedSites.add(where);
  process.emitWarning(
    `${describeCell(cell)} created at ${where} was never disposed; the garbage collector freed it. Call dispose() or declare it with \`using\`.`,
    { code: 'FFIKIT_UNDISPOSED', type: 'ResourceWarning' },
  );
});

/** Puts a new array under the GC backstop (its cell is freed if the array is collected undisposed). */
export function watch(array: object, cell: Cell): void {
  backstop.watch(array, cell);
}

/**
 * Takes a cell out of circulation before its memory is freed: marks it freed, leaves the backstop, updates
 * the counts. Returns false when it was already retired (the caller then frees nothing).
 */
export function retireCell(cell: Cell): boolean {
  if (cell.freed) return false;
  cell.freed = true;
  backstop.unwatch(cell);
  if (cell.base !== 0n) countFree(cell);
  return true;
}

// Owners -------------------------------------------------------------------------------------------

const nothing = (): void => undefined;

/** ffikit's allocator (calloc/free through the FFI layer). */
export const DEFAULT_OWNER: Owner = Object.freeze({
  kind: 'default' as const,
  label: 'ffikit allocator',
  free: (p: bigint) => native.freeBytes(p),
  retain: nothing,
  release: nothing,
});

function makeOwner(alloc: Allocator, free: Deallocator): Owner {
  const hook = allocatorHook(free);
  if (hook) {
    // Bound deallocators are called directly so an array can still be freed after lib.close(); the
    // library stays loaded until every array it allocated is gone.
    const raw = hook.raw;
    return Object.freeze({
      kind: 'library' as const,
      label: allocatorHook(alloc)?.symbol ?? (alloc.name || 'alloc'),
      free: (p: bigint) => void raw(p),
      retain: () => hook.retain(),
      release: () => hook.release(),
    });
  }
  return Object.freeze({
    kind: 'custom' as const,
    label: alloc.name || 'alloc',
    free: (p: bigint) => void free(p),
    retain: nothing,
    release: nothing,
  });
}

// Owners are shared per (alloc, free) pair: the last pair is checked first (a loop reuses one pair).
const owners = new WeakMap<Deallocator, WeakMap<Allocator, Owner>>();
let lastAlloc: Allocator | undefined;
let lastFree: Deallocator | undefined;
let lastOwner: Owner | undefined;

/** The owner of arrays allocated by `alloc` and freed by `free` (one hold taken: see {@link Owner.retain}). */
export function customOwner(alloc: Allocator, free: Deallocator): Owner {
  let owner: Owner | undefined;
  if (alloc === lastAlloc && free === lastFree) {
    owner = lastOwner as Owner;
  } else {
    let byAlloc = owners.get(free);
    if (byAlloc === undefined) owners.set(free, (byAlloc = new WeakMap()));
    owner = byAlloc.get(alloc);
    if (owner === undefined) byAlloc.set(alloc, (owner = makeOwner(alloc, free)));
    lastAlloc = alloc;
    lastFree = free;
    lastOwner = owner;
  }
  owner.retain();
  return owner;
}

const checkedAllocators = new WeakMap<Allocator, Set<DType>>();

let lastChecked: Allocator | undefined;
let lastCheckedDType: DType | undefined;

export function checkAllocatorType(alloc: Allocator, dtype: DType): void {
  if (alloc === lastChecked && dtype === lastCheckedDType) return;
  if (checkedAllocators.get(alloc)?.has(dtype) === true) {
    lastChecked = alloc;
    lastCheckedDType = dtype;
    return;
  }
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
  let ok = checkedAllocators.get(alloc);
  if (ok === undefined) checkedAllocators.set(alloc, (ok = new Set()));
  ok.add(dtype);
}
