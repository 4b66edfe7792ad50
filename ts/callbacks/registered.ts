// Long-lived (registered) callbacks: slot accounting, exceptions that never unwind through C, foreign threads.

import { EventEmitter } from 'node:events';

import '../core/polyfills';
import {
  argumentError,
  callbackDisposedError,
  callbackLimitError,
  callbackThrewError,
  foreignCallbackResultError,
  type CallbackError,
} from '../core/errors';
import * as native from '../native/koffi';
import { lateCallbackError } from '../core/checked-errors';
import { callbackDisposeChannel, callbackRegisterChannel, gauges } from '../core/channels';
import { callbackLengthStrings, namedType, type CType } from '../declare/named-types';
import { callbackReturn, kRefused, type CallbackReturn } from './return-check';
import { holdLoop, lingerAtExit, releaseLoop, stopLingering } from './foreign-threads';

export { CallbackLimitError } from '../core/errors';

/** Options of {@link Library.register}. */
export interface RegisterOptions {
  /**
   * `'main'` (default): C calls it during calls made from JS, on the main thread; an exception is
   * rethrown as CallbackError by the call that was running. `'any'`: C may call it from its own
   * threads; calls are queued to the main thread and only void callbacks are allowed (the calling
   * thread cannot wait for a value safely).
   */
  readonly thread?: 'main' | 'any';
  /** Receives exceptions the callback threw that no JS call can receive (foreign threads). */
  readonly onError?: (error: CallbackError) => void;
}

// koffi has 8192 trampolines in all; transient callbacks (JS functions passed for one call) need
// some during calls, so registrations stop short of the limit with an error of our own.
const kTrampolines = 8192;
const kTransientReserve = 192;
const live = new Set<RegisteredCallback>();
gauges.callbacks = () => live.size;
/** Checked mode keeps this many disposed trampolines registered, to catch C calling one late. */
const kQuarantinedTrampolines = 64;
const quarantine: RegisteredCallback[] = [];

/** Registered callbacks currently alive (for leak checks). */
export function registeredCallbackCount(): number {
  return live.size;
}

/** How many callbacks may be registered at once. */
export function callbackCapacity(): number {
  return kTrampolines - kTransientReserve;
}

/**
 * For callback types declared with `lengths`: turns each length-bound string argument (an address, as
 * the trampoline receives it) into exactly that many characters, in place. Null when there are none.
 * Runs inside the callback's try block: a failure is reported like an exception of the callback.
 */
export function callbackArgsDecoder(type: CType): ((args: unknown[]) => unknown[]) | null {
  const strings = callbackLengthStrings(type);
  if (strings === undefined) return null;
  return (args) => {
    for (const s of strings) {
      const ptr = args[s.index];
      const n = Number(args[s.length]);
      // NULL stays null; a non-positive length is an empty string (nothing may be read).
      args[s.index] = ptr === null || ptr === 0n ? null : n > 0 ? native.decode(ptr, s.char, n) : '';
    }
    return args;
  };
}

/** What a `'main'` callback did wrong while C was running it, with the error for each way it surfaces. */
interface Failure {
  /** The error the native call that was running throws (`where` is `fn()`). */
  readonly claimed: (where: string) => CallbackError;
  /** The error reported when no call claims it (C called the callback from elsewhere). */
  readonly unclaimed: () => CallbackError;
}

/**
 * A `'main'` callback that threw or returned a value C cannot take while C was running it. The sync
 * wrapper that made the native call claims it right after the call returns; if none does (C called
 * it from elsewhere), it is reported through the callback's error channel on the next microtask.
 */
export const pendingCallbackError: { threw: boolean; failure: Failure | null } = { threw: false, failure: null };

/** Takes the pending error for the call `fn` that just returned (called by generated wrappers). */
export function claimCallbackError(fn: string): CallbackError {
  const { failure } = pendingCallbackError;
  pendingCallbackError.threw = false;
  pendingCallbackError.failure = null;
  return failure
    ? failure.claimed(`${fn}()`)
    : callbackThrewError(`${fn}(): a registered callback failed during the native call`, undefined, 'the call completed');
}

/**
 * A JS function registered as a native callback, for C code that keeps the pointer beyond one call.
 * Pass the handle (or `handle.pointer`) where the prototype has the callback type. Dispose it only
 * once C can no longer call it; for callbacks C calls from its own threads, follow the shutdown
 * protocol: stop the native source, join its threads off the main thread (an `.async` call), then
 * dispose, then close the library.
 *
 * Errors never unwind through C: an exception, or a return value the C return type cannot take, gives
 * C a neutral value (0, false, NULL) and surfaces as CallbackError from the JS call that was running,
 * or else as an `'error'` event, the `onError` option, or a process warning.
 */
