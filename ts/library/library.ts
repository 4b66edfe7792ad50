// The Library handle: load a shared library, bind typed functions, close it safely.

import { bindFunction, type BindOptions, type FunctionSpec, type LibraryState } from '../call/bind';
import { createRegisteredCallback, type RegisteredCallback, type RegisterOptions } from '../callbacks/registered';
import { argumentError, closedError } from '../core/errors';
import type { CallbackType, TypeSpec } from '../declare/named-types';
import { defineVariable, type Variable } from './variable';
import type { CallbackSignature } from '../call/infer';
import type { BindSpec, Bound } from '../call/infer';
import { openCheckedLibrary } from '../native/loader';
import { debug } from '../core/debug';
import { enableCheckedMemory } from '../core/checked';
import { closeChannel, loadChannel } from '../core/channels';
import { kDefaultGuardBytes, kMaxGuardBytes } from '../call/guarded';
import { envCheckedCalls, type CheckedCalls } from '../call/checked-calls';

/** Options for {@link load}. */
export interface LoadOptions {
  /** Expected SHA-256 (hex) of the library file; a mismatch throws reason `'integrity'`. */
  readonly sha256?: string;
  /**
   * Open the library with RTLD_DEEPBIND (Linux with glibc, FreeBSD), so that its calls to its own
   * exported functions stay inside it. `'auto'` (the default) does so only when the process already
   * defines functions the library exports: the official Node.js binaries carry OpenSSL, zlib, zstd,
   * libuv and more, and without it the system's `libcrypto.so.3` would call into Node's OpenSSL and
   * crash. `false` opens it the usual way (RTLD_LOCAL), for a library that relies on the executable
   * interposing a function; `true` always deep-binds. Ignored on macOS and Windows, whose loaders keep
   * a library's calls inside it anyway. Under a sanitizer runtime or musl, which cannot deep-bind, a
   * clash is a `LibraryWarning` (code `FFIKIT_SYMBOL_CLASH`).
   * @defaultValue `'auto'`
   */
  readonly deepBind?: boolean | 'auto';
  /**
   * Checked mode, an FFI sanitizer for development (also on for every library with `FFIKIT_CHECKED=1`):
   * each typed array, Buffer and ArrayBuffer argument reaches C as a copy with guard zones on both
   * sides, verified after the call (a write outside is a {@link MemoryCorruptionError}); handle
   * parameters refuse bare addresses; and ManagedArrays created from now on get red zones. `{ guardBytes }`
   * sizes the zones (default 256, at most 1 MiB): writes that go further are reported but may already
   * have damaged other memory. Costs a copy in and out per buffer argument; see docs/checked-mode-and-observability.md.
   * @defaultValue `false` (`true` under `FFIKIT_CHECKED=1`)
   */
  readonly checked?:
    | boolean
    | {
        /** Guard zone size on each side of a buffer argument's copy, in bytes: a multiple of 16 in [16, 1 MiB]. */
        readonly guardBytes?: number;
      };
}

const kState = Symbol('ffikit.libraryState');

/** A loaded shared library. Create with {@link load}. */
export class Library implements Disposable {
  /** The absolute real path that was loaded. */
  readonly path: string;
  /** @internal */
  readonly [kState]: LibraryState;

  /** @internal use {@link load} */
  constructor(path: string, state: LibraryState) {
    this.path = path;
    this[kState] = state;
  }

  /** True after {@link Library.close}. */
  get closed(): boolean {
    return this[kState].closed;
  }

