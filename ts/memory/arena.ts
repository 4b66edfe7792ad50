// Arenas: many ManagedArrays bump-allocated from a few large native blocks, all released at once.

import { inspect } from 'node:util';

import { dtypeInfo, type DType } from '../declare/dtype';
import { arrayAllocChannel } from '../core/channels';
import { checkedMemory } from '../core/checked';
import { argumentError, disposedArenaError } from '../core/errors';
import * as native from '../native/koffi';
import { countAlloc, countFreeAll, type Cell, type Owner } from './array-owner';
import { Backstop, type Watched } from './backstop';
import { adoptArray, checkLength, newCell, type ArenaLease, type ManagedArray } from './managed-array';

/** Options of {@link arena}. */
export interface ArenaOptions {
  /**
   * Bytes per native block (default 65536, at least 1024, at most 2**30). A request larger than half a
   * block gets a block of its own.
   */
  readonly blockSize?: number;
}

/** Every array starts at a multiple of this (malloc's alignment; enough for every dtype and SIMD loads). */
export const ARENA_ALIGNMENT = 16;
const DEFAULT_BLOCK_SIZE = 64 * 1024;
const MIN_BLOCK_SIZE = 1024;
const MAX_BLOCK_SIZE = 2 ** 30;

let warnedUndisposed = false;

/** The owner of every arena array's cell: the memory goes back with the arena, never one array at a time. */
const ARENA_OWNER: Owner = Object.freeze({
  kind: 'arena' as const,
  label: 'arena',
  free: () => undefined,
  retain: () => undefined,
  release: () => undefined,
});

/**
 * The arena's native memory, kept apart from the Arena object: arrays reach it through their lease, and
 * the GC backstop frees it, without either keeping the Arena (or its arrays) alive.
 */
class ArenaMemory implements ArenaLease, Watched {
  readonly blocks: bigint[] = [];
  /** Live arrays and their bytes (for the stats gauges). */
  arrays = 0;
  bytes = 0;
  /** Arrays whose allocation `ffikit:array:alloc` subscribers saw: they get the matching free event. */
  readonly published: Cell[] = [];
  /** Calls and views using one of the arrays: the blocks stay until they end. */
  holds = 0;
  released = false;
  freed = false;
  nursery = -1;
  registered = false;

  hold(): void {
    this.holds++;
  }

  letGo(): void {
    this.holds--;
    if (this.released && this.holds === 0) this.freeBlocks();
  }

  freeBlocks(): void {
    if (this.freed) return;
    this.freed = true;
    for (const block of this.blocks) native.freeBytes(block);
    this.blocks.length = 0;
    countFreeAll(this.arrays, this.bytes, this.published);
    this.published.length = 0;
  }
}

const backstop = new Backstop<ArenaMemory>((memory) => {
  if (memory.freed) return;
  memory.freeBlocks();
  if (warnedUndisposed) return;
  warnedUndisposed = true;
  process.emitWarning('An arena was never disposed; the garbage collector freed its memory. Call dispose() or declare it with `using`.', {
    code: 'FFIKIT_UNDISPOSED',
    type: 'ResourceWarning',
  });
});

/**
 * A region of native memory that hands out ManagedArrays by bumping a pointer through large blocks, and
 * frees them all at once. Allocation costs a few tens of nanoseconds; nothing is freed one by one.
 *
 * Its arrays are ordinary ManagedArrays (call arguments, withView, NDArray, thread pools), zero-filled
 * and aligned to 16 bytes. `dispose()` on one of them only marks it disposed: its memory comes back
 * with the arena. Disposing the arena disposes every array it handed out (later use throws
 * DisposedError); one that a running call still uses keeps the blocks until the call settles.
 * @example
 * using arena = ffikit.arena();
 * const a = arena.array('float64', 1000);
 * const b = arena.array('int32', 16);
 * m.process_1d(a, a.length);
 */
export class Arena implements Disposable {
  readonly #memory = new ArenaMemory();
  readonly #blockSize: number;
  #count = 0;
  #block = 0n;
  #offset = 0;
  #size = 0;
  #bytes = 0;

