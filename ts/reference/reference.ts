// The bundled reference library as a typed class (the TS counterpart of the seed's Python wrappers).

import { argumentError, type CallbackError, loadError, unsupportedError } from '../core/errors';
import { load, type Library } from '../library/library';
import { resolveReferenceLibrary } from './prebuilds';
import { callbackType } from '../declare/named-types';
import { ManagedArray } from '../memory/managed-array';
import { NDArray } from '../memory/ndarray';
import { EventSource } from './event-source';
import { REFERENCE_ABI_VERSION, referenceSpec, SIMD_LEVELS, type ReferenceFunctions, type SimdLevel } from './spec';

export { referenceCandidates } from './prebuilds';
export { ReferenceErrorCodes, SIMD_LEVELS, REFERENCE_ABI_VERSION, type SimdLevel, type ReferenceFunctions } from './spec';
export { EventSource } from './event-source';

/** Options for {@link reference}. */
export interface ReferenceOptions {
  /** A user-supplied build of the same ABI; relative paths resolve against the current directory. */
  readonly path?: string;
  /** Expected SHA-256 of the file. */
  readonly sha256?: string;
}

/** 1-D float64 data: a typed array, native memory, or a C-contiguous NDArray. */
type Float64Like = Float64Array | ManagedArray<'float64'> | NDArray<'float64'>;
/** 1-D float32 data. */
type Float32Like = Float32Array | ManagedArray<'float32'> | NDArray<'float32'>;

/**
 * A typed wrapper over the reference library (`ffikit_ref.h`). Methods pass array lengths themselves
 * and throw `NativeError` with the library's status names; `fn` exposes every bound function as declared.
 */
export class ReferenceLibrary implements Disposable {
  /** The loaded library. */
  readonly library: Library;
  /** Every function of the C header, bound and checked (explicit lengths, `.async` available). */
  readonly fn: ReferenceFunctions;

  /** @internal use {@link reference} */
  constructor(library: Library) {
    this.library = library;
    let fns: ReferenceFunctions;
    try {
      callbackType('void ProgressCallback(int current, int total)');
      callbackType('void EventCallback(int32_t kind, int64_t value)');
      fns = library.bind(referenceSpec);
    } catch (err) {
      library.close();
      throw loadError(
        'bad-format',
        library.path,
        `Cannot load ${library.path}: it does not provide the ffikit reference ABI (${(err as Error).message}).`,
        ['Pass a build of cpp/ from this package (libffikit_ref).'],
        { cause: err },
      );
    }
    const abi = fns.ffikit_abi_version();
    if (abi !== REFERENCE_ABI_VERSION) {
      library.close();
      throw loadError(
        'bad-format',
        library.path,
        `Cannot load ${library.path}: it implements reference ABI ${abi}, this ffikit needs ${REFERENCE_ABI_VERSION}.`,
        ["Rebuild the library from this package's sources: npx ffikit build."],
      );
    }
    if (fns.ffikit_simd_status() !== 0) {
      const forced = process.env.FFIKIT_FORCE_ISA;
      const supported = SIMD_LEVELS.filter((isa) => fns.ffikit_simd_supported(isa) === 1);
      library.close();
      throw unsupportedError(
        `ffikit.reference(): FFIKIT_FORCE_ISA=${forced ?? ''} names an instruction set this build or CPU does not support; ` +
          `the library refuses to fall back silently. Use one of: ${supported.join(', ')} (or unset FFIKIT_FORCE_ISA).`,
      );
    }
    this.fn = fns;
  }

  /** The absolute path of the loaded library. */
  get path(): string {
    return this.library.path;
  }

  /** `FFIKIT_ABI_VERSION` of the loaded library. */
  get abiVersion(): number {
    return this.fn.ffikit_abi_version();
  }

  /**
   * The active SIMD kernel set: `'scalar'` (the plain reference loops), `'sse2'` (the x86-64 baseline),
   * `'avx2'` or `'avx512'`. Chosen at load: avx2 > sse2 > scalar; avx512 only when forced.
   */
  get simdLevel(): SimdLevel {
    return (this.fn.ffikit_simd_level() ?? 'scalar') as SimdLevel;
  }

  /** Whether this build and CPU support an instruction set. */
  simdSupported(isa: SimdLevel): boolean {
    return this.fn.ffikit_simd_supported(isa) === 1;
  }

  /** Every instruction set this build and CPU support, narrowest first. */
  supportedSimdLevels(): SimdLevel[] {
    return SIMD_LEVELS.filter((isa) => this.simdSupported(isa));
  }

  /**
   * Switches the kernels of this process' copy of the library to `isa` (all threads, at once).
   * @throws {UnsupportedError} when this build or CPU cannot run it — there is no silent fallback.
   */
  forceSimd(isa: SimdLevel): void {
    if (!SIMD_LEVELS.includes(isa)) throw argumentError('forceSimd', 'isa', `one of ${SIMD_LEVELS.join(', ')}`, isa);
    if (!this.simdSupported(isa)) {
      throw unsupportedError(
        `forceSimd(): ${isa} is not supported by this build or CPU; supported: ${this.supportedSimdLevels().join(', ')}.`,
      );
    }
    this.fn.ffikit_simd_force(isa);
  }

