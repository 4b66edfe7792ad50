// The FfikitError hierarchy and the only factories that build ffikit's errors.

import { types } from 'node:util';

/** Every reason {@link LibraryLoadError} can carry. */
export type LoadFailureReason = 'not-found' | 'not-a-file' | 'bad-format' | 'wrong-arch' | 'missing-dependency' | 'integrity' | 'dlopen';

/**
 * Base class of every error ffikit throws. `code` is a stable string starting with `ERR_FFIKIT_`;
 * match on it (or on the class) rather than on the message, which may gain hints over time.
 */
export class FfikitError extends Error {
  /** Stable machine-readable code, e.g. `'ERR_FFIKIT_ARG'`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  /** The class name (`'NativeError'`, `'ArgumentError'`, ...), as stack traces show it. */
  override get name(): string {
    return this.constructor.name;
  }
}

/** A shared library could not be loaded. `reason` says why; `path` names what was tried. */
export class LibraryLoadError extends FfikitError {
  /** Why the load failed. */
  readonly reason: LoadFailureReason;
  /** The path (or bare name) that was asked for, made absolute where it could be. */
  readonly path: string;

  constructor(reason: LoadFailureReason, path: string, message: string, options?: { cause?: unknown }) {
    super('ERR_FFIKIT_LIBRARY_LOAD', message, options);
    this.reason = reason;
    this.path = path;
  }
}

/** An argument was rejected before the native call: wrong kind, range, element type or count. */
export class ArgumentError extends FfikitError {
  constructor(message: string) {
    super('ERR_FFIKIT_ARG', message);
  }
}

/** A declaration (prototype string, type definition, bind option) is invalid. */
export class DeclarationError extends FfikitError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_FFIKIT_DECLARATION', message, options);
  }
}

/** A checked native function reported failure through its return value. */
export class NativeError extends FfikitError {
  /** The raw status the function returned (or errno for `'null-is-failure'`). */
  readonly status: number;
  /** The status' name from the errorCodes table (or errno name), `'UNKNOWN'` when unlisted. */
  readonly statusName: string;
  /** The JS name of the bound function that failed. */
  readonly fn: string;

  constructor(fn: string, status: number, statusName: string, message: string) {
    super('ERR_FFIKIT_NATIVE', message);
    this.fn = fn;
    this.status = status;
    this.statusName = statusName;
  }
}

/** A resource (array, callback, handle) was used after it was disposed. */
export class DisposedError extends FfikitError {
  constructor(message: string) {
    super('ERR_FFIKIT_DISPOSED', message);
  }
}

/** A library (or executor) was used after `close()`. */
export class ClosedError extends FfikitError {
  constructor(message: string) {
    super('ERR_FFIKIT_CLOSED', message);
  }
}

/** A JS callback called from native code threw; the native call completed first. */
export class CallbackError extends FfikitError {
  constructor(message: string, cause: unknown) {
    super('ERR_FFIKIT_CALLBACK', message, { cause });
  }
}

/** The reference library's SIMD dispatch could not honour a request (e.g. a forced ISA). */
export class UnsupportedError extends FfikitError {
  constructor(message: string) {
    super('ERR_FFIKIT_UNSUPPORTED', message);
  }
}

const kTypedArrayNames = new Set([
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
]);

