// Executor options: validated once in the constructor, then turned into what workers and the marshaller need.

import * as os from 'node:os';

import { compileContracts, type ArrayContract } from '../call/array-contract';
import type { BindSpec } from '../call/infer';
import { handleTypeOf } from '../call/results';
import { argumentError, declarationError, describeValue } from '../core/errors';
import { compileErrcheck, ErrorCodeTable, type ErrcheckFunction, type ErrcheckPolicy } from '../declare/errcheck';
import type { DType } from '../declare/dtype';
import { nativeSpelling } from '../declare/named-types';
import { parsePrototype, type ParsedPrototype } from '../declare/prototype';
import { resolveLibraryPath } from '../native/loader';
import { reference } from '../reference/reference';
import { typesFor, type WireType } from './type-shipping';

/** Which library the workers load: a path (resolved like `ffikit.load`) or the bundled reference library. */
export type ExecutorLibrary =
  | string
  | {
      /** Load the bundled reference library, resolved as `ffikit.reference()` resolves it. */
      readonly reference: true;
      /** A build of the reference library's ABI to load instead. */
      readonly path?: string;
    };

/** Options of {@link ThreadPoolExecutor} and {@link ProcessPoolExecutor}. */
export interface ExecutorOptions<S extends BindSpec = BindSpec> {
  /** The shared library each worker loads once: a path, or `{ reference: true, path? }`. */
  readonly library: ExecutorLibrary;
  /**
   * The functions each worker binds, as in `lib.bind()`: prototype strings, or `{ fn, errcheck, arrays,
   * disposes }`. Named types (aliases, enums, structs, opaque handles, callback types) are declared in
   * every worker as they are declared here when the pool is created. An `errorCodes()` table or policy
   * name runs in the worker; an errcheck function runs on the calling thread after the result returns,
   * as `errcheck(result, { fn, prototype, args })`. Handles cross with their type; `disposes` marks the
   * caller's handle disposed once the call succeeded.
   */
  readonly bind: S;
  /** Number of workers. Default `min(2, os.availableParallelism())`. */
  readonly workers?: number;
  /** How many tasks may wait for a worker before `onFull` applies. Default 1024. */
  readonly maxQueue?: number;
  /**
   * `'parallel'` (default) runs one task per worker at once; `'serial'` runs one task at a time across
   * the whole pool, for libraries that are not thread-safe.
   */
  readonly policy?: 'parallel' | 'serial';
  /** When the queue is full: `'wait'` (default) makes `submit()` wait for room; `'reject'` rejects with QueueFullError. */
  readonly onFull?: 'wait' | 'reject';
  /**
   * The OS scheduling priority of the workers: `'normal'` (default) leaves them at the process' nice
   * value; `'low'` is nice 10; or a nice value in [0, 19]. A low-priority worker yields its core to the
   * event loop and libuv's threads (fs, dns, `.async` calls) whenever they are runnable, so a saturated
   * pool does not slow them down; it still gets every core nothing else wants, but other busy processes
   * win over it too. Applies per worker thread on Linux (where the nice value is per thread), and to
   * each worker process of a ProcessPoolExecutor on every platform; thread workers on macOS and Windows
   * keep the process' priority. See docs/executors.md.
   */
  readonly priority?: 'normal' | 'low' | number;
}

/** Per-task options. */
export interface TaskOptions {
  /**
   * Cancels the task: a queued task is removed and never runs; the promise rejects with
   * `signal.reason`. A running call in a thread cannot be interrupted (the promise rejects, the worker
   * stays busy until the call returns); in a process pool the worker process is killed.
   */
  readonly signal?: AbortSignal;
  /** Rejects with TimeoutError after this many milliseconds (same rules as `signal` for running calls). */
  readonly timeoutMs?: number;
}

/** Options of `map`, `imap` and `imapUnordered`; `signal` and `timeoutMs` apply to the whole operation. */
export interface MapOptions extends TaskOptions {
  /**
   * Calls sent to a worker in one message. Default for `map`: about 4 chunks per worker (as Python's
   * Pool.map); for `imap`/`imapUnordered`: 1. Larger chunks amortize the messaging cost of tiny calls.
   */
  readonly chunkSize?: number;
}

/** An errcheck as it crosses to a worker: a policy name, or an errorCodes table flattened to data. */
export type WireErrcheck =
  ErrcheckPolicy | { readonly table: ReadonlyArray<readonly [string, number, string | undefined]>; readonly ok: number[] };