  /** Number of live allocations inside the library (leak checks). */
  liveAllocations(): number {
    return Number(this.fn.ffikit_live_allocations());
  }

  /** The library's message for a status code. */
  errorMessage(code: number): string {
    return this.fn.ffikit_error_message(code) ?? '';
  }

  /** The library's name for a status code (`'UNKNOWN'` when unlisted). */
  errorName(code: number): string {
    return this.fn.ffikit_error_name(code) ?? '';
  }

  /** The status codes the library itself lists, in table order. */
  errorCodes(): number[] {
    const count: [number | bigint] = [0];
    this.fn.ffikit_error_codes(null, 0, count);
    const codes = new Int32Array(Number(count[0]));
    this.fn.ffikit_error_codes(codes, codes.length, count);
    return [...codes];
  }

  /**
   * Square roots in place; refuses negative or NaN elements (array unchanged) and empty arrays.
   * @throws {NativeError} ERR_INVALID_ARGUMENT, ERR_INVALID_SIZE (empty), ERR_NULL_POINTER.
   */
  safeOperation(arr: Float64Like): void {
    this.fn.safe_operation(arr);
  }

  /** Doubles every element in place. */
  process1d(data: Float64Like): void {
    this.fn.process_1d(data);
  }

  /**
   * Adds `r * 1000 + c` to element (r, c) of a row-major 2-D array, in place.
   * @param data An NDArray of shape [rows, cols], or a flat Float64Array with `rows` and `cols`.
   * @throws {ArgumentError} when the shape does not match the data.
   */
  process2d(data: NDArray<'float64'> | Float64Array, rows?: number, cols?: number): void {
    this.fn.process_2d(NDArray.isNDArray(data) ? data : asMatrix('process2d', data, rows, cols));
  }

  /**
   * Doubles every element, calling `onProgress(current, total)` after each (synchronously, on this thread).
   * @throws {CallbackError} after the call when `onProgress` threw.
   */
  processWithCallback(data: Float64Like, onProgress: ((current: number, total: number) => void) | null): void {
    this.fn.process_with_callback(data, undefined, onProgress);
  }

  /**
   * Doubles every element off the main thread while native code publishes its progress in a shared
   * counter that JS polls every `intervalMs` — the cheap alternative to a per-item callback for
   * high-frequency progress (one plain store per item instead of a thread hop).
   * @param onProgress Called with (done, total) at each poll and once at the end.
   */
  async processWithProgress(
    data: Float64Like,
    onProgress: (done: number, total: number) => void,
    options: { intervalMs?: number } = {},
  ): Promise<void> {
    const intervalMs = options.intervalMs ?? 50;
    if (!Number.isFinite(intervalMs) || intervalMs <= 0)
      throw argumentError('processWithProgress', 'intervalMs', 'a positive number', intervalMs);
    const total = countOf(data);
    const counter = ManagedArray.create('uint64', 1);
    let last = -1;
    const poll = (): void => {
      const done = Number(counter.read(0));
      if (done !== last) {
        last = done;
        onProgress(done, total);
      }
    };
    const timer = setInterval(poll, intervalMs);
    try {
      await this.fn.process_with_progress.async(data, undefined, counter);
      poll();
    } finally {
      clearInterval(timer);
      counter.dispose();
    }
  }

  /**
   * Starts the library's event source: a native thread calling `onEvent(kind, value)` every
   * `intervalUs` µs (queued to the main thread). Stop it with `await source.stop()`, which follows the
   * shutdown protocol: stop issuing and join on another thread (an `.async` call — joining on the
   * main thread would deadlock with a callback waiting for it), then unregister the callback.
   * @throws {NativeError} ERR_INVALID_ARGUMENT when a source is already running.
   */
  startEvents(
    onEvent: (kind: number, value: number | bigint) => void,
    options: { intervalUs?: number; maxEvents?: number; onError?: (error: CallbackError) => void } = {},
  ): EventSource {
    const intervalUs = options.intervalUs ?? 1000;
    const maxEvents = options.maxEvents ?? 0;
    const cb = this.library.register('EventCallback', onEvent as never, {
      thread: 'any',
      ...(options.onError ? { onError: options.onError } : {}),
    });
    try {
      this.fn.ffikit_events_start(cb, intervalUs, maxEvents);
    } catch (err) {
      cb.dispose({ stopped: true }); // no thread was started with it
      throw err;
    }
    const fn = this.fn;
    return new EventSource({ emitted: () => fn.ffikit_events_emitted(), stop: () => fn.ffikit_events_stop.async() }, cb);
  }

  /** Records a call and the sum of `data` in the library's mutex-guarded singleton. */
  threadSafeProcess(data: Float64Like): void {
    this.fn.thread_safe_process(data);
  }

  /** The singleton's call count and running total. */
  processorStats(): {
    /** Successful `thread_safe_process()` calls since load or the last reset. */
    calls: number;
    /** The sum of all elements those calls were given. */
    total: number;
  } {
    const calls: [number | bigint] = [0];
    const total: [number] = [0];
    this.fn.ffikit_processor_stats(calls, total);
    return { calls: Number(calls[0]), total: total[0] };
  }

