// Long-lived (registered) callbacks: slot accounting, exceptions that never unwind through C, foreign threads.

import { EventEmitter } from 'node:events';

import '../core/polyfills';
import { argumentError, CallbackError, DeclarationError, describeValue, DisposedError, FfikitError } from '../core/errors';
import * as native from '../native/koffi';
import { namedType, type CType } from '../declare/named-types';

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

/** Thrown when registering more callbacks than the FFI layer has trampolines for. */
export class CallbackLimitError extends FfikitError {
  constructor(message: string) {
    super('ERR_FFIKIT_CALLBACK_LIMIT', message);
  }
}

// koffi has 8192 trampolines in all; transient callbacks (JS functions passed for one call) need
// some during calls, so registrations stop short of the limit with an error of our own.
const kTrampolines = 8192;
const kTransientReserve = 192;
const live = new Set<RegisteredCallback>();

// While a foreign-thread callback is registered, a native thread may call into JS at any moment; if
// the process ended naturally meanwhile, Node would free its environment under that thread (a crash,
// observed). So such a registration keeps the event loop alive, like an open server socket, until
// its trampoline is released (dispose with { stopped: true }, EventSource.stop(), or lib.close()).
let foreignRegistrations = 0;
let keepAlive: ReturnType<typeof setInterval> | undefined;

function holdLoop(): void {
  if (foreignRegistrations++ === 0) keepAlive = setInterval(() => undefined, 2 ** 30);
}

function releaseLoop(): void {
  if (--foreignRegistrations === 0 && keepAlive !== undefined) {
    clearInterval(keepAlive);
    keepAlive = undefined;
  }
}

/** Registered callbacks currently alive (for leak checks). */
export function registeredCallbackCount(): number {
  return live.size;
}

/** How many callbacks may be registered at once. */
export function callbackCapacity(): number {
  return kTrampolines - kTransientReserve;
}

/**
 * An exception a `'main'` callback threw while C was running it. The sync wrapper that made the
 * native call claims it right after the call returns; if none does (C called it from elsewhere),
 * it is reported through the callback's error channel on the next microtask.
 */
export const pendingCallbackError: { threw: boolean; error: unknown; owner: RegisteredCallback | null } = {
  threw: false,
  error: undefined,
  owner: null,
};

/** Takes the pending error for the call `fn` that just returned (called by generated wrappers). */
export function claimCallbackError(fn: string): CallbackError {
  const { error, owner } = pendingCallbackError;
  pendingCallbackError.threw = false;
  pendingCallbackError.error = undefined;
  pendingCallbackError.owner = null;
  return callbackError(`${fn}(): the registered callback ${owner?.type.name ?? ''} threw during the native call`, error);
}

function callbackError(prefix: string, cause: unknown, after = 'the call completed'): CallbackError {
  const what = cause instanceof Error ? `${cause.name}: ${cause.message}` : describeValue(cause);
  return new CallbackError(`${prefix} (${what}); ${after} and the error is attached as .cause.`, cause);
}

function neutralResult(type: CType): unknown {
  const r = type.proto?.result;
  if (!r || (r.pointer === 0 && r.prim?.kind === 'void')) return undefined;
  if (r.pointer > 0) return null;
  if (r.prim?.kind === 'bool') return false;
  if (r.prim?.kind === 'int' && r.prim.size === 8) return 0n;
  return 0;
}

/**
 * A JS function registered as a native callback, for C code that keeps the pointer beyond one call.
 * Pass the handle (or `handle.pointer`) where the prototype has the callback type. Dispose it only
 * once C can no longer call it; for callbacks C calls from its own threads, follow the shutdown
 * protocol: stop the native source, join its threads off the main thread (an `.async` call), then
 * dispose, then close the library.
 *
 * Errors the callback throws never unwind through C; they surface as CallbackError from the JS call
 * that was running, or else as an `'error'` event, the `onError` option, or a process warning.
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

  /** @internal use Library.register() */
  constructor(type: CType, fn: (...args: unknown[]) => unknown, options: RegisterOptions, release: (cb: RegisteredCallback) => void) {
    super();
    this.type = type;
    this.thread = options.thread ?? 'main';
    this.#fn = fn;
    this.#onError = options.onError;
    this.#release = release;
    const fallback = neutralResult(type);
    // The trampoline calls this wrapper, never the user's function directly: after dispose() it
    // turns into a no-op, and an exception becomes a report instead of unwinding through C.
    const invoke = (...args: unknown[]): unknown => {
      const user = this.#fn;
      if (user === null) return fallback;
      try {
        return user(...args);
      } catch (err) {
        this.#failed(err);
        return fallback;
      }
    };
    this.#pointer = native.registerCallback(invoke, type.name);
    this.#native = this.#pointer;
    live.add(this);
    if (this.thread === 'any') holdLoop();
  }

  /**
   * The native function pointer.
   * @throws {DisposedError} after dispose().
   */
  get pointer(): bigint {
    if (this.#pointer === null) throw new DisposedError(`RegisteredCallback(${this.type.name}).pointer: the callback was disposed.`);
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
   *   (calls become no-ops) until the library is closed — or now, with `{ stopped: true }`, once
   *   you know the native side has stopped and joined its threads. Until then the registration
   *   keeps the process alive (a native thread calling into a torn-down process would crash it).
   */
  dispose(options: { stopped?: boolean } = {}): void {
    if (this.#pointer === null) {
      if (options.stopped === true) this.#unregister();
      return;
    }
    this.#pointer = null;
    this.#fn = null;
    if (this.thread === 'main' || options.stopped === true) this.#unregister();
  }

  /** @internal the library was unloaded: nothing can call the trampoline any more */
  releaseNative(): void {
    this.dispose({ stopped: true });
  }

  #unregister(): void {
    const ptr = this.#native;
    if (ptr === null) return;
    this.#native = null;
    live.delete(this);
    this.#release(this);
    native.unregisterCallback(ptr);
    if (this.thread === 'any') releaseLoop();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  #failed(err: unknown): void {
    if (this.thread === 'main' && pendingCallbackError.threw) return; // the running call already has its error
    if (this.thread === 'main') {
      pendingCallbackError.threw = true;
      pendingCallbackError.error = err;
      pendingCallbackError.owner = this;
      // Claimed synchronously by the wrapper of the native call that is running, if any.
      queueMicrotask(() => {
        if (pendingCallbackError.threw && pendingCallbackError.error === err) {
          pendingCallbackError.threw = false;
          pendingCallbackError.error = undefined;
          pendingCallbackError.owner = null;
          this.#report(
            callbackError(`RegisteredCallback(${this.type.name}) threw outside any ffikit call`, err, 'C received a neutral value'),
          );
        }
      });
      return;
    }
    this.#report(
      callbackError(`RegisteredCallback(${this.type.name}) threw on a call from a native thread`, err, 'the native thread went on'),
    );
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
    throw new DeclarationError(
      `register(): ${resolved.name} returns ${result.text}; only void callbacks may be called from other threads (the calling thread would wait on the main thread for a value). Return results through memory instead.`,
    );
  }
  if (live.size >= callbackCapacity()) {
    throw new CallbackLimitError(
      `register(): ${live.size} callbacks are registered, the most ffikit allows at once (${callbackCapacity()} of the FFI layer's ${kTrampolines}). Dispose callbacks you no longer need.`,
    );
  }
  return new RegisteredCallback(resolved, fn as (...args: unknown[]) => unknown, opts, release);
}
