// What the wrapper generator works from: one declaration's plan and the runtime its wrappers call.

import type { CallContext } from '../core/channels';
import type { CompiledErrcheck } from '../declare/errcheck';
import type { CompiledContracts } from './array-contract';
import type { ParamCheck } from './checks/check';
import type { CallScope } from './scope';

/** The part of a diagnostics TracingChannel the wrappers use (`ffikit:call`). */
export interface CallTracer {
  readonly hasSubscribers: boolean;
  traceSync<T>(fn: () => T, context: CallContext): T;
  tracePromise<T>(fn: () => Promise<T>, context: CallContext): Promise<T>;
}

/** What the generated code calls at run time (closure constants, never code). */
export interface WrapperRuntime {
  /** The library's state: `closed` is read on every call. */
  readonly state: { readonly closed: boolean };
  /** The unchecked native function (`raw.async` for the async variant). */
  readonly raw: ((...args: unknown[]) => unknown) & { async: (...args: unknown[]) => void };
  readonly closed: (async: boolean) => Error;
  readonly arity: (got: number) => Error;
  /** Turns what the FFI layer threw into an ffikit error. */
  readonly translate: (err: unknown) => unknown;
  /** The error for a call whose scope failed: checked mode found corruption, or a transient callback threw. */
  readonly callbackFailure: (scope: CallScope) => Error;
  /** A registered callback that threw while this call ran (set by callbacks/, claimed here). */
  readonly registeredThrew: { readonly threw: boolean };
  readonly claimRegistered: (fn: string) => Error;
  readonly newScope: () => CallScope;
  /** Admission control for `.async`: runs `start` once a slot is free. */
  readonly runAsync: (start: (done: (err: unknown, value?: unknown) => void) => void) => Promise<unknown>;
  /** `ffikit:call`: every call is traced through it while it has subscribers. */
  readonly tracer: CallTracer;
  /** The context object of one traced call. */
  readonly traceContext: (mode: 'sync' | 'async', args: ArrayLike<unknown>) => CallContext;
}

/** Everything about one declaration the generator needs. */
export interface WrapperPlan {
  /** The JS name (also in `//# sourceURL=ffikit:bind/<name>`). */
  readonly name: string;
  readonly prototype: string;
  readonly checks: readonly ParamCheck[];
  readonly contracts: CompiledContracts | undefined;
  readonly errcheck: CompiledErrcheck;
  /** Converts the raw result before errcheck (pointers to opaque types become typed handles). */
  readonly result: ((r: unknown) => unknown) | null;
  /** Out-parameters to convert after the call (`_Out_ T **` handles), by argument index. */
  readonly outputs: readonly { readonly index: number; readonly convert: (out: unknown) => void }[];
}

export type Wrapper = (...args: unknown[]) => unknown;
export type AsyncWrapper = (...args: unknown[]) => Promise<unknown>;