/**
 * Describes a received value by kind and size, never by dumping it:
 * `Float32Array(4)`, `number 1.5`, `string (12 chars)`, `Array(3)`, `null`.
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'undefined':
      return 'undefined';
    case 'number':
      if (Number.isNaN(value)) return 'NaN';
      return `number ${formatNumber(value)}`;
    case 'bigint':
      return `bigint ${value}n`;
    case 'boolean':
      return `boolean ${value}`;
    case 'string':
      return `string (${value.length} chars)`;
    case 'symbol':
      return 'symbol';
    case 'function':
      return `function${value.name ? ` ${value.name}` : ''}`;
    default:
      break;
  }
  if (ArrayBuffer.isView(value)) {
    const ctor = (value as { constructor?: { name?: string } }).constructor?.name ?? 'ArrayBufferView';
    if (types.isDataView(value)) return `DataView(${value.byteLength} bytes)`;
    const length = (value as unknown as { length: number }).length;
    if (Buffer.isBuffer(value)) return `Buffer(${length})`;
    return kTypedArrayNames.has(ctor) ? `${ctor}(${length})` : `${ctor}(${value.byteLength} bytes)`;
  }
  if (types.isArrayBuffer(value)) return `ArrayBuffer(${value.byteLength} bytes)`;
  if (types.isSharedArrayBuffer(value)) return `SharedArrayBuffer(${value.byteLength} bytes)`;
  if (Array.isArray(value)) return `Array(${value.length})`;
  // ffikit's array classes, recognised by their registered brands (no import: errors.ts is a leaf).
  const branded = value as Record<symbol, unknown> & {
    dtype?: string;
    shape?: number[];
    length?: number;
    disposed?: boolean;
    isCContiguous?: boolean;
  };
  if (branded[Symbol.for('ffikit.NDArray')] === true) {
    return `NDArray(${branded.dtype}, [${branded.shape?.join(', ')}]${branded.isCContiguous ? '' : ', strided'})`;
  }
  if (branded[Symbol.for('ffikit.Handle')] === true) {
    const h = value as { type?: string; disposed?: boolean };
    return `${h.type} handle${h.disposed ? ' (disposed)' : ''}`;
  }
  if (branded[Symbol.for('ffikit.ManagedArray')] === true) {
    return `ManagedArray(${branded.dtype}, ${branded.length})${branded.disposed ? ' (disposed)' : ''}`;
  }
  const ctorName = (value as { constructor?: { name?: string } }).constructor?.name;
  return ctorName && ctorName !== 'Object' ? `${ctorName} object` : 'object';
}

function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const text = String(n);
  return text.length > 24 ? n.toExponential(6) : text;
}

/** `fn(): argument 'name' expects <what>, got <actual>. <hint>` — the one shape of argument errors. */
export function argumentError(fn: string, param: string, expected: string, value: unknown, hint?: string): ArgumentError {
  const where = param ? `${fn}(): argument '${param}'` : `${fn}()`;
  return new ArgumentError(`${where} expects ${expected}, got ${describeValue(value)}.${hint ? ` ${hint}` : ''}`);
}

/** Wrong number of arguments. */
export function arityError(fn: string, params: readonly string[], got: number): ArgumentError {
  const list = params.length === 0 ? 'no arguments' : `${params.length} argument${params.length === 1 ? '' : 's'} (${params.join(', ')})`;
  return new ArgumentError(`${fn}(): expected ${list}, got ${got}.`);
}

/** A bound function called after its library was closed. */
export function closedError(what: string, library?: string): ClosedError {
  return new ClosedError(
    `${what}: the library${library ? ` ${library}` : ''} was closed. Load it again with ffikit.load() to keep calling it.`,
  );
}

// Factories: every ffikit error is built here, each message shape written once. ------------------

/** Something used after it was closed or cancelled (other than a closed library). */
export function closedStateError(message: string): ClosedError {
  return new ClosedError(message);
}

/** An executor argument that cannot cross to a worker thread or process. */
export function unsendableArgumentError(fn: string, reason: string): ArgumentError {
  return new ArgumentError(
    `${fn}(): an argument cannot be sent to a worker (${reason}). Pass numbers, bigints, strings, typed arrays, NDArrays or ManagedArrays.`,
  );
}

/** An invalid declaration (prototype, type, option). */
export function declarationError(message: string, options?: { cause?: unknown }): DeclarationError {
  return new DeclarationError(message, options);
}

/** A problem with one entry of `bind()`: `bind(): 'name': <text>`. */
export function bindError(fn: string, text: string, options?: { cause?: unknown }): DeclarationError {
  return new DeclarationError(`bind(): '${fn}': ${text}`, options);
}