export class RegisteredCallback extends EventEmitter implements Disposable {
  /** The callback type. */
  readonly type: CType;
  /** Where C may call it from. */
  readonly thread: 'main' | 'any';
  #pointer: bigint | null;
  /** The trampoline until it is unregistered (may outlive `#pointer` for foreign-thread callbacks). */
  #native: bigint | null;
  #fn: ((...args: unknown[]) => unknown) | null;
  readonly #onError: ((error: CallbackError) => void) | undefined;
  readonly #release: (cb: RegisteredCallback) => void;
  /** Checked mode: where it was registered (reported when C calls it after dispose). */
  readonly #site: string | null;
  #lateCallReported = false;

  /** @internal use Library.register() */
  constructor(
    type: CType,
    fn: (...args: unknown[]) => unknown,
    options: RegisterOptions,
    release: (cb: RegisteredCallback) => void,
    checked = false,
  ) {
    super();
    this.#site = checked ? registrationSite() : null;
    this.type = type;
    this.thread = options.thread ?? 'main';
    this.#fn = fn;
    this.#onError = options.onError;
    this.#release = release;
    const returns = callbackReturn(type);
    const fallback = returns?.neutral;
    const decodeArgs = callbackArgsDecoder(type);
    // The trampoline calls this wrapper, never the user's function directly: after dispose() it
    // turns into a no-op, and an exception or a wrong return value becomes a report instead of an
    // exception raised inside C's call.
    const invoke = (...args: unknown[]): unknown => {
      const user = this.#fn;
      if (user === null) {
        if (this.#site !== null) this.#calledAfterDispose();
        return fallback;
      }
      let value: unknown;
      try {
        value = user(...(decodeArgs === null ? args : decodeArgs(args)));
      } catch (err) {
        this.#failed(err, null);
        return fallback;
      }
      if (returns === null) return undefined;
      const out = returns.normalise(value);
      if (out !== kRefused) return out;
      this.#failed(value, returns);
      return fallback;
    };
    this.#pointer = native.registerCallback(invoke, type.name);
    this.#native = this.#pointer;
    live.add(this);
    if (this.thread === 'any') holdLoop();
    if (callbackRegisterChannel.hasSubscribers) callbackRegisterChannel.publish({ type: type.name, thread: this.thread });
  }

  /**
   * The native function pointer.
   * @throws {DisposedError} after dispose().
   */
  get pointer(): bigint {
    if (this.#pointer === null) throw callbackDisposedError(`RegisteredCallback(${this.type.name}).pointer`, this.type.name);
    return this.#pointer;
  }

  /** True after dispose(). */
  get disposed(): boolean {
    return this.#pointer === null;
  }

  /**
   * Stops calling the JS function at once (idempotent) and releases the native trampoline:
   * - `thread: 'main'` callbacks: now. C must not call it afterwards: a call through a freed
   *   trampoline throws where the FFI layer can tell, but a later registration may reuse the slot.
   * - `thread: 'any'` callbacks: a native thread may still be calling it, so the trampoline stays
   *   (calls become no-ops, and its slot cannot go to another callback) until the library is
   *   closed, or now with `{ stopped: true }` once you know the native side has stopped and joined
   *   its threads. From dispose() on, the callback no longer keeps the process alive; if it is
   *   still not released when the process exits, ffikit warns once per callback type
   *   (`FFIKIT_CALLBACK_AT_EXIT`) and ends the process in a way a native thread calling in cannot crash.
   * @param options `stopped: true`: the native side can no longer call it; release the trampoline now.
   */
  dispose(options: { stopped?: boolean } = {}): void {
    const stopped = options.stopped === true;
    if (this.#pointer === null) {
      if (stopped) this.#unregister();
      return;
    }
    this.#pointer = null;
    this.#fn = null;
    if (callbackDisposeChannel.hasSubscribers) callbackDisposeChannel.publish({ type: this.type.name, thread: this.thread });
    if (stopped) this.#unregister();
    else if (this.thread === 'any') lingerAtExit(this);
    else if (this.#site !== null) this.#quarantine();
    else this.#unregister();
    if (this.thread === 'any') releaseLoop();
  }

  /** @internal the library was unloaded: nothing can call the trampoline any more */
  releaseNative(): void {
    this.dispose({ stopped: true });
  }

  /** Checked mode: the trampoline stays registered for a while, so a late call from C is reported. */
  #quarantine(): void {
    quarantine.push(this);
    const oldest = quarantine.length > kQuarantinedTrampolines ? quarantine.shift() : undefined;
    if (oldest !== undefined) oldest.#unregister();
  }

  #calledAfterDispose(): void {
    if (this.#lateCallReported) return;
    this.#lateCallReported = true;
    const site = this.#site as string;
    if (this.thread === 'any' || pendingCallbackError.threw) this.#report(lateCallbackError(undefined, this.type.name, site));
    else
      this.#pending({
        claimed: (where) => lateCallbackError(where, this.type.name, site),
        unclaimed: () => lateCallbackError(undefined, this.type.name, site),
      });
  }

