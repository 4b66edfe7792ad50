// Turns one declaration into a checked JS function: a generated wrapper per prototype, plus `.async`.

import { closedError, arityError, DeclarationError, type NativeError } from '../core/errors';
import { compileErrcheck, type CompiledErrcheck } from '../declare/errcheck';
import * as native from '../native/koffi';
import { callbackFailure, paramCheck, translateNativeThrow, type CallContext, type ParamCheck } from './params';
import { parsePrototype, type ParsedPrototype } from '../declare/prototype';
import { nativeSpelling } from '../declare/named-types';
import { runAsync, type AsyncState } from '../library/async-queue';
import { kInternals } from './bound-internals';
import { claimCallbackError, pendingCallbackError, type RegisteredCallback } from '../callbacks/registered';
import { compileContracts, type ArrayContract, type CompiledContracts } from './array-contract';
import { holdPendingPins, pendingPins, releaseHeldPins, unpinArray, type ManagedArray } from '../memory/managed-array';

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
}

/** What `bind()` accepts per function: a prototype string or an object with options. */
export interface FunctionSpec {
  /** The C prototype, e.g. `'int safe_operation(double *arr, size_t len)'`. */
  readonly fn: string;
  /** How the return value signals failure. */
  readonly errcheck?: unknown;
  /** Array contracts per pointer parameter (dtype, ndim, shape, length, ...). */
  readonly arrays?: Readonly<Record<string, ArrayContract>>;
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

type AnyFn = ((...args: unknown[]) => unknown) & { async: (...args: unknown[]) => Promise<unknown>; info: BoundInfo };

const kIdent = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function resolveNative(proto: ParsedPrototype): { result: native.NativeTypeSpec; params: native.NativeTypeSpec[] } {
  const r = proto.result;
  // koffi reads every char-like pointer result as a string, losing the address; a writable `char *`
  // result is usually memory the caller must free, so it is returned as an address instead.
  const mutableString =
    r.pointer === 1 &&
    !r.constBase &&
    r.prim !== undefined &&
    (r.prim.isChar === true || r.prim.kind === 'char16' || r.prim.kind === 'char32');
  const result = mutableString ? 'void *' : nativeSpelling(r);
  const params = proto.params.map((p) => {
    const spec = nativeSpelling(p.type);
    return p.type.direction === 'in' ? spec : native.directed(spec, p.type.direction);
  });
  return { result, params };
}

function checkTail(errcheck: CompiledErrcheck, callArgs: string): string {
  switch (errcheck.kind) {
    case 'none':
      return 'return r;';
    case 'status':
      if (errcheck.okZeroOnly)
        return errcheck.returnsValue ? 'if (r !== 0) throw ec.fail(r); return r;' : 'if (r !== 0) throw ec.fail(r); return;';
      return errcheck.returnsValue ? 'if (!ec.ok.has(r)) throw ec.fail(r); return r;' : 'if (!ec.ok.has(r)) throw ec.fail(r); return;';
    case 'negative':
      return 'if (r < 0) throw ec.fail(r); return r;';
    case 'null':
      return 'if (r === null) throw ec.fail(); return r;';
    case 'custom':
      return `return ec.check(r, { fn: NAME, prototype: PROTO, args: [${callArgs}] });`;
  }
}

/**
 * Generates the synchronous wrapper. The body is assembled from fixed templates only; user strings
 * (names, prototypes) reach it as closure constants, never as code.
 */
/** Everything a wrapper generator needs about one declaration. */
interface Declared {
  readonly name: string;
  readonly proto: ParsedPrototype;
  readonly checks: readonly ParamCheck[];
  readonly errcheck: CompiledErrcheck;
  readonly raw: native.RawFunction;
  readonly state: LibraryState;
  readonly contracts: CompiledContracts | undefined;
}

function generateSync({ name, proto, checks, errcheck, raw, state, contracts }: Declared): (...args: unknown[]) => unknown {
  const n = checks.length;
  const argNames = checks.map((_, i) => `a${i}`);
  const usesContext = checks.some((c) => c.usesContext);
  const usesPins = checks.some((c) => c.usesPins === true);
  const constants: Record<string, unknown> = { ...contracts?.constants };
  const lines: string[] = [];
  lines.push('if (state.closed) throw closed();');
  const min = contracts?.minArity ?? n;
  lines.push(
    min === n
      ? `if (arguments.length !== ${n}) throw arity(arguments.length);`
      : `if (arguments.length < ${min} || arguments.length > ${n}) throw arity(arguments.length);`,
  );
  lines.push(usesContext ? 'const ctx = { callbackError: undefined, callbackThrew: false };' : 'const ctx = undefined;');
  lines.push(...(contracts?.lines ?? []));
  checks.forEach((c, i) => {
    Object.assign(constants, c.constants);
    if (contracts?.handled.has(i)) return; // fully validated (and converted) by the contract lines
    const conv = `conv${i}(a${i}, ctx)`;
    if (c.fast) lines.push(`if (!${c.fast.replace(/\bx\b/g, `a${i}`)}) a${i} = ${conv};`);
    else lines.push(`a${i} = ${conv};`);
  });
  lines.push('let r;');
  if (usesPins) {
    // ManagedArrays are pinned only now, after every argument converted: a callback that disposes
    // one during the call only defers its free until the pins are released below.
    lines.push('const held = pending.length !== 0 ? hold() : null;');
    lines.push(`try { r = raw(${argNames.join(', ')}); } catch (e) { if (held !== null) release(held); throw translate(e); }`);
    lines.push('if (held !== null) release(held);');
  } else {
    lines.push(`try { r = raw(${argNames.join(', ')}); } catch (e) { throw translate(e); }`);
  }
  if (usesContext) lines.push('if (ctx.callbackThrew) throw callbackFailure(ctx);');
  // A registered callback that threw while C ran it: this call is the one that was running.
  lines.push('if (cbSlot.threw) throw claimCb(NAME);');
  lines.push(checkTail(errcheck, argNames.join(', ')));

  const constNames = Object.keys(constants);
  const convNames = checks.map((_, i) => `conv${i}`);
  const factoryParams = [
    'state',
    'raw',
    'closed',
    'arity',
    'translate',
    'callbackFailure',
    'ec',
    'NAME',
    'PROTO',
    'pending',
    'hold',
    'release',
    'cbSlot',
    'claimCb',
    ...convNames,
    ...constNames,
  ];
  const source = `'use strict';\nreturn function bound(${argNames.join(', ')}) {\n  ${lines.join('\n  ')}\n};`;
  const factory = new Function(...factoryParams, source) as (...deps: unknown[]) => (...args: unknown[]) => unknown;
  return factory(
    state,
    raw,
    () => closedError(`${name}()`, state.label),
    (got: number) => arityError(name, arityNames(checks, contracts), got),
    (e: unknown) => translateNativeThrow(name, e),
    (ctx: CallContext) => callbackFailure(name, ctx),
    errcheck,
    name,
    proto.text,
    pendingPins,
    holdPendingPins,
    releaseHeldPins,
    pendingCallbackError,
    claimCallbackError,
    ...checks.map((c) => c.convert),
    ...constNames.map((k) => constants[k]),
  );
}

/** Parameter names for arity messages; auto-filled ones are marked optional (`len?`). */
function arityNames(checks: readonly ParamCheck[], contracts: CompiledContracts | undefined): string[] {
  return checks.map((c, i) => (contracts?.optional.has(i) ? `${c.name}?` : c.name));
}

/** The contract statements as a function over an argument array (for `.async`). */
function contractRunner(
  n: number,
  contracts: CompiledContracts | undefined,
  checks: readonly ParamCheck[],
): ((args: unknown[], ctx: CallContext) => void) | undefined {
  if (!contracts || contracts.lines.length === 0) return undefined;
  const names = [...Object.keys(contracts.constants), ...checks.map((_, i) => `conv${i}`)];
  const values = [...Object.values(contracts.constants), ...checks.map((c) => c.convert)];
  const vars = Array.from({ length: n }, (_, i) => `a${i}`);
  const source = `'use strict';\nreturn function contracts(args, ctx) {\n  let ${vars.map((v, i) => `${v} = args[${i}]`).join(', ')};\n  ${contracts.lines.join('\n  ')}\n  ${vars.map((v, i) => `args[${i}] = ${v};`).join(' ')}\n};`;
  return (new Function(...names, source) as (...deps: unknown[]) => (args: unknown[], ctx: CallContext) => void)(...values);
}

function applyErrcheck(errcheck: CompiledErrcheck, r: unknown, name: string, proto: ParsedPrototype, args: unknown[]): unknown {
  switch (errcheck.kind) {
    case 'none':
      return r;
    case 'status': {
      const s = r as number;
      if (!errcheck.ok.has(s)) throw errcheck.fail(s);
      return errcheck.returnsValue ? s : undefined;
    }
    case 'negative':
      if ((r as number) < 0) throw errcheck.fail(r as number);
      return r;
    case 'null':
      if (r === null) throw (errcheck.fail as () => NativeError)();
      return r;
    case 'custom':
      return errcheck.check(r, { fn: name, prototype: proto.text, args });
  }
}

function makeAsync({ name, proto, checks, errcheck, raw, state, contracts }: Declared): (...args: unknown[]) => Promise<unknown> {
  const paramNames = arityNames(checks, contracts);
  const min = contracts?.minArity ?? checks.length;
  const runContracts = contractRunner(checks.length, contracts, checks);
  const unpinAll = (ctx: CallContext): void => {
    for (const a of ctx.pins as ManagedArray[]) unpinArray(a);
    (ctx.pins as ManagedArray[]).length = 0;
  };
  return function boundAsync(...args: unknown[]): Promise<unknown> {
    const ctx: CallContext = { callbackError: undefined, callbackThrew: false, pins: [] };
    try {
      if (state.closed) throw closedError(`${name}.async()`, state.label);
      if (args.length < min || args.length > checks.length) throw arityError(name, paramNames, args.length);
      args.length = checks.length;
      runContracts?.(args, ctx);
      for (let i = 0; i < checks.length; i++) {
        if (!contracts?.handled.has(i)) args[i] = (checks[i] as ParamCheck).convert(args[i], ctx);
      }
    } catch (err) {
      unpinAll(ctx);
      return Promise.reject(err);
    }
    // `args` is referenced by the completion callback, so every buffer stays reachable (pinned)
    // until the native call has finished; koffi alone would let GC free them mid-call. ManagedArrays
    // are pinned explicitly: disposing one meanwhile only defers its free.
    return runAsync(state, `${name}.async()`, (done) => {
      const finish = (err: unknown, value?: unknown): void => {
        unpinAll(ctx);
        done(err, value);
      };
      try {
        raw.async(...args, (err: unknown, r: unknown) => {
          if (err) return finish(translateNativeThrow(name, err));
          if (ctx.callbackThrew) return finish(callbackFailure(name, ctx));
          try {
            finish(undefined, applyErrcheck(errcheck, r, name, proto, args));
          } catch (e) {
            finish(e);
          }
        });
      } catch (err) {
        finish(translateNativeThrow(name, err));
      }
    }).catch((err: unknown) => {
      // Rejected before it started (library closed while queued): release the pins too.
      unpinAll(ctx);
      throw err;
    });
  };
}

/**
 * Declares one native function and wraps it.
 * @internal used by Library.bind
 */
export function bindFunction(state: LibraryState, jsName: string, spec: string | FunctionSpec, options: BindOptions = {}): AnyFn {
  const where = `bind(): '${jsName}'`;
  let prototype: string;
  let errcheckOption: unknown;
  let arraysOption: unknown;
  if (typeof spec === 'string') {
    prototype = spec;
  } else if (typeof spec === 'object' && spec !== null && typeof (spec as FunctionSpec).fn === 'string') {
    prototype = spec.fn;
    errcheckOption = spec.errcheck;
    arraysOption = spec.arrays;
    const unknownKeys = Object.keys(spec).filter((k) => k !== 'fn' && k !== 'errcheck' && k !== 'arrays');
    if (unknownKeys.length > 0) {
      throw new DeclarationError(
        `${where}: unknown option${unknownKeys.length > 1 ? 's' : ''} ${unknownKeys.map((k) => `'${k}'`).join(', ')}; expected 'fn', 'errcheck' and 'arrays'.`,
      );
    }
  } else {
    throw new DeclarationError(
      `${where}: expected a prototype string or { fn: 'prototype', errcheck }, got ${spec === null ? 'null' : typeof spec}.`,
    );
  }
  const proto = parsePrototype(prototype, where);
  let nativeDecl: ReturnType<typeof resolveNative>;
  try {
    nativeDecl = resolveNative(proto);
  } catch (err) {
    if (err instanceof DeclarationError) throw new DeclarationError(`${where}: ${err.message.replace(/^ffikit: /, '')}`);
    throw err;
  }
  const errcheck = compileErrcheck(errcheckOption, jsName, proto.result, proto.text, native.lastErrno);
  let raw: native.RawFunction;
  try {
    raw = state.native.func(proto.name, nativeDecl.result, nativeDecl.params);
  } catch (err) {
    const missing = !state.native.hasSymbol(proto.name);
    throw new DeclarationError(
      missing
        ? `${where}: the library ${state.label} does not export '${proto.name}'. Check the spelling, and that the symbol is exported with C linkage (extern "C") and default visibility.`
        : `${where}: cannot declare '${proto.text}': ${(err as Error).message}.`,
      { cause: err },
    );
  }
  const contracts = compileContracts(jsName, proto, arraysOption, { shared: options.shared === true });
  const checks = proto.params.map((p, i) => {
    const fromContract = contracts?.pointerOptions.get(i);
    return paramCheck(jsName, p, options.shared === true ? { ...fromContract, shared: true } : fromContract);
  });
  const declared: Declared = { name: jsName, proto, checks, errcheck, raw, state, contracts };
  const fn = generateSync(declared) as AnyFn;
  const info: BoundInfo = Object.freeze({
    symbol: proto.name,
    prototype: proto.text,
    params: Object.freeze(proto.params.map((p) => p.name)),
  });
  Object.defineProperty(fn, 'name', { value: kIdent.test(jsName) ? jsName : `bound ${jsName}` });
  Object.defineProperty(fn, 'length', { value: contracts?.minArity ?? checks.length });
  fn.async = makeAsync(declared);
  fn.info = info;
  Object.defineProperty(fn, kInternals, { value: Object.freeze({ state, raw, proto }) });
  return Object.freeze(fn);
}