/** One function declaration as it crosses to a worker. */
export interface WireFunction {
  readonly fn: string;
  readonly errcheck?: WireErrcheck;
  readonly arrays?: Readonly<Record<string, ArrayContract>>;
}

/** Everything a worker needs to load and bind. */
export interface WorkerConfig {
  readonly library: { readonly path: string; readonly reference: boolean };
  /** The named types the functions use, in an order that declares each after the types it needs. */
  readonly types: readonly WireType[];
  readonly bind: Readonly<Record<string, WireFunction>>;
  /** The nice value each worker gives itself once loaded (0: left as it is). */
  readonly nice: number;
}

/** What the main-side marshaller knows about one parameter. */
export interface ParamPlan {
  readonly name: string;
  /** A pointer C may write through (not `const T *`): ordinary arrays passed here are copied back. */
  readonly writable: boolean;
  /** `_Out_` / `_Inout_`: one-element JS arrays passed here get C's value written back. */
  readonly out: boolean;
  /** The element dtype of a typed pointer (`double *` → float64), else null (void *, values). */
  readonly dtype: DType | null;
  /** `char *`: uint8 arrays are accepted too. */
  readonly char: boolean;
}

/** One bound function as the marshaller sees it. */
export interface FunctionPlan {
  readonly name: string;
  /** The C symbol. */
  readonly symbol: string;
  /** The prototype as declared (for errcheck functions' context). */
  readonly prototype: string;
  readonly params: readonly ParamPlan[];
  /** A custom errcheck, run on the calling thread with the result the worker returned. */
  readonly check?: ErrcheckFunction;
  /** Index of the handle parameter `disposes` names. */
  readonly disposes?: number;
  /** The result is a pointer to an opaque type: the worker's address comes back as a Handle. */
  readonly handleResult: boolean;
}

/** Validated, normalized executor options. */
export interface NormalizedOptions {
  readonly worker: WorkerConfig;
  readonly plans: ReadonlyMap<string, FunctionPlan>;
  readonly workers: number;
  readonly maxQueue: number;
  readonly serial: boolean;
  readonly rejectWhenFull: boolean;
}

const kOptionKeys = ['library', 'bind', 'workers', 'maxQueue', 'policy', 'onFull', 'priority'];
/** The nice value of `priority: 'low'`: a weight of 110 against 1024 for the event loop's threads (CFS). */
const kLowNice = 10;
const kPolicies = new Set(['nonzero-status', 'negative-errno', 'null-is-failure']);
const kMaxWorkers = 1024;

function wireErrcheck(where: string, errcheck: unknown): WireErrcheck | undefined {
  if (errcheck === undefined) return undefined;
  if (errcheck instanceof ErrorCodeTable) {
    return { table: errcheck.entries().map(([name, value]) => [name, value, errcheck.messageOf(value)] as const), ok: [...errcheck.ok] };
  }
  // A function stays on this thread: the worker returns the raw result and the caller's side runs it.
  if (typeof errcheck === 'function') return undefined;
  if (typeof errcheck === 'string' && kPolicies.has(errcheck)) return errcheck as ErrcheckPolicy;
  throw declarationError(
    `${where}: errcheck expects an errorCodes() table, 'nonzero-status', 'negative-errno', 'null-is-failure' or a function, got ${typeof errcheck === 'string' ? `'${errcheck}'` : describeValue(errcheck)}.`,
  );
}

function planParams(proto: ParsedPrototype): ParamPlan[] {
  return proto.params.map((p) => {
    const t = p.type;
    const typed = t.pointer === 1 && t.prim?.dtype !== undefined && t.prim.kind !== 'void';
    return {
      name: p.name,
      writable: t.pointer > 0 && !t.constBase,
      out: t.direction !== 'in',
      dtype: typed ? (t.prim?.dtype ?? null) : null,
      char: t.prim?.isChar === true,
    };
  });
}

/** The parameter `disposes` names: a handle parameter (`T *` of an opaque type), as in bind(). */
function disposedIndex(where: string, proto: ParsedPrototype, option: unknown): number | undefined {
  if (option === undefined) return undefined;
  const index = proto.params.findIndex((p) => p.name === option);
  const p = proto.params[index];
  if (!p || handleTypeOf(p.type, 1) === undefined) {
    throw declarationError(
      `${where}: 'disposes' must name a handle parameter (a pointer to an opaque type) of '${proto.text}', got ${typeof option === 'string' ? `'${option}'` : describeValue(option)}.`,
    );
  }
  return index;
}

