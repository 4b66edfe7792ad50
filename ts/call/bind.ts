// Turns one declaration into a checked JS function: a generated wrapper per prototype, plus `.async`.

import { types } from 'node:util';

import {
  arityError,
  bindError,
  closedError,
  disposedError,
  FfikitError,
  refusedArgumentsError,
  transientCallbackError,
} from '../core/errors';
import { claimCallbackError, pendingCallbackError, type RegisteredCallback } from '../callbacks/registered';
import { isCallbackReturnError } from '../callbacks/return-check';
import { compileErrcheck, type CompiledErrcheck } from '../declare/errcheck';
import { nativeSpelling } from '../declare/named-types';
import { dtypeOfCType, primitive, type Primitive } from '../declare/primitives';
import { isHandle, markHandleDisposed, setHandleDisposer } from '../memory/handle';
import { handleTypeOf, outputConversions, resultConversion } from './results';
import { variadicFactory, variadicRaw } from './variadic';
import { parsePrototype, type ParsedPrototype } from '../declare/prototype';
import { kAllocatorHook, type AllocatorHook } from '../memory/array-owner';
import * as native from '../native/koffi';
import { compileContracts, type ArrayContract } from './array-contract';
import { runAsync, type AsyncState } from './async-queue';
import { paramCheck } from './checks/select';
import { buildWrappers, type WrapperPlan, type WrapperRuntime } from './codegen';
import { newScope, type CallScope } from './scope';
import { checkedContracts, checkedParam, type CheckedCalls } from './checked-calls';
import { argumentsTraced, callChannel, type CallContext } from '../core/channels';

/** Library state a bound function consults on every call. */
export interface LibraryState extends AsyncState {
  closed: boolean;
  readonly label: string;
  readonly native: native.NativeLibrary;
  /** Arrays allocated by this library's allocators that are still alive (they keep it loaded). */
  holds: number;
  /** Callbacks registered through this library, disposed after it is unloaded. */
  readonly callbacks: Set<RegisteredCallback>;
  /** Unloads the library once it is closed and nothing (calls, arrays) uses it any more. */
  tryUnload(): void;
  /** Checked mode's settings for this library's calls, or null when its calls are not checked. */
  readonly checked: CheckedCalls | null;
}

/** What `bind()` accepts per function: a prototype string or an object with options. */
export interface FunctionSpec {
  /** The C prototype, e.g. `'int safe_operation(double *arr, size_t len)'`. */
  readonly fn: string;
  /** How the return value signals failure. */
  readonly errcheck?: unknown;
  /** Array contracts per pointer parameter (dtype, ndim, shape, length, ...). */
  readonly arrays?: Readonly<Record<string, ArrayContract>>;
  /**
   * The handle parameter this function frees (`sqlite3_close(sqlite3 *db)` → `'db'`). Afterwards the
   * handle is disposed: any use, and a second free, is a DisposedError; `handle.dispose()` and the GC
   * backstop call this function.
   */
  readonly disposes?: string;
}

/** Options of {@link Library.bind} that apply to every function of the spec. */
export interface BindOptions {
  /**
   * Accept SharedArrayBuffer-backed arrays on every pointer parameter (as `shared: true` in each array
   * contract would). For code that shares memory with other threads on purpose, such as executors.
   */
  readonly shared?: boolean;
}

/** Metadata carried by every bound function. */
export interface BoundInfo {
  /** The C symbol called. */
  readonly symbol: string;
  /** The prototype as declared. */
  readonly prototype: string;
  /** Parameter names in order. */
  readonly params: readonly string[];
}

export type AnyFn = ((...args: unknown[]) => unknown) & { async: (...args: unknown[]) => Promise<unknown>; info: BoundInfo };

const kIdent = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const kVoid = primitive('void') as Primitive;
const kSpecKeys = ['fn', 'errcheck', 'arrays', 'disposes'];