  #unregister(): void {
    const ptr = this.#native;
    if (ptr === null) return;
    this.#native = null;
    const queued = quarantine.indexOf(this);
    if (queued !== -1) quarantine.splice(queued, 1);
    live.delete(this);
    stopLingering(this);
    this.#release(this);
    native.unregisterCallback(ptr);
  }

  /** Same as {@link RegisteredCallback.dispose} without options: for `using`. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** `returns` is set when the function returned `cause`, a value C cannot take; null when it threw. */
  #failed(cause: unknown, returns: CallbackReturn | null): void {
    const name = this.type.name;
    if (this.thread === 'any') {
      this.#report(
        callbackThrewError(`RegisteredCallback(${name}) threw on a call from a native thread`, cause, 'the native thread went on'),
      );
      return;
    }
    if (pendingCallbackError.threw) return; // the running call already has its error
    const failure: Failure = returns
      ? {
          claimed: (where) => returns.refusal(where, `the registered ${name} callback`, cause),
          unclaimed: () => returns.refusal(`RegisteredCallback(${name})`, 'it', cause),
        }
      : {
          claimed: (where) =>
            callbackThrewError(`${where}: the registered callback ${name} threw during the native call`, cause, 'the call completed'),
          unclaimed: () =>
            callbackThrewError(`RegisteredCallback(${name}) threw outside any ffikit call`, cause, 'C received a neutral value'),
        };
    this.#pending(failure);
  }

  /** Hands `failure` to the native call that is running, or reports it when no call claims it. */
  #pending(failure: Failure): void {
    pendingCallbackError.threw = true;
    pendingCallbackError.failure = failure;
    // Claimed synchronously by the wrapper of the native call that is running, if any.
    queueMicrotask(() => {
      if (pendingCallbackError.failure !== failure) return;
      pendingCallbackError.threw = false;
      pendingCallbackError.failure = null;
      this.#report(failure.unclaimed());
    });
  }

  #report(error: CallbackError): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
    else if (this.#onError) this.#onError(error);
    else process.emitWarning(error.message, { code: 'FFIKIT_CALLBACK_ERROR', type: 'CallbackWarning' });
  }
}

/** @internal Validates and registers (Library.register does the bookkeeping per library). */
export function createRegisteredCallback(
  type: unknown,
  fn: unknown,
  options: unknown,
  release: (cb: RegisteredCallback) => void,
  checked = false,
): RegisteredCallback {
  const resolved = typeof type === 'string' ? namedType(type.trim()) : (type as CType | undefined);
  if (!resolved || resolved.kind !== 'callback' || !resolved.proto) {
    throw argumentError('register', 'type', "a callback type from ffikit.callbackType('void Cb(int x)') or its name", type);
  }
  if (typeof fn !== 'function') throw argumentError('register', 'fn', 'a function', fn);
  const opts = (options ?? {}) as RegisterOptions;
  if (typeof opts !== 'object') throw argumentError('register', 'options', 'an object such as { thread: "any" }', options);
  if (opts.thread !== undefined && opts.thread !== 'main' && opts.thread !== 'any') {
    throw argumentError('register', 'thread', "'main' or 'any'", opts.thread);
  }
  if (opts.onError !== undefined && typeof opts.onError !== 'function')
    throw argumentError('register', 'onError', 'a function', opts.onError);
  const result = resolved.proto.result;
  if (opts.thread === 'any' && !(result.pointer === 0 && result.prim?.kind === 'void')) {
    throw foreignCallbackResultError(resolved.name, result.text);
  }
  if (live.size >= callbackCapacity()) {
    throw callbackLimitError(callbackCapacity(), kTrampolines);
  }
  return new RegisteredCallback(resolved, fn as (...args: unknown[]) => unknown, opts, release, checked);
}

/** The stack of the code that registered a callback, without ffikit's own frames. */
function registrationSite(): string {
  const lines = (new Error().stack ?? '').split('\n').slice(1);
  const user = lines.filter((l) => !/[\\/](callbacks|library)[\\/]registered|[\\/]library[\\/]library\./.test(l));
  return (user.length > 0 ? user : lines).map((l) => l.trim()).join('\n    ');
}