/** Every type the prototype names is declared here (the workers get the same declarations). */
function checkTypesKnown(where: string, proto: ParsedPrototype): void {
  for (const t of [proto.result, ...proto.params.map((p) => p.type)]) {
    try {
      nativeSpelling(t);
    } catch (err) {
      throw declarationError(`${where}: ${(err as Error).message.replace(/^ffikit: /, '')}`, { cause: err });
    }
  }
}

const kEntryKeys = ['fn', 'errcheck', 'arrays', 'disposes'];

/** Validates `bind` on this thread (parse, types, errcheck, contracts) so mistakes throw from the constructor. */
function validateBind(
  ctor: string,
  bind: unknown,
): { wire: Record<string, WireFunction>; plans: Map<string, FunctionPlan>; types: WireType[] } {
  if (typeof bind !== 'object' || bind === null || Array.isArray(bind) || Object.keys(bind).length === 0) {
    throw argumentError(ctor, 'options.bind', "a non-empty object of name to prototype, e.g. { add: 'int add(int a, int b)' }", bind);
  }
  const wire: Record<string, WireFunction> = {};
  const plans = new Map<string, FunctionPlan>();
  const protos: ParsedPrototype[] = [];
  for (const [name, entry] of Object.entries(bind as Record<string, unknown>)) {
    const where = `${ctor}(): bind '${name}'`;
    let fn: unknown;
    let errcheck: unknown;
    let arrays: unknown;
    let disposes: unknown;
    if (typeof entry === 'string') {
      fn = entry;
    } else if (typeof entry === 'object' && entry !== null && typeof (entry as { fn?: unknown }).fn === 'string') {
      ({ fn, errcheck, arrays, disposes } = entry as { fn: string; errcheck?: unknown; arrays?: unknown; disposes?: unknown });
      const unknownKeys = Object.keys(entry).filter((k) => !kEntryKeys.includes(k));
      if (unknownKeys.length > 0) {
        throw declarationError(
          `${where}: unknown option ${unknownKeys.map((k) => `'${k}'`).join(', ')}; expected ${kEntryKeys.map((k) => `'${k}'`).join(', ')}.`,
        );
      }
    } else {
      throw declarationError(
        `${where}: expected a prototype string or { fn: 'prototype', errcheck, arrays, disposes }, got ${describeValue(entry)}.`,
      );
    }
    const proto = parsePrototype(fn as string, where);
    checkTypesKnown(where, proto);
    const wireCheck = wireErrcheck(where, errcheck);
    // Compiled here only to surface declaration errors now; each worker compiles its own copy.
    compileErrcheck(errcheck, name, proto.result, proto.text, () => 0);
    compileContracts(name, proto, arrays);
    const disposed = disposedIndex(where, proto, disposes);
    protos.push(proto);
    wire[name] = {
      fn: proto.text,
      ...(wireCheck !== undefined ? { errcheck: wireCheck } : {}),
      ...(arrays !== undefined ? { arrays: arrays as Record<string, ArrayContract> } : {}),
    };
    plans.set(name, {
      name,
      symbol: proto.name,
      prototype: proto.text,
      params: planParams(proto),
      ...(typeof errcheck === 'function' ? { check: errcheck as ErrcheckFunction } : {}),
      ...(disposed !== undefined ? { disposes: disposed } : {}),
      handleResult: handleTypeOf(proto.result, 1) !== undefined,
    });
  }
  return { wire, plans, types: typesFor(protos) };
}

function resolveLibrary(ctor: string, library: unknown): WorkerConfig['library'] {
  if (typeof library === 'string') return { path: resolveLibraryPath(library), reference: false };
  if (typeof library === 'object' && library !== null && (library as { reference?: unknown }).reference === true) {
    const extra = Object.keys(library).filter((k) => k !== 'reference' && k !== 'path');
    if (extra.length > 0)
      throw argumentError(ctor, 'options.library', '{ reference: true, path?: string }', library, `Unknown key '${extra[0]}'.`);
    const given = (library as { path?: unknown }).path;
    if (given !== undefined) {
      if (typeof given !== 'string') throw argumentError(ctor, 'options.library.path', 'a string path', given);
      return { path: resolveLibraryPath(given), reference: true };
    }
    // Resolved here exactly as ffikit.reference() resolves it (and its ABI checked), so workers load
    // the very same file and a missing build fails in the constructor.
    using found = reference();
    return { path: found.path, reference: true };
  }
  throw argumentError(ctor, 'options.library', "a library path such as './libfoo.so', or { reference: true, path?: string }", library);
}