/** Turns an error thrown by the FFI layer while converting arguments into an ffikit error. */
function translateNativeThrow(fn: string, err: unknown): unknown {
  // koffi's errors may come from another realm (vm contexts, jest), so test by shape, not instanceof.
  if (err instanceof FfikitError || !types.isNativeError(err)) return err;
  const e = err as Error;
  if (/non-registered callback/i.test(e.message)) {
    return disposedError(
      `${fn}(): C called a callback that was already disposed (unregistered); dispose callbacks only once C can no longer call them.`,
    );
  }
  if (e.name === 'TypeError' || /unexpected|expected|invalid|cannot/i.test(e.message)) {
    return refusedArgumentsError(fn, e.message.replace(/\.$/, ''));
  }
  return err;
}

function resolveNative(proto: ParsedPrototype, jsName: string): { result: native.NativeTypeSpec; params: native.NativeTypeSpec[] } {
  try {
    return nativeDeclaration(proto);
  } catch (err) {
    if (err instanceof FfikitError && err.code === 'ERR_FFIKIT_DECLARATION') throw bindError(jsName, err.message.replace(/^ffikit: /, ''));
    throw err;
  }
}

function nativeDeclaration(proto: ParsedPrototype): { result: native.NativeTypeSpec; params: native.NativeTypeSpec[] } {
  const r = proto.result;
  // koffi reads every char-like pointer result as a string, losing the address; a writable `char *`
  // result is usually memory the caller must free, so it is returned as an address instead.
  const mutableString =
    r.pointer === 1 &&
    !r.constBase &&
    r.prim !== undefined &&
    (r.prim.isChar === true || r.prim.kind === 'char16' || r.prim.kind === 'char32');
  const result = mutableString ? 'void *' : nativeSpelling(r);
  const params: native.NativeTypeSpec[] = proto.params.map((p) => {
    const t = p.type;
    // A writable `char **` out-parameter receives memory the caller must free (sqlite3_exec's errmsg):
    // it comes back as the address; `const char **` (a pointer into C's own data) as the string.
    const outAddress = t.direction !== 'in' && t.pointer === 2 && !t.constBase && t.prim?.isChar === true;
    const spec = outAddress ? nativeSpelling({ ...t, base: 'void', prim: kVoid, pointer: 2 }) : nativeSpelling(t);
    return t.direction === 'in' ? spec : native.directed(spec, t.direction);
  });
  if (proto.variadic) params.push('...');
  return { result, params };
}

/**
 * Declares one native function and wraps it.
 * @internal used by Library.bind
 */
export function bindFunction(state: LibraryState, jsName: string, spec: string | FunctionSpec, options: BindOptions = {}): AnyFn {
  const { declared, nativeDecl } = declareSpec(state, jsName, spec, options);
  const proto = declared.proto;
  let raw: native.RawFunction;
  try {
    raw = state.native.func(proto.name, nativeDecl.result, nativeDecl.params);
  } catch (err) {
    const missing = !state.native.hasSymbol(proto.name);
    throw bindError(
      jsName,
      missing
        ? `the library ${state.label} does not export '${proto.name}'. Check the spelling, and that the symbol is exported with C linkage (extern "C") and default visibility.`
        : `cannot declare '${proto.text}': ${(err as Error).message}.`,
      { cause: err },
    );
  }
  const fn = wrapDeclared(declared, proto.variadic ? variadicRaw(raw, proto.name) : raw);
  if (proto.variadic) {
    const variadic = variadicFactory(proto, raw, (protoX, rawX) => Object.freeze(wrapDeclared({ ...declared, proto: protoX }, rawX)));
    Object.defineProperty(fn, 'variadic', { value: variadic });
  }
  return Object.freeze(fn);
}

/**
 * Parses one bind() entry (a prototype string or `{ fn, errcheck, arrays, disposes }`) and checks its
 * options, before any native function exists.
 * @internal used by bindFunction and bindPointer
 */