  /** Resets the singleton's state. */
  processorReset(): void {
    this.fn.ffikit_processor_reset();
  }

  /**
   * Element-wise `a + b` through the active SIMD kernels.
   * @param out Where to write (default: a new array); may be `a` or `b`.
   * @throws {ArgumentError} when the lengths differ.
   */
  simdAdd(a: Float32Array, b: Float32Array, out: Float32Array = new Float32Array(a.length)): Float32Array {
    if (b.length !== a.length || out.length !== a.length) {
      throw argumentError(
        'simdAdd',
        b.length !== a.length ? 'b' : 'out',
        `a Float32Array of the same length as a (${a.length})`,
        b.length !== a.length ? b : out,
      );
    }
    this.fn.simd_add(a, b, out);
    return out;
  }

  /** Dot product of two equal-length float arrays, accumulated in double. */
  simdDot(a: Float32Like, b: Float32Like): number {
    if (countOf(b) !== countOf(a)) throw argumentError('simdDot', 'b', `an array of the same length as a (${countOf(a)})`, b);
    const out: [number] = [0];
    this.fn.simd_dot(a, b, undefined, out);
    return out[0];
  }

  /** `y = alpha * x + y` in place (fused multiply-add on vector ISAs). */
  simdAxpy(alpha: number, x: Float32Like, y: Float32Like): void {
    if (countOf(y) !== countOf(x)) throw argumentError('simdAxpy', 'y', `an array of the same length as x (${countOf(x)})`, y);
    this.fn.simd_axpy(alpha, x, y);
  }

  /** Sum of a float array, accumulated in double. */
  simdSum(data: Float32Like): number {
    const out: [number] = [0];
    this.fn.simd_sum(data, undefined, out);
    return out[0];
  }

  /** Normalizes to zero mean and unit variance in place; refuses NaN/Infinity (array unchanged). */
  processData(data: Float32Like): void {
    this.fn.process_data(data);
  }

  /**
   * Normalizes each row of a row-major batch, in place.
   * @param data An NDArray of shape [batchSize, itemSize], or a flat Float32Array with `itemSize`.
   */
  batchProcess(data: NDArray<'float32'> | Float32Array, itemSize?: number): void {
    if (NDArray.isNDArray(data)) return this.fn.batch_process(data);
    if (itemSize === undefined || !Number.isSafeInteger(itemSize) || itemSize <= 0 || data.length % itemSize !== 0) {
      throw argumentError('batchProcess', 'itemSize', `a positive integer dividing the array length (${data.length})`, itemSize);
    }
    this.fn.batch_process(new NDArray(data, [data.length / itemSize, itemSize]));
  }

  /** 64 CPU-bound passes over `data` (time ∝ length); every finite element ends at 2. */
  longRunningOperation(data: Float32Like): void {
    this.fn.long_running_operation(data);
  }

  /** Same as {@link ReferenceLibrary.longRunningOperation}, off the main thread. */
  longRunningOperationAsync(data: Float32Like): Promise<void> {
    return this.fn.long_running_operation.async(data);
  }

  /** Closes the library (bound functions throw ERR_FFIKIT_CLOSED afterwards). Idempotent. */
  close(): void {
    this.library.close();
  }

  /** Same as {@link ReferenceLibrary.close}: for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }
}

function countOf(x: Float32Like | Float64Like): number {
  return NDArray.isNDArray(x) ? x.size : x.length;
}

function asMatrix(where: string, data: Float64Array, rows: number | undefined, cols: number | undefined): NDArray<'float64'> {
  if (
    !Number.isSafeInteger(rows) ||
    !Number.isSafeInteger(cols) ||
    (rows as number) < 0 ||
    (cols as number) < 0 ||
    (rows as number) * (cols as number) !== data.length
  ) {
    throw argumentError(
      where,
      'rows, cols',
      `two non-negative integers whose product is the array length (${data.length})`,
      rows === undefined || cols === undefined ? undefined : (rows as number) * (cols as number),
    );
  }
  return new NDArray(data, [rows as number, cols as number]);
}

/**
 * Loads the reference library: `options.path` if given, else `FFIKIT_LIBRARY_PATH`, the prebuild for
 * this platform, or the local build. Checks the ABI version and the SIMD dispatch state.
 * @throws {LibraryLoadError} when no build is found or the file is not the reference ABI.
 * @throws {UnsupportedError} when FFIKIT_FORCE_ISA names an unsupported instruction set.
 * @example
 * using ref = ffikit.reference();
 * const data = new Float64Array([1, 2, 3]);
 * ref.process1d(data); // [2, 4, 6]
 */
export function reference(options: ReferenceOptions = {}): ReferenceLibrary {
  const found = resolveReferenceLibrary(options.path !== undefined ? { path: options.path } : {});
  const sha256 = options.sha256 ?? found.sha256;
  const lib = load(found.path, sha256 !== undefined ? { sha256 } : {});
  return new ReferenceLibrary(lib);
}
