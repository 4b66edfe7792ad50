// Checked mode's memory checks for ManagedArrays: red zones around each block, a quarantine of poisoned
// freed blocks, and detachable copies handed out as views.

import { overrunError, writeAfterFreeError, type MemoryCorruptionError } from '../core/checked-errors';
import * as native from '../native/koffi';

/** Bytes of red zone on each side of a checked default-allocator array; writes farther out go unseen. */
export const RED_ZONE = 64;
/** What the red zones are filled with (a C write of exactly this byte is not seen). */
export const ZONE_BYTE = 0xfd;
/** What freed blocks in the quarantine are filled with. */
export const POISON_BYTE = 0xdd;
/** The quarantine holds at most this many freed blocks... */
export const QUARANTINE_BLOCKS = 1024;
/** ...and at most this many bytes (a larger block stays until the next one arrives). */
export const QUARANTINE_BYTES = 16 * 1024 * 1024;

const zonePattern = new Uint8Array(RED_ZONE).fill(ZONE_BYTE);

function bytesAt(ptr: bigint, length: number): Uint8Array {
  return new Uint8Array(native.viewBytes(ptr, length));
}

/**
 * Allocates `bytes` zero-filled bytes between two red zones; returns the block's base address (C gets
 * `base + RED_ZONE`).
 */
export function allocGuarded(bytes: number): bigint {
  const base = native.allocBytes(bytes + 2 * RED_ZONE);
  bytesAt(base, RED_ZONE).set(zonePattern);
  bytesAt(base + BigInt(RED_ZONE + bytes), RED_ZONE).set(zonePattern);
  return base;
}

/**
 * The corruption a guard zone shows, or undefined when every byte still holds `fill`: for the zone after
 * a buffer, how far past its end C wrote (the last changed byte); for the zone before it, how far
 * before its start (the first changed byte). Shared by ManagedArray red zones and checked calls' copies.
 */
export function zoneCorruption(
  kind: 'overrun' | 'underrun',
  zone: Uint8Array,
  fill: number,
  fn: string,
  param: string,
  size: number,
): MemoryCorruptionError | undefined {
  if (kind === 'overrun') {
    for (let i = zone.length - 1; i >= 0; i--) if (zone[i] !== fill) return overrunError(kind, fn, param, size, i + 1, zone.length);
  } else {
    for (let i = 0; i < zone.length; i++) if (zone[i] !== fill) return overrunError(kind, fn, param, size, zone.length - i, zone.length);
  }
  return undefined;
}

/**
 * Checks both red zones of a guarded block. On a changed byte, restores that zone (so one corruption is
 * reported once) and returns the error: the underrun first, the overrun at the next check.
 */
export function checkZones(base: bigint, bytes: number, fn: string, param: string): MemoryCorruptionError | undefined {
  const head = bytesAt(base, RED_ZONE);
  const under = zoneCorruption('underrun', head, ZONE_BYTE, fn, param, bytes);
  if (under !== undefined) {
    head.set(zonePattern);
    return under;
  }
  const tail = bytesAt(base + BigInt(RED_ZONE + bytes), RED_ZONE);
  const over = zoneCorruption('overrun', tail, ZONE_BYTE, fn, param, bytes);
  if (over !== undefined) tail.set(zonePattern);
  return over;
}

interface Quarantined {
  readonly base: bigint;
  readonly total: number;
  readonly describe: string;
  readonly site: string;
  readonly free: (base: bigint) => void;
}

const quarantine: Quarantined[] = [];
let head = 0;
let quarantinedBytes = 0;

/** The offset (from the array's first element) of the first byte that is not poison, or undefined. */
function findWrite(q: Quarantined): number | undefined {
  const block = bytesAt(q.base, q.total);
  for (let i = 0; i < block.length; i++) if (block[i] !== POISON_BYTE) return i - RED_ZONE;
  return undefined;
}

/**
 * Poisons a freed guarded block (zones included) and keeps it out of circulation. Blocks leaving the
 * quarantine (oldest first, beyond its limits) are checked and freed; the first one written to after
 * its free stops the eviction and is returned as the error.
 */
export function quarantineBlock(
  base: bigint,
  bytes: number,
  describe: string,
  site: string,
  free: (base: bigint) => void,
): MemoryCorruptionError | undefined {
  const total = bytes + 2 * RED_ZONE;
  bytesAt(base, total).fill(POISON_BYTE);
  quarantine.push({ base, total, describe, site, free });
  quarantinedBytes += total;
  while (quarantine.length - head > 1 && (quarantine.length - head > QUARANTINE_BLOCKS || quarantinedBytes > QUARANTINE_BYTES)) {
    const q = quarantine[head] as Quarantined;
    quarantine[head] = undefined as unknown as Quarantined;
    head++;
    quarantinedBytes -= q.total;
    const offset = findWrite(q);
    q.free(q.base);
    if (offset !== undefined) {
      compact();
      return writeAfterFreeError(q.describe, q.site, offset);
    }
  }
  compact();
  return undefined;
}

function compact(): void {
  if (head > 256 && head * 2 > quarantine.length) {
    quarantine.splice(0, head);
    head = 0;
  }
}

/**
 * Checks every block in checked mode's quarantine of freed ManagedArrays for writes after free. A block
 * found written is poisoned again, so each write is reported once.
 * @throws {MemoryCorruptionError} (kind `'after-free'`) for the first written block, naming the array,
 *   where it was created and the offset of the first changed byte.
 * @example
 * arr.dispose();
 * runNativeCodeThatMayKeepPointers();
 * ffikit.checkQuarantine(); // throws if C wrote into arr's freed memory
 */
export function checkQuarantine(): void {
  for (let i = head; i < quarantine.length; i++) {
    const q = quarantine[i] as Quarantined;
    const offset = findWrite(q);
    if (offset !== undefined) {
      bytesAt(q.base, q.total).fill(POISON_BYTE);
      throw writeAfterFreeError(q.describe, q.site, offset);
    }
  }
}

/** A copy of `length` bytes at `ptr` in an ordinary (detachable) ArrayBuffer. */
export function copyOut(ptr: bigint, length: number): ArrayBuffer {
  const copy = new ArrayBuffer(length);
  if (length > 0) new Uint8Array(copy).set(bytesAt(ptr, length));
  return copy;
}

/** Writes a copy from {@link copyOut} back to `ptr`, then detaches it: views kept past here throw on use. */
export function copyBackAndDetach(ptr: bigint, copy: ArrayBuffer): void {
  if (copy.byteLength > 0 && ptr !== 0n) bytesAt(ptr, copy.byteLength).set(new Uint8Array(copy));
  const transfer = (copy as { transfer?: () => ArrayBuffer }).transfer;
  if (typeof transfer === 'function') transfer.call(copy);
  else structuredClone(copy, { transfer: [copy] });
}