export function declareSpec(
  state: LibraryState,
  jsName: string,
  spec: string | FunctionSpec,
  options: BindOptions = {},
): { declared: Declaration; nativeDecl: { result: native.NativeTypeSpec; params: native.NativeTypeSpec[] } } {
  const where = `bind(): '${jsName}'`;
  let prototype: string;
  let errcheckOption: unknown;
  let arraysOption: unknown;
  let disposesOption: unknown;
  if (typeof spec === 'string') {
    prototype = spec;
  } else if (typeof spec === 'object' && spec !== null && typeof (spec as FunctionSpec).fn === 'string') {
    prototype = spec.fn;
    errcheckOption = spec.errcheck;
    arraysOption = spec.arrays;
    disposesOption = spec.disposes;
    const unknownKeys = Object.keys(spec).filter((k) => !kSpecKeys.includes(k));
    if (unknownKeys.length > 0) {
      throw bindError(
        jsName,
        `unknown option${unknownKeys.length > 1 ? 's' : ''} ${unknownKeys.map((k) => `'${k}'`).join(', ')}; expected ${kSpecKeys.map((k) => `'${k}'`).join(', ')}.`,
      );
    }
  } else {
    throw bindError(jsName, `expected a prototype string or { fn: 'prototype', errcheck }, got ${spec === null ? 'null' : typeof spec}.`);
  }
  const proto = parsePrototype(prototype, where);
  const nativeDecl = resolveNative(proto, jsName);
  // Options are checked before the symbol is looked up, so a bad option is reported as such.
  const declared: Declaration = {
    state,
    jsName,
    proto,
    errcheck: errcheckOption,
    arrays: arraysOption,
    disposes: disposesOption,
    shared: options.shared === true,
  };
  prepareDeclaration(declared);
  return { declared, nativeDecl };
}

/** One declaration, as parsed from a bind() entry. */
export interface Declaration {
  readonly state: LibraryState;
  readonly jsName: string;
  readonly proto: ParsedPrototype;
  readonly errcheck: unknown;
  readonly arrays: unknown;
  readonly disposes: unknown;
  readonly shared: boolean;
}

/** Validates the options that do not need the native function (so they fail before a symbol lookup). */
function prepareDeclaration(d: Declaration): void {
  compileResultCheck(d);
  disposedParam(d.jsName, d.proto, d.disposes);
  compileContracts(d.jsName, d.proto, d.arrays, { shared: d.shared });
}

function compileResultCheck({ jsName, proto, errcheck }: Declaration): CompiledErrcheck {
  return compileErrcheck(
    // A `_Nonnull` result that comes back NULL is a failure, as under 'null-is-failure'.
    errcheck === undefined && proto.result.nonnull && proto.result.pointer > 0 ? 'null-is-failure' : errcheck,
    jsName,
    proto.result,
    proto.text,
    native.lastErrno,
  );
}

/** The checked wrapper (and `.async`) around a native function for one declaration. */
export function wrapDeclared(d: Declaration, raw: native.RawFunction): AnyFn {
  const { state, jsName, proto, shared } = d;
  const options = { shared };
  const errcheck = compileResultCheck(d);
  const disposes = disposedParam(jsName, proto, d.disposes);
  const arraysOption = d.arrays;
  const contracts = compileContracts(jsName, proto, arraysOption, { shared: options.shared === true });
  const checked = state.checked;
  const checks = proto.params.map((p, i) => {
    const fromContract = contracts?.pointerOptions.get(i);
    const check = paramCheck(jsName, p, options.shared === true ? { ...fromContract, shared: true } : fromContract);
    return checked === null ? check : checkedParam(jsName, p, check, checked);
  });
  const plan: WrapperPlan = {
    name: jsName,
    prototype: proto.text,
    checks,
    contracts: checked === null ? contracts : checkedContracts(contracts),
    errcheck,
    result: resultConversion(proto),
    outputs: outputConversions(proto),
  };
  const paramNames = checks.map((c, i) => (contracts?.optional.has(i) ? `${c.name}?` : c.name));
  const runtime: WrapperRuntime = {
    state,
    raw,
    closed: (isAsync) => closedError(`${jsName}${isAsync ? '.async' : ''}()`, state.label),
    arity: (got) => arityError(jsName, paramNames, got),
    translate: (e) => translateNativeThrow(jsName, e),
    // A wrong return value was already reported in full (naming the callback type); a throw is wrapped.
    callbackFailure: (scope: CallScope) =>
      scope.corruption ??
      (isCallbackReturnError(scope.callbackError) ? scope.callbackError : transientCallbackError(jsName, scope.callbackError)),
    registeredThrew: pendingCallbackError,
    claimRegistered: claimCallbackError,
    newScope,
    runAsync: (start) => runAsync(state, `${jsName}.async()`, start),
    tracer: callChannel,
    traceContext: (mode, args) => {
      const context: CallContext = { fn: jsName, symbol: proto.name, library: state.label, mode };
      if (argumentsTraced()) context.arguments = Array.from(args);
      return context;
    },
  };
  const built = buildWrappers(plan, runtime);
  const wrappers = disposes ? disposingWrappers(state, jsName, built, disposes, raw) : built;
  const fn = wrappers.sync as AnyFn;
  const info: BoundInfo = Object.freeze({
    symbol: proto.name,
    prototype: proto.text,
    params: Object.freeze(proto.params.map((p) => p.name)),
  });
  Object.defineProperty(fn, 'name', { value: kIdent.test(jsName) ? jsName : `bound ${jsName}` });
  Object.defineProperty(fn, 'length', { value: contracts?.minArity ?? checks.length });
  fn.async = wrappers.async;
  fn.info = info;
  Object.defineProperty(fn, kAllocatorHook, { value: allocatorHook(state, raw, proto) });
  return fn;
}