/** A library that could not be loaded: a first sentence (`Cannot load <path>: <what>.`), then the possible solutions. */
export function loadError(
  reason: LoadFailureReason,
  path: string,
  head: string,
  solutions: readonly string[],
  options?: { cause?: unknown },
): LibraryLoadError {
  return new LibraryLoadError(reason, path, `${head}${possibleSolutions(solutions)}`, options);
}

/** The "Possible solutions" block that ends every load error (one line per solution). */
export function possibleSolutions(solutions: readonly string[]): string {
  return solutions.length === 0 ? '' : `\nPossible solutions:\n${solutions.map((s) => `- ${s}`).join('\n')}`;
}

/** A checked native call that failed: `fn() failed: NAME (status): text`. */
export function nativeFailure(fn: string, status: number, statusName: string, text: string): NativeError {
  return new NativeError(fn, status, statusName, `${fn}() failed: ${statusName} (${status}): ${text}`);
}

/** A resource used after it was disposed. */
export function disposedError(message: string): DisposedError {
  return new DisposedError(message);
}

/** A disposed ManagedArray passed as an argument (`param`) or used through one of its methods. */
export function disposedArrayError(where: string, param: string | undefined, dtype: string, length: number): DisposedError {
  return param === undefined
    ? new DisposedError(`ManagedArray(${dtype}, ${length}).${where}: the array was disposed; its memory is gone.`)
    : new DisposedError(`${where}: argument '${param}' is a disposed ManagedArray(${dtype}, ${length}); its memory is gone.`);
}

/** A disposed registered callback passed as an argument. */
export function disposedCallbackError(where: string, param: string, typeName: string): DisposedError {
  return new DisposedError(`${where}: argument '${param}' is a disposed ${typeName} callback.`);
}

/** A JS callback that threw (or returned what C cannot take) while native code ran it. */
export function callbackError(message: string, cause: unknown): CallbackError {
  return new CallbackError(message, cause);
}

/** What a transient callback threw, rethrown once the native call `fn` is over. */
export function transientCallbackError(fn: string, cause: unknown): CallbackError {
  const what = cause instanceof Error ? `${cause.name}: ${cause.message}` : describeValue(cause);
  return new CallbackError(
    `${fn}(): a callback threw during the native call (${what}); the call completed and the error is attached as .cause.`,
    cause,
  );
}

/** An argument refused by the FFI layer itself (after ffikit's own checks passed). */
export function refusedArgumentsError(fn: string, detail: string): ArgumentError {
  return new ArgumentError(`${fn}(): the arguments were refused: ${detail}.`);
}

/** Something this platform, build or CPU cannot do. */
export function unsupportedError(message: string): UnsupportedError {
  return new UnsupportedError(message);
}

/** A `_Nonnull` parameter given null (or undefined). */
export function nullArgumentError(fn: string, param: string): ArgumentError {
  return new ArgumentError(`${fn}(): argument '${param}' must not be null (declared _Nonnull).`);
}

/** An array shorter than its contract's minLength. */
export function tooShortError(fn: string, param: string, min: number, from: string | undefined, got: number): ArgumentError {
  return new ArgumentError(
    `${fn}(): argument '${param}' expects at least ${min} element${min === 1 ? '' : 's'}${from ? ` ('${from}' is ${min})` : ''}, got ${got}. ` +
      'C would write or read past its end; pass a larger array.',
  );
}

// ---- Callbacks (registered callbacks, callback return values, foreign-thread callbacks at exit) ----

/** Thrown when registering more callbacks than the FFI layer has trampolines for. */
export class CallbackLimitError extends FfikitError {
  constructor(message: string) {
    super('ERR_FFIKIT_CALLBACK_LIMIT', message);
  }
}

