// The closure-built wrappers: the generated wrappers' steps, interpreted, for processes where code
// generation from strings is disallowed (node --disallow-code-generation-from-strings, embedder policies).

import type { NativeError } from '../core/errors';
import type { ContractStep } from './array-contract';
import type { ParamCheck } from './checks/check';
import type { CallScope } from './scope';
import type { AsyncWrapper, Wrapper, WrapperPlan, WrapperRuntime } from './wrapper-plan';

interface StepState {
  readonly counts: number[];
  readonly shapes: (readonly number[])[];
  readonly strides: number[];
}

function runStep(step: ContractStep, args: unknown[], st: StepState, check: ParamCheck, scope: CallScope): void {
  const i = step.index;
  const { counts, shapes } = st;
  switch (step.kind) {
    case 'array':
      if (step.normalize) args[i] = step.normalize(args[i]);
      counts[i] = step.capacity(args[i]);
      if (step.shapeOf) shapes[i] = step.shapeOf(args[i]);
      if (step.strideOf) st.strides[i] = step.strideOf(args[i]);
      if (step.unwrap) args[i] = step.unwrap(args[i]);
      args[i] = check.convert(args[i], scope);
      return;
    case 'lead':
      args[i] = step.check(
        args[i] === undefined ? st.strides[step.of] : args[i],
        shapes[step.of] as readonly number[],
        counts[step.of] as number,
      );
      return;
    case 'min': {
      const min = step.param === null ? step.min : args[step.param];
      if (!((counts[step.of] as number) >= (min as number))) step.check(counts[step.of] as number, min);
      return;
    }
    case 'count': {
      const n = counts[step.of] as number;
      args[i] = args[i] === undefined ? n : step.check(args[i], n);
      return;
    }
    case 'dim': {
      const d = (shapes[step.of] as readonly number[])[step.axis] as number;
      args[i] = args[i] === undefined ? d : args[i] === d ? d : step.check(args[i], d);
      return;
    }
  }
}

/** What the emitted tail does, as a function. */
function applyTail(plan: WrapperPlan, raw: unknown, args: readonly unknown[]): unknown {
  for (const o of plan.outputs) o.convert(args[o.index]);
  const r = plan.result ? plan.result(raw) : raw;
  const errcheck = plan.errcheck;
  switch (errcheck.kind) {
    case 'none':
      return r;
    case 'status':
      if (!errcheck.ok.has(r as number)) throw errcheck.fail(r as number);
      return errcheck.returnsValue ? r : undefined;
    case 'negative':
      if ((r as number) < 0) throw errcheck.fail(r as number);
      return r;
    case 'null':
      if (r === null) throw (errcheck.fail as () => NativeError)();
      return r;
    case 'custom':
      return errcheck.check(r, { fn: plan.name, prototype: plan.prototype, args });
  }
}

/** The sync wrapper and `.async` for one declaration, built from closures. */
export function closureWrappers(plan: WrapperPlan, rt: WrapperRuntime): { sync: Wrapper; async: AsyncWrapper } {
  const n = plan.checks.length;
  const min = plan.contracts?.minArity ?? n;
  const prepare = (args: unknown[], scope: CallScope): void => {
    if (args.length < min || args.length > n) throw rt.arity(args.length);
    args.length = n;
    const st: StepState = { counts: [], shapes: [], strides: [] };
    const steps = plan.contracts?.steps ?? [];
    for (const step of steps) if (step.kind !== 'min') runStep(step, args, st, plan.checks[step.index] as ParamCheck, scope);
    plan.checks.forEach((check, i) => {
      if (!plan.contracts?.handled.has(i)) args[i] = check.convert(args[i], scope);
    });
    for (const step of steps) if (step.kind === 'min') runStep(step, args, st, plan.checks[step.index] as ParamCheck, scope);
  };
  const untracedSync = (args: unknown[]): unknown => {
    if (rt.state.closed) throw rt.closed(false);
    const scope = rt.newScope();
    prepare(args, scope);
    scope.hold();
    let r: unknown;
    try {
      r = rt.raw(...args);
    } catch (e) {
      scope.release();
      throw rt.translate(e);
    }
    scope.release();
    if (scope.failed) throw rt.callbackFailure(scope);
    if (rt.registeredThrew.threw) throw rt.claimRegistered(plan.name);
    return applyTail(plan, r, args);
  };
  const untracedAsync = (args: unknown[]): Promise<unknown> => {
    const scope = rt.newScope();
    try {
      if (rt.state.closed) throw rt.closed(true);
      prepare(args, scope);
    } catch (e) {
      return Promise.reject(e);
    }
    scope.hold();
    return rt
      .runAsync((done) => {
        try {
          rt.raw.async(...args, (err: unknown, r: unknown) => {
            scope.release();
            if (err) return done(rt.translate(err));
            if (scope.failed) return done(rt.callbackFailure(scope));
            try {
              done(undefined, applyTail(plan, r, args));
            } catch (e) {
              done(e);
            }
          });
        } catch (e) {
          scope.release();
          done(rt.translate(e));
        }
      })
      .catch((e: unknown) => {
        scope.release();
        throw e;
      });
  };
  const sync = (...args: unknown[]): unknown =>
    rt.tracer.hasSubscribers ? rt.tracer.traceSync(() => untracedSync(args), rt.traceContext('sync', args)) : untracedSync(args);
  const async = (...args: unknown[]): Promise<unknown> =>
    rt.tracer.hasSubscribers ? rt.tracer.tracePromise(() => untracedAsync(args), rt.traceContext('async', args)) : untracedAsync(args);
  return { sync, async };
}
