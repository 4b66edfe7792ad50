// Checked mode's guarded copies: a buffer argument reaches C as a native copy with guard zones on both
// sides. After the call the zones are compared with their pattern, the data is copied back, and a
// changed zone byte is a MemoryCorruptionError naming the function, the parameter and how far C wrote.
//
// Layout of one block: [guard][data: capacity][guard]. The data of a call starts right after the front
// guard, and the back guard checked is the `guard` bytes right after the call's data; the data area is
// refilled with the pattern when the block is returned, so a shorter buffer later sees a clean zone.
// Blocks are pooled by capacity (powers of two) and guard size; a block a failed call never returned is
// freed by the garbage collector.

import type { MemoryCorruptionError } from '../core/checked-errors';
import { zoneCorruption } from '../memory/checked-memory';
import * as native from '../native/koffi';

/** The byte written into guard zones (and into the unused data area of a pooled block). */
const kPattern = 0xfb;
/** Four pattern bytes as one Int32Array element. */
const kPattern32 = (kPattern * 0x01010101) | 0;
/** Guard zone size on each side when `checked: true` gives none. */
export const kDefaultGuardBytes = 256;
/** The largest guard zone `checked: { guardBytes }` accepts. */
export const kMaxGuardBytes = 1 << 20;
/** Blocks kept per (capacity, guard) pair once returned; more are freed. */
const kPooledPerSize = 8;

interface Block {
  readonly ptr: bigint;
  /** The address C gets: `ptr + guard`. */
  readonly data: bigint;
  /** The whole block, guards included. */
  readonly bytes: Uint8Array;
  /** The same memory as 32-bit words, to compare zones four bytes at a time. */
  readonly words: Int32Array;
  readonly capacity: number;
  readonly guard: number;
}

const freed = new FinalizationRegistry<bigint>((ptr) => native.freeBytes(ptr));
const pool = new Map<number, Block[]>();

/** The first byte in [from, to) that is not the pattern, or -1; four bytes at a time where aligned. */
function firstChanged(block: Block, from: number, to: number): number {
  const { bytes, words } = block;
  let i = from;
  for (; i < to && (i & 3) !== 0; i++) if (bytes[i] !== kPattern) return i;
  const end = to & ~3;
  for (; i < end; i += 4) if (words[i >> 2] !== kPattern32) break;
  for (; i < to; i++) if (bytes[i] !== kPattern) return i;
  return -1;
}

function poolKey(capacity: number, guard: number): number {
  return capacity * (kMaxGuardBytes + 1) + guard;
}

function acquire(length: number, guard: number): Block {
  const capacity = length <= 64 ? 64 : 2 ** (32 - Math.clz32(length - 1));
  const block = pool.get(poolKey(capacity, guard))?.pop();
  if (block !== undefined) return block;
  const total = guard + capacity + guard;
  const ptr = native.allocBytes(total);
  const memory = native.viewBytes(ptr, total);
  const bytes = new Uint8Array(memory);
  bytes.fill(kPattern);
  const made: Block = { ptr, data: ptr + BigInt(guard), bytes, words: new Int32Array(memory, 0, total >> 2), capacity, guard };
  freed.register(made, ptr, made);
  return made;
}

function giveBack(block: Block): void {
  const key = poolKey(block.capacity, block.guard);
  let list = pool.get(key);
  if (list === undefined) pool.set(key, (list = []));
  if (list.length < kPooledPerSize) {
    list.push(block);
    return;
  }
  freed.unregister(block);
  native.freeBytes(block.ptr);
}

/** One buffer argument of one call, copied into a guarded block. */
export class GuardedCopy {
  readonly #block: Block;
  readonly #source: Uint8Array;
  readonly #fn: string;
  readonly #param: string;

  constructor(view: ArrayBufferView, fn: string, param: string, guard: number) {
    const source = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    this.#block = acquire(source.length, guard);
    this.#block.bytes.set(source, guard);
    this.#source = source;
    this.#fn = fn;
    this.#param = param;
  }

  /** The address C gets. */
  get address(): bigint {
    return this.#block.data;
  }

  /**
   * Verifies both guard zones, copies the data back into the caller's buffer and returns the block.
   * @returns The corruption found, or undefined.
   */
  finish(): MemoryCorruptionError | undefined {
    const block = this.#block;
    const { bytes, guard } = block;
    const length = this.#source.length;
    const end = guard + length;
    // The four-bytes-at-a-time scan finds whether a zone changed; zoneCorruption says how far C wrote.
    let error: MemoryCorruptionError | undefined;
    if (firstChanged(block, end, end + guard) !== -1) {
      error = zoneCorruption('overrun', bytes.subarray(end, end + guard), kPattern, this.#fn, this.#param, length);
    } else if (firstChanged(block, 0, guard) !== -1) {
      error = zoneCorruption('underrun', bytes.subarray(0, guard), kPattern, this.#fn, this.#param, length);
    }
    this.#source.set(bytes.subarray(guard, end));
    if (error === undefined) bytes.fill(kPattern, guard, end);
    else bytes.fill(kPattern);
    giveBack(block);
    return error;
  }
}