  /**
   * Declares native functions from C prototypes and returns them checked and typed. Keys are the
   * JS names; the C symbol comes from the prototype. Argument and return types are inferred from
   * the prototype strings at compile time.
   * @param spec Name to prototype string, or to `{ fn: prototype, errcheck, arrays }`.
   * @param options `shared: true` accepts SharedArrayBuffer-backed arrays on every pointer parameter.
   * @returns An object of bound functions; each has `.async(...)` (a Promise, run off the main
   * thread, arguments pinned until it settles) and `.info`.
   * @throws {DeclarationError} for a prototype that does not parse, an unknown type or a missing symbol.
   * @throws {ClosedError} after close().
   * @example
   * const lib = ffikit.load('libm.so.6');
   * const m = lib.bind({ cos: 'double cos(double x)' });
   * m.cos(0);                  // 1
   * await m.cos.async(Math.PI); // -1
   */
  bind<const S extends BindSpec>(spec: S, options: BindOptions = {}): Bound<S> {
    const state = this[kState];
    if (state.closed) throw closedError('bind()', this.path);
    if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
      throw argumentError('bind', 'spec', "an object of name to prototype, e.g. { add: 'int add(int a, int b)' }", spec);
    }
    const out: Record<string, unknown> = {};
    for (const [name, entry] of Object.entries(spec)) {
      out[name] = bindFunction(state, name, entry as string | FunctionSpec, options);
    }
    return Object.freeze(out) as Bound<S>;
  }

  /**
   * Registers a JS function as a long-lived native callback (for C code that stores the pointer).
   * @param type A callback type from {@link callbackType} (or its name).
   * @param fn The function; its exceptions never unwind through C.
   * @param options `thread: 'any'` for callbacks C calls from its own threads (void only);
   * `onError` receives exceptions no JS call can.
   * @returns A handle to pass where the prototype has the callback type; dispose it once C can no
   * longer call it (for foreign threads: stop the source, join off the main thread, then dispose).
   * @throws {ArgumentError} for a bad type, function or option; {@link CallbackLimitError} when too many
   * callbacks are registered; {@link DeclarationError} for a non-void `thread: 'any'` callback.
   * @example
   * const Progress = ffikit.callbackType('void ProgressCallback(int current, int total)');
   * using cb = lib.register(Progress, (cur, total) => bar.update(cur / total));
   */
  register<P extends string>(type: CallbackType<P> | string, fn: CallbackSignature<P>, options: RegisterOptions = {}): RegisteredCallback {
    const state = this[kState];
    if (state.closed) throw closedError('register()', this.path);
    const cb = createRegisteredCallback(type, fn, options, (done) => state.callbacks.delete(done), state.checked !== null);
    state.callbacks.add(cb);
    return cb;
  }

  /**
   * An exported variable (`extern int counter;`, a struct, a pointer): read and write it through its
   * address. Writes are checked like a parameter of that type; a pointer variable takes a bigint
   * address or null (never a JS string or buffer, whose memory the GC would free under C).
   * @param name The exported symbol.
   * @param type Its C type (`'int'`, `'double'`, a struct name or {@link CType}).
   * @returns `{ get(), set(value), pointer }`; `T` types `get()`, `In` (default `T`) types `set()`.
   * @throws {DeclarationError} when the library does not export `name` (with near names it does export),
   * or for an unknown type.
   * @throws {ClosedError} after close() (from get/set too).
   * @example
   * const counter = lib.variable<number>('counter', 'int');
   * counter.set(counter.get() + 1);
   */
  variable<T = unknown, In = T>(name: string, type: TypeSpec): Variable<T, In> {
    const state = this[kState];
    if (state.closed) throw closedError('variable()', this.path);
    return defineVariable<T, In>(state, this.path, name, type);
  }

  /**
   * Closes the library. Bound functions throw `ERR_FFIKIT_CLOSED` from now on; async calls already
   * running finish first, and ManagedArrays allocated through its functions can still be read and
   * disposed: the library is unloaded once none of them is left. Idempotent.
   */
  close(): void {
    const state = this[kState];
    if (state.closed) return;
    state.closed = true;
    if (closeChannel.hasSubscribers) closeChannel.publish({ path: this.path });
    if (state.inflight > 0 || state.holds > 0) {
      debug('close %s: unload deferred (%d async calls, %d arrays still using it)', this.path, state.inflight, state.holds);
    }
    state.tryUnload();
  }

  /** Same as {@link Library.close}, for `using lib = ffikit.load(...)`. */
  [Symbol.dispose](): void {
    this.close();
  }
}

function checkedOption(option: LoadOptions['checked']): CheckedCalls | null {
  if (option === undefined) return envCheckedCalls;
  if (option === false) return null;
  if (option === true) return { guardBytes: kDefaultGuardBytes };
  const expected = `true, false or { guardBytes } with guardBytes a multiple of 16 in [16, ${kMaxGuardBytes}]`;
  if (typeof option !== 'object' || option === null) throw argumentError('load', 'options.checked', expected, option);
  const guardBytes = option.guardBytes ?? kDefaultGuardBytes;
  if (
    typeof guardBytes !== 'number' ||
    !Number.isInteger(guardBytes) ||
    guardBytes < 16 ||
    guardBytes > kMaxGuardBytes ||
    guardBytes % 16 !== 0
  )
    throw argumentError('load', 'options.checked.guardBytes', `a multiple of 16 in [16, ${kMaxGuardBytes}]`, guardBytes);
  return { guardBytes };
}

/**
 * Loads a shared library. A path containing a slash is resolved against the current directory; a bare
 * file name (`'libm.so.6'`) is looked up where the system loader would look. Either way only an
 * absolute real path is handed to dlopen, after its header was checked against this platform.
 * @param path The library file, relative or absolute, or a bare file name.
 * @param options `sha256`: refuse the file unless its digest matches. `deepBind`, `checked`: see {@link LoadOptions}.
 * @returns The library; `lib.path` says which file was loaded.
 * @throws {LibraryLoadError} with `.reason` ('not-found', 'not-a-file', 'bad-format', 'wrong-arch',
 * 'missing-dependency', 'integrity', 'dlopen'), `.path` and a message listing possible solutions.
 * @example
 * using lib = ffikit.load('./build/Release/libfoo.so');
 * const { add } = lib.bind({ add: 'int add(int a, int b)' });
 */
export function load(path: string, options: LoadOptions = {}): Library {
  if (typeof options !== 'object' || options === null)
    throw argumentError('load', 'options', 'an object such as { sha256, deepBind, checked }', options);
  const checked = checkedOption(options.checked);
  const opened = openCheckedLibrary(path, options);
  if (checked !== null) enableCheckedMemory();
  let unloaded = false;
  const state: LibraryState = {
    closed: false,
    inflight: 0,
    holds: 0,
    callbacks: new Set(),
    label: opened.path,
    native: opened.native,
    checked,
    tryUnload() {
      if (unloaded || !state.closed || state.inflight > 0 || state.holds > 0) return;
      unloaded = true;
      try {
        state.native.unload();
      } catch (err) {
        debug('unload of %s failed: %s', opened.path, (err as Error).message);
      }
      // The library's code is gone, so nothing can call its callbacks any more.
      for (const cb of [...state.callbacks]) cb.releaseNative();
    },
  };
  state.onIdle = () => state.tryUnload();
  if (loadChannel.hasSubscribers) loadChannel.publish({ path: opened.path, deepBind: opened.deepBind, checked: checked !== null });
  return new Library(opened.path, state);
}