/** `lib.register()` past ffikit's share of the FFI layer's trampolines. */
export function callbackLimitError(capacity: number, trampolines: number): CallbackLimitError {
  return new CallbackLimitError(
    `register(): expected at most ${capacity} callbacks registered at once (ffikit's share of the FFI layer's ${trampolines} trampolines), got a request for one more. Dispose callbacks you no longer need.`,
  );
}

/** A `thread: 'any'` registration of a callback type that returns a value. */
export function foreignCallbackResultError(typeName: string, resultText: string): DeclarationError {
  return new DeclarationError(
    `register(): expected a void callback type for thread: 'any', got ${typeName} returning ${resultText}. Return results through memory instead: only void callbacks may be called from other threads (the calling thread would wait on the main thread for a value).`,
  );
}

/** A disposed registered callback's pointer was asked for, or the handle was passed again. */
export function callbackDisposedError(where: string, typeName: string): DisposedError {
  return new DisposedError(`${where}: expected a live ${typeName} callback, got a disposed one. Register the function again.`);
}

/**
 * A callback threw; the native call (or thread) went on with a neutral value. `what` says where it
 * ran, `after` what C did meanwhile; the thrown value is `.cause`.
 */
export function callbackThrewError(what: string, cause: unknown, after: string): CallbackError {
  const thrown = cause instanceof Error ? `${cause.name}: ${cause.message}` : describeValue(cause);
  return new CallbackError(`${what} (${thrown}); ${after} and the error is attached as .cause.`, cause);
}

/**
 * A callback returned a value its C return type cannot take; C received `received` instead.
 * `subject` names the callback (`the registered CompareFn callback`), `expected` the type wanted.
 */
export function callbackReturnError(
  where: string,
  subject: string,
  expected: string,
  value: unknown,
  hint: string,
  received: string,
): CallbackError {
  return new CallbackError(
    `${where}: expected ${subject} to return ${expected}, got ${describeValue(value)}. ${hint} C received ${received} instead.`,
    undefined,
  );
}

/**
 * The warning issued at exit for foreign-thread callbacks that were disposed but not released: a
 * native thread may still call them. Built here (not by process.emitWarning, which defers to a tick
 * that never comes during 'exit') so it can be emitted synchronously.
 */
export function callbackAtExitWarning(typeName: string, count: number): Error & { code: string } {
  const one = count === 1;
  const warning = new Error(
    `${typeName}: ${one ? 'a foreign-thread callback was' : `${count} foreign-thread callbacks were`} disposed but not released at exit, so a native thread may still call ${one ? 'it' : 'them'}; ffikit ended the process without tearing down Node's environment under that thread. Once the native side has stopped and joined its threads, call dispose({ stopped: true }) or lib.close().`,
  ) as Error & { code: string };
  warning.name = 'CallbackWarning';
  warning.code = 'FFIKIT_CALLBACK_AT_EXIT';
  return warning;
}

// ---- Struct arrays and length-bound callback strings ----------------------------------------------

/** A disposed StructArray used through a method (`param` undefined) or passed as argument `param` of `where`. */
export function structArrayDisposedError(where: string, param: string | undefined, what?: string): DisposedError {
  return param === undefined
    ? new DisposedError(`${where}: the struct array was disposed; its memory is gone.`)
    : new DisposedError(`${where}: argument '${param}' is a disposed ${what ?? 'StructArray'}; its memory is gone.`);
}

// ---- C ABI parity: exported variables, function pointers ----

/** A problem declaring an exported variable (`lib.variable(name, type)`): a missing symbol, a bad type. */
export function variableError(name: string, text: string): DeclarationError {
  return new DeclarationError(`variable(): '${name}': ${text}`);
}

// Arenas (ts/memory/arena.ts) ----------------------------------------------------------------------

/** An arena used after `dispose()`. */
export function disposedArenaError(op: string): DisposedError {
  return new DisposedError(
    `Arena.${op}: expected a live arena, got a disposed one; its memory is gone. Create another with ffikit.arena().`,
  );
}