  /** @internal use {@link arena} */
  constructor(blockSize: number) {
    this.#blockSize = blockSize;
    backstop.watch(this, this.#memory);
  }

  /**
   * A zero-filled array of `length` elements in this arena.
   * @param dtype The element type.
   * @param length The number of elements.
   * @returns A ManagedArray whose memory belongs to the arena.
   * @throws {ArgumentError} for a bad dtype or length.
   * @throws {DisposedError} after the arena was disposed.
   */
  array<D extends DType>(dtype: D, length: number): ManagedArray<D> {
    const memory = this.#memory;
    if (memory.released) throw disposedArenaError('array');
    const info = dtypeInfo('Arena.array', dtype);
    checkLength('Arena.array', length, info.bytes);
    const bytes = length * info.bytes;
    let ptr = 0n;
    if (bytes > 0) {
      if (bytes > this.#blockSize >>> 1) {
        // A block of its own: the current block keeps its free space for the small arrays to come.
        ptr = this.#newBlock(bytes);
      } else {
        let offset = (this.#offset + (ARENA_ALIGNMENT - 1)) & ~(ARENA_ALIGNMENT - 1);
        if (offset + bytes > this.#size) {
          this.#block = this.#newBlock(this.#blockSize);
          this.#size = this.#blockSize;
          offset = 0;
        }
        this.#offset = offset + bytes;
        ptr = this.#block + BigInt(offset);
      }
      this.#bytes += bytes;
    }
    const cell = newCell(ptr, ptr, ARENA_OWNER, dtype, length, bytes, undefined, 0);
    if (bytes > 0) {
      memory.arrays++;
      memory.bytes += bytes;
      countAlloc(cell);
      if (arrayAllocChannel.hasSubscribers) memory.published.push(cell);
    }
    this.#count++;
    return adoptArray(dtype, info, cell, checkedMemory(), memory);
  }

  /** Bytes handed out to arrays so far (alignment padding not included). */
  get byteLength(): number {
    return this.#bytes;
  }

  /** Native blocks allocated so far. */
  get blockCount(): number {
    return this.#memory.blocks.length;
  }

  /** True once dispose() was called. */
  get disposed(): boolean {
    return this.#memory.released;
  }

  /**
   * Disposes every array of the arena and frees its blocks (once no running call uses one of its
   * arrays). Idempotent.
   */
  dispose(): void {
    const memory = this.#memory;
    if (memory.released) return;
    memory.released = true;
    backstop.unwatch(memory);
    if (memory.holds === 0) memory.freeBlocks();
  }

  /** Same as {@link Arena.dispose}: for `using`. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** How `util.inspect` and `console.log` show it: `Arena(3 arrays, 4096 bytes)`. */
  [inspect.custom](): string {
    return `Arena(${this.#count} arrays, ${this.#bytes} bytes)${this.#memory.released ? ' <disposed>' : ''}`;
  }

  #newBlock(bytes: number): bigint {
    const block = native.allocBytes(bytes);
    this.#memory.blocks.push(block);
    return block;
  }
}

/**
 * Creates an arena: ManagedArrays bump-allocated from large native blocks, released together.
 * @param options `blockSize`: bytes per block (default 65536).
 * @returns The arena (release it with `dispose()` or `using`).
 * @throws {ArgumentError} for a bad option.
 * @example
 * using arena = ffikit.arena({ blockSize: 1 << 20 });
 * for (const row of rows) m.process_1d(arena.array('float64', row.length), row.length);
 */
export function arena(options: ArenaOptions = {}): Arena {
  if (typeof options !== 'object' || options === null)
    throw argumentError('arena', 'options', 'an object like { blockSize: 65536 }', options);
  const { blockSize = DEFAULT_BLOCK_SIZE } = options;
  if (typeof blockSize !== 'number' || !Number.isSafeInteger(blockSize) || blockSize < MIN_BLOCK_SIZE || blockSize > MAX_BLOCK_SIZE) {
    throw argumentError('arena', 'blockSize', `an integer number of bytes in [${MIN_BLOCK_SIZE}, ${MAX_BLOCK_SIZE}]`, blockSize);
  }
  return new Arena(blockSize);
}