/** The parameter `disposes` names: a handle parameter (`T *` of an opaque type). */
function disposedParam(
  jsName: string,
  proto: ParsedPrototype,
  option: unknown,
): { index: number; type: string; alone: boolean } | undefined {
  if (option === undefined) return undefined;
  const index = proto.params.findIndex((p) => p.name === option);
  const p = proto.params[index];
  const type = p ? handleTypeOf(p.type, 1) : undefined;
  if (!p || type === undefined) {
    throw bindError(
      jsName,
      `'disposes' must name a handle parameter (a pointer to an opaque type) of '${proto.text}', got ${typeof option === 'string' ? `'${option}'` : String(option)}.`,
    );
  }
  return { index, type, alone: proto.params.length === 1 };
}

/**
 * Wraps a disposer: a handle it freed (the call returned and passed errcheck) is marked disposed, so
 * any later use or second free is a DisposedError. Registers it as the handle type's disposer.
 */
function disposingWrappers(
  state: LibraryState,
  jsName: string,
  built: { sync: (...args: unknown[]) => unknown; async: (...args: unknown[]) => Promise<unknown> },
  disposes: { index: number; type: string; alone: boolean },
  raw: native.RawFunction,
): { sync: (...args: unknown[]) => unknown; async: (...args: unknown[]) => Promise<unknown> } {
  const { index, type } = disposes;
  const settle = (h: unknown): void => {
    if (isHandle(h)) markHandleDisposed(h);
  };
  const sync = (...args: unknown[]): unknown => {
    const r = built.sync(...args);
    settle(args[index]);
    return r;
  };
  const async = (...args: unknown[]): Promise<unknown> =>
    built.async(...args).then((r) => {
      settle(args[index]);
      return r;
    });
  // handle.dispose() and the GC backstop can call it only when the handle is its one argument.
  if (disposes.alone) {
    setHandleDisposer(type, {
      fn: jsName,
      dispose: (h) => sync(h),
      free: (p) => raw(p),
      closed: () => state.closed,
      retain: () => {
        state.holds++;
      },
      release: () => {
        state.holds--;
        state.tryUnload();
      },
    });
  }
  return { sync, async };
}

/** What ManagedArray needs from a bound function used as its allocator or deallocator. */
function allocatorHook(state: LibraryState, raw: native.RawFunction, proto: ParsedPrototype): AllocatorHook {
  const r = proto.result;
  return Object.freeze({
    symbol: proto.name,
    result: {
      text: r.text,
      pointer: r.pointer,
      dtype: r.prim?.kind === 'void' ? ('void' as const) : r.prim ? dtypeOfCType(r.prim.canonical) : undefined,
    },
    raw,
    retain: () => {
      state.holds++;
    },
    release: () => {
      state.holds--;
      state.tryUnload();
    },
  });
}