function integerOption(
  ctor: string,
  key: string,
  value: unknown,
  fallback: number,
  min: number,
  max: number,
  allowInfinity = false,
): number {
  if (value === undefined) return fallback;
  if (allowInfinity && value === Infinity) return Infinity;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw argumentError(ctor, `options.${key}`, `an integer in [${min}, ${max}]${allowInfinity ? ' or Infinity' : ''}`, value);
  }
  return value;
}

function choice<T extends string>(ctor: string, key: string, value: unknown, allowed: readonly T[]): T {
  if (value === undefined) return allowed[0] as T;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw argumentError(ctor, `options.${key}`, allowed.map((a) => `'${a}'`).join(' or '), value);
}

/**
 * Validates executor options once; every problem throws here with the option named.
 * @throws {ArgumentError} for a bad option value or an unknown option.
 * @throws {DeclarationError} for a bad prototype, an unknown type, a bad errcheck or `disposes`.
 * @throws {LibraryLoadError} when the library file cannot be found.
 */
export function normalizeOptions(ctor: string, options: unknown): NormalizedOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw argumentError(ctor, 'options', "an object such as { library: './libfoo.so', bind: { add: 'int add(int a, int b)' } }", options);
  }
  const o = options as Record<string, unknown>;
  const unknownKeys = Object.keys(o).filter((k) => !kOptionKeys.includes(k));
  if (unknownKeys.length > 0) {
    throw argumentError(
      ctor,
      `options.${unknownKeys[0]}`,
      `no such option (valid: ${kOptionKeys.join(', ')})`,
      o[unknownKeys[0] as string],
    );
  }
  const workers = integerOption(ctor, 'workers', o.workers, Math.min(2, os.availableParallelism()), 1, kMaxWorkers);
  const maxQueue = integerOption(ctor, 'maxQueue', o.maxQueue, 1024, 0, Number.MAX_SAFE_INTEGER, true);
  const serial = choice(ctor, 'policy', o.policy, ['parallel', 'serial'] as const) === 'serial';
  const rejectWhenFull = choice(ctor, 'onFull', o.onFull, ['wait', 'reject'] as const) === 'reject';
  const nice = niceOf(ctor, o.priority);
  const { wire, plans, types } = validateBind(ctor, o.bind);
  const library = resolveLibrary(ctor, o.library);
  return { worker: { library, types, bind: wire, nice }, plans, workers, maxQueue, serial, rejectWhenFull };
}

function niceOf(ctor: string, priority: unknown): number {
  if (priority === undefined || priority === 'normal') return 0;
  if (priority === 'low') return kLowNice;
  if (typeof priority === 'number' && Number.isInteger(priority) && priority >= 0 && priority <= 19) return priority;
  throw argumentError(ctor, 'options.priority', "'normal', 'low' or a nice value (an integer in [0, 19])", priority);
}

/** AbortSignals by shape: signals from another realm (vm contexts, jest) fail `instanceof`. */
function isAbortSignal(x: unknown): x is AbortSignal {
  const s = x as AbortSignal;
  return typeof x === 'object' && x !== null && typeof s.aborted === 'boolean' && typeof s.addEventListener === 'function';
}

/** Checks per-task options. */
export function taskOptions(
  where: string,
  options: unknown,
): { signal: AbortSignal | undefined; timeoutMs: number | undefined; chunkSize: number | undefined } {
  if (options === undefined) return { signal: undefined, timeoutMs: undefined, chunkSize: undefined };
  if (typeof options !== 'object' || options === null)
    throw argumentError(where, 'options', 'an object such as { signal, timeoutMs }', options);
  const { signal, timeoutMs, chunkSize } = options as { signal?: unknown; timeoutMs?: unknown; chunkSize?: unknown };
  if (signal !== undefined && !isAbortSignal(signal)) throw argumentError(where, 'options.signal', 'an AbortSignal', signal);
  if (timeoutMs !== undefined && (typeof timeoutMs !== 'number' || !(timeoutMs > 0) || timeoutMs > 2 ** 31 - 1)) {
    throw argumentError(where, 'options.timeoutMs', 'a number of milliseconds in (0, 2147483647]', timeoutMs);
  }
  if (chunkSize !== undefined && (typeof chunkSize !== 'number' || !Number.isInteger(chunkSize) || chunkSize < 1)) {
    throw argumentError(where, 'options.chunkSize', 'a positive integer', chunkSize);
  }
  return {
    signal: signal as AbortSignal | undefined,
    timeoutMs: timeoutMs as number | undefined,
    chunkSize: chunkSize as number | undefined,
  };
}
