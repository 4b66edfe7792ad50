// The per-call scope: ManagedArrays a call pins, and what a transient callback threw while C ran it.

import { MemoryCorruptionError } from '../core/checked-errors';
import { checkRedZones, holdArray, unpinArray, type ManagedArray } from '../memory/managed-array';
import { GuardedCopy } from './guarded';

/**
 * How many bytes of `_Out_`/`_Inout_` JS arrays one call lets the FFI layer copy itself. koffi copies
 * such an array into its per-call heap (1 MiB for sync calls, 128 KiB for `.async`) and, in koffi 3.3,
 * writes past the heap when the array does not fit: a SIGSEGV, or silently wrong data (measured: 262,145
 * `int32_t`s crash a sync call, 100,000 an `.async` one). Arrays beyond this budget are staged
 * by ffikit instead: copied into memory of its own, passed by address, copied back after the call.
 */
export const kCopiedOutBudget = 64 * 1024;

/**
 * State that belongs to one native call, created lazily by the wrapper the first time a converter
 * needs it (plain numbers and typed arrays never allocate one).
 *
 * ManagedArrays are only recorded while the arguments convert and pinned together by {@link hold}
 * right before the call: a conversion error later in the argument list then leaves nothing pinned.
 */
export class CallScope {
  #arrays: ManagedArray[] | null = null;
  #held = false;
  #guarded: GuardedCopy[] | null = null;
  /** Checked mode: ManagedArray arguments whose red zones are verified when the call is over. */
  #zoned: { array: ManagedArray; fn: string; param: string }[] | null = null;
  /** True once the call must fail: a transient callback threw, or checked mode found corruption. */
  failed = false;
  /** Bytes of `_Out_`/`_Inout_` JS arrays left to the FFI layer's own copy (see kCopiedOutBudget). */
  #copiedOut = 0;
  /** Copy-backs of staged `_Out_`/`_Inout_` arrays, run when the call is over. */
  #after: (() => void)[] | null = null;
  /** True once a transient callback threw (later invocations return a neutral value at once). */
  callbackThrew = false;
  /** What the first throwing transient callback threw. */
  callbackError: unknown = undefined;
  /** The first corruption checked mode found when the call was over (it wins over a callback's error). */
  corruption: MemoryCorruptionError | undefined = undefined;

  /** Records a (live) ManagedArray argument, to be pinned by {@link hold}. */
  record(array: ManagedArray): void {
    (this.#arrays ??= []).push(array);
  }

  /**
   * Whether the FFI layer may copy an `_Out_`/`_Inout_` JS array of `bytes` for this call (counted
   * if so); when false, the converter stages the array itself (see {@link afterCall}).
   */
  copiesOut(bytes: number): boolean {
    if (this.#copiedOut + bytes > kCopiedOutBudget) return false;
    this.#copiedOut += bytes;
    return true;
  }

  /** Runs `fn` once the call is over (on every settling path): copies a staged array back. */
  afterCall(fn: () => void): void {
    (this.#after ??= []).push(fn);
  }

  /** Pins every recorded array: disposing one during the call only defers its free. */
  hold(): void {
    const arrays = this.#arrays;
    if (arrays === null || this.#held) return;
    this.#held = true;
    for (const a of arrays) holdArray(a);
  }

  /** Checked mode: copies a buffer argument into a guarded block and returns the address C gets. */
  guard(view: ArrayBufferView, fn: string, param: string, guardBytes: number): bigint {
    const copy = new GuardedCopy(view, fn, param, guardBytes);
    (this.#guarded ??= []).push(copy);
    return copy.address;
  }

  /** Checked mode: verifies `array`'s red zones when the call is over (before it is unpinned). */
  checkZones(array: ManagedArray, fn: string, param: string): void {
    (this.#zoned ??= []).push({ array, fn, param });
  }

  #corrupted(error: MemoryCorruptionError): void {
    if (this.corruption !== undefined) return;
    this.corruption = error;
    this.failed = true;
  }

  /**
   * Unpins what {@link hold} pinned, and in checked mode verifies and copies back the guarded
   * arguments (a corruption makes the call fail). Idempotent, so every settling path may call it.
   */
  release(): void {
    const after = this.#after;
    if (after !== null) {
      this.#after = null;
      for (const fn of after) fn();
    }
    const guarded = this.#guarded;
    if (guarded !== null) {
      this.#guarded = null;
      for (const copy of guarded) {
        const error = copy.finish();
        if (error !== undefined) this.#corrupted(error);
      }
    }
    const zoned = this.#zoned;
    if (zoned !== null) {
      this.#zoned = null;
      for (const { array, fn, param } of zoned) {
        try {
          checkRedZones(array, fn, param);
        } catch (err) {
          if (!(err instanceof MemoryCorruptionError)) throw err;
          this.#corrupted(err);
        }
      }
    }
    const arrays = this.#arrays;
    if (arrays === null) return;
    this.#arrays = null;
    if (!this.#held) return;
    for (const a of arrays) unpinArray(a);
  }

  /** Records what a transient callback threw; the first error wins. */
  callbackFailed(error: unknown): void {
    if (this.callbackThrew) return;
    this.callbackThrew = true;
    this.failed = true;
    this.callbackError = error;
  }
}

/** Makes a scope (the generated wrappers call it through a closure constant). */
export function newScope(): CallScope {
  return new CallScope();
}
