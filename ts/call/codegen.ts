// The one generator of bound functions: emitters (names in, code out) for argument checks, contracts and errcheck tails; closures where code generation is disallowed.

import { debug } from '../core/debug';
import type { CompiledErrcheck } from '../declare/errcheck';
import type { ContractStep } from './array-contract';
import type { ParamCheck } from './checks/check';
import { usableArrays } from './checks/buffers';
import { closureWrappers } from './closure-wrappers';
import type { AsyncWrapper, Wrapper, WrapperPlan, WrapperRuntime } from './wrapper-plan';

export type { CallTracer, WrapperPlan, WrapperRuntime } from './wrapper-plan';

// ------------------------------------------------------------------------------------------------
// Names used by generated code. Locals follow one scheme, kept here; constants get names from a
// registry, so no emitter has to know another's names.

const arg = (i: number): string => `a${i}`;
const count = (i: number): string => `n${i}`;
const shape = (i: number): string => `s${i}`;
const stride = (i: number): string => `t${i}`;
const kScope = 'sc';

/** Closure constants of one generated function, named on first use. */
class Constants {
  readonly #names = new Map<unknown, string>();
  readonly values: Record<string, unknown> = {};

  /** A fresh or existing name for `value`. */
  ref(value: unknown, hint: string): string {
    const known = this.#names.get(value);
    if (known !== undefined) return known;
    const name = `${hint}${this.#names.size}`;
    this.#names.set(value, name);
    this.values[name] = value;
    return name;
  }

  /** Constants a check's fast expression names itself (the same name always means the same value). */
  adopt(named: Readonly<Record<string, unknown>>): void {
    for (const [name, value] of Object.entries(named)) {
      if (name in this.values && this.values[name] !== value) throw new Error(`ffikit internal: constant ${name} is ambiguous`);
      this.values[name] = value;
    }
  }
}

// ------------------------------------------------------------------------------------------------
// Emitters.

function emitConvert(check: ParamCheck, i: number, k: Constants): string {
  const scope = check.usesScope ? `${kScope} ??= newScope()` : kScope;
  return `${arg(i)} = ${k.ref(check.convert, 'conv')}(${arg(i)}, ${scope});`;
}

function emitStep(step: ContractStep, checks: readonly ParamCheck[], k: Constants): string[] {
  const a = arg(step.index);
  switch (step.kind) {
    case 'array': {
      const n = count(step.index);
      const lines: string[] = [];
      const convert = emitConvert(checks[step.index] as ParamCheck, step.index, k);
      if (step.normalize) lines.push(`${a} = ${k.ref(step.normalize, 'normalize')}(${a});`);
      if (step.fastCtor !== null) {
        const C = k.ref(step.fastCtor, 'Array');
        lines.push(`let ${n};`);
        const usable = k.ref(usableArrays, 'usable');
        lines.push(`if (${a} instanceof ${C} && ${a}.length !== 0 && ${usable}.has(${a})) ${n} = ${a}.length;`);
        lines.push(`else { ${n} = ${k.ref(step.capacity, 'capacity')}(${a}); ${convert} }`);
        return lines;
      }
      lines.push(`const ${n} = ${k.ref(step.capacity, 'capacity')}(${a});`);
      if (step.shapeOf) lines.push(`const ${shape(step.index)} = ${k.ref(step.shapeOf, 'shapeOf')}(${a});`);
      if (step.strideOf) lines.push(`const ${stride(step.index)} = ${k.ref(step.strideOf, 'strideOf')}(${a});`);
      if (step.unwrap) lines.push(`${a} = ${k.ref(step.unwrap, 'unwrap')}(${a});`);
      lines.push(convert);
      return lines;
    }
    case 'lead': {
      const chk = k.ref(step.check, 'leadCheck');
      return [`${a} = ${chk}(${a} === undefined ? ${stride(step.of)} : ${a}, ${shape(step.of)}, ${count(step.of)});`];
    }
    case 'min': {
      const min = step.param === null ? String(step.min) : arg(step.param);
      return [`if (!(${count(step.of)} >= ${min})) ${k.ref(step.check, 'minCheck')}(${count(step.of)}, ${min});`];
    }
    case 'count': {
      const n = count(step.of);
      return [
        `if (${a} === undefined) ${a} = ${n};`,
        `else if (!(typeof ${a} === 'number' && ${a} >= 0 && ${a} <= ${n} && Math.floor(${a}) === ${a})) ${a} = ${k.ref(step.check, 'countCheck')}(${a}, ${n});`,
      ];
    }
    case 'dim': {
      const d = `${shape(step.of)}[${step.axis}]`;
      return [`if (${a} === undefined) ${a} = ${d};`, `else if (${a} !== ${d}) ${a} = ${k.ref(step.check, 'dimCheck')}(${a}, ${d});`];
    }
  }
}

/** Statements that validate and convert a0..aN-1 in place (contracts first, then each parameter). */
function emitArguments(plan: WrapperPlan, k: Constants): string[] {
  const lines: string[] = [];
  const steps = plan.contracts?.steps ?? [];
  for (const step of steps) if (step.kind !== 'min') lines.push(...emitStep(step, plan.checks, k));
  plan.checks.forEach((check, i) => {
    if (plan.contracts?.handled.has(i)) return;
    k.adopt(check.constants);
    if (!check.fast) lines.push(emitConvert(check, i, k));
    else if (!check.fastValue) lines.push(`if (!${check.fast(arg(i))}) ${emitConvert(check, i, k)}`);
    else lines.push(`if (${check.fast(arg(i))}) ${arg(i)} = ${check.fastValue(arg(i))}; else ${emitConvert(check, i, k)}`);
  });
  // Minimum lengths may name another parameter: checked once every argument is converted.
  for (const step of steps) if (step.kind === 'min') lines.push(...emitStep(step, plan.checks, k));
  return lines;
}

/** Statements that turn the raw result `r` (and out-parameters) into the call's outcome (return or throw). */
function emitTail(plan: WrapperPlan, args: string, k: Constants): string {
  const before = plan.outputs.map((o) => `${k.ref(o.convert, 'output')}(${arg(o.index)}); `).join('');
  const result = plan.result ? `r = ${k.ref(plan.result, 'result')}(r); ` : '';
  return before + result + emitErrcheck(plan.errcheck, args, k);
}

function emitErrcheck(errcheck: CompiledErrcheck, args: string, k: Constants): string {
  const ec = (): string => k.ref(errcheck, 'errcheck');
  switch (errcheck.kind) {
    case 'none':
      return 'return r;';
    case 'status': {
      const failed = errcheck.okZeroOnly ? 'r !== 0' : `!${ec()}.ok.has(r)`;
      return `if (${failed}) throw ${ec()}.fail(r); return${errcheck.returnsValue ? ' r' : ''};`;
    }
    case 'negative':
      return `if (r < 0) throw ${ec()}.fail(r); return r;`;
    case 'null':
      return `if (r === null) throw ${ec()}.fail(); return r;`;
    case 'custom':
      return `return ${ec()}.check(r, { fn: NAME, prototype: PROTO, args: [${args}] });`;
  }
}

function arityTest(plan: WrapperPlan): string {
  const n = plan.checks.length;
  const min = plan.contracts?.minArity ?? n;
  return min === n ? `arguments.length !== ${n}` : `arguments.length < ${min} || arguments.length > ${n}`;
}

/** The source of the sync wrapper and of `.async`, sharing the argument statements and the tail. */
function emitSource(plan: WrapperPlan, k: Constants): { sync: string; async: string } {
  const params = plan.checks.map((_, i) => arg(i)).join(', ');
  const convert = emitArguments(plan, k);
  const tail = emitTail(plan, params, k);
  const sync = [
    // While `ffikit:call` has subscribers, the call runs again inside tracer.traceSync; `viaTrace`
    // tells that inner run apart (it is reset on entry, so nested calls are traced too).
    `let viaTrace = false;`,
    `return function bound(${params}) {`,
    `  if (tracer.hasSubscribers) {`,
    `    if (viaTrace) viaTrace = false;`,
    `    else { const self = this, args = arguments; return tracer.traceSync(() => { viaTrace = true; return bound.apply(self, args); }, traceContext('sync', args)); }`,
    `  }`,
    `  if (state.closed) throw closed(false);`,
    `  if (${arityTest(plan)}) throw arity(arguments.length);`,
    `  let ${kScope} = null;`,
    ...convert.map((l) => `  ${l}`),
    // ManagedArrays are pinned only now, after every argument converted: a callback that disposes
    // one during the call only defers its free until the pins are released below.
    `  if (${kScope} !== null) ${kScope}.hold();`,
    `  let r;`,
    `  try { r = raw(${params}); } catch (e) { if (${kScope} !== null) ${kScope}.release(); throw translate(e); }`,
    `  if (${kScope} !== null) { ${kScope}.release(); if (${kScope}.failed) throw callbackFailure(${kScope}); }`,
    // A registered callback that threw while C ran it: this call is the one that was running.
    `  if (registeredThrew.threw) throw claimRegistered(NAME);`,
    `  ${tail}`,
    `};`,
  ].join('\n');
  const async = [
    `function tail(r, ${params}) { ${tail} }`,
    `let viaTrace = false;`,
    `return function boundAsync(${params}) {`,
    `  if (tracer.hasSubscribers) {`,
    `    if (viaTrace) viaTrace = false;`,
    `    else { const self = this, args = arguments; return tracer.tracePromise(() => { viaTrace = true; return boundAsync.apply(self, args); }, traceContext('async', args)); }`,
    `  }`,
    `  let ${kScope} = null;`,
    `  try {`,
    `    if (state.closed) throw closed(true);`,
    `    if (${arityTest(plan)}) throw arity(arguments.length);`,
    ...convert.map((l) => `    ${l}`),
    `  } catch (e) { return Promise.reject(e); }`,
    `  const scope = ${kScope};`,
    `  if (scope !== null) scope.hold();`,
    // The completion callback references every argument, so each buffer stays reachable (pinned)
    // until the native call has finished; koffi alone would let GC free them mid-call.
    `  const settled = runAsync((done) => {`,
    `    try {`,
    `      raw.async(${params}${params ? ', ' : ''}(err, r) => {`,
    `        if (scope !== null) scope.release();`,
    `        if (err) return done(translate(err));`,
    `        if (scope !== null && scope.failed) return done(callbackFailure(scope));`,
    `        try { done(undefined, tail(r${params ? ', ' : ''}${params})); } catch (e) { done(e); }`,
    `      });`,
    `    } catch (e) { if (scope !== null) scope.release(); done(translate(e)); }`,
    `  });`,
    // Rejected before it started (library closed while queued): release the pins too.
    `  return scope === null ? settled : settled.catch((e) => { scope.release(); throw e; });`,
    `};`,
  ].join('\n');
  return { sync, async };
}

const kRuntimeNames = [
  'state',
  'raw',
  'closed',
  'arity',
  'translate',
  'callbackFailure',
  'registeredThrew',
  'claimRegistered',
  'newScope',
  'runAsync',
  'tracer',
  'traceContext',
] as const;

function sourceLabel(name: string): string {
  return name.replace(/[^A-Za-z0-9_$.-]/g, '_');
}

let codegenAllowed = true;

function compile<T>(source: string, label: string, k: Constants, plan: WrapperPlan, rt: WrapperRuntime): T | undefined {
  if (!codegenAllowed) return undefined;
  const names = [...kRuntimeNames, 'NAME', 'PROTO', ...Object.keys(k.values)];
  const text = `'use strict';\n${source}\n//# sourceURL=ffikit:bind/${label}`;
  let factory: (...deps: unknown[]) => T;
  try {
    factory = new Function(...names, text) as typeof factory;
  } catch (err) {
    // --disallow-code-generation-from-strings (or a CSP-like embedder policy): build closures instead.
    if (err instanceof EvalError || (err as Error)?.name === 'EvalError') {
      codegenAllowed = false;
      debug('code generation from strings is disallowed: bound functions use the closure-built wrappers');
      return undefined;
    }
    throw err;
  }
  debug('generated ffikit:bind/%s\n%s', label, text);
  return factory(...kRuntimeNames.map((n) => rt[n]), plan.name, plan.prototype, ...Object.values(k.values));
}

/**
 * Builds the sync wrapper and `.async` for one declaration: generated code (one source per wrapper,
 * named `ffikit:bind/<name>` and printed under NODE_DEBUG=ffikit), or closures when code generation
 * from strings is disallowed. Both run the same steps with the same errors.
 */
export function buildWrappers(plan: WrapperPlan, rt: WrapperRuntime): { sync: Wrapper; async: AsyncWrapper } {
  const k = new Constants();
  const source = emitSource(plan, k);
  const label = sourceLabel(plan.name);
  const sync = compile<Wrapper>(source.sync, label, k, plan, rt);
  const async = sync && compile<AsyncWrapper>(source.async, `${label}.async`, k, plan, rt);
  if (sync && async) return { sync, async };
  return closureWrappers(plan, rt);
}

/** True once a wrapper had to be built from closures (code generation from strings is disallowed). */
export function usesClosureWrappers(): boolean {
  return !codegenAllowed;
}

/**
 * A native variadic function called with `fixed` arguments, then one argument per extra type, each
 * preceded by its type as koffi's variadic calls need: `(a0, a1, v0) => raw(a0, a1, 'int', v0)`.
 * Generated for its fixed arity (no argument arrays per call); closures when code generation is off.
 */
export function interleavedCall(
  raw: (...args: unknown[]) => unknown,
  fixed: number,
  spellings: readonly string[],
  label: string,
): (...args: unknown[]) => unknown {
  const a = Array.from({ length: fixed }, (_, i) => `a${i}`);
  const v = spellings.map((_, i) => `v${i}`);
  const t = spellings.map((_, i) => `T${i}`);
  const passed = [...a, ...v.flatMap((name, i) => [t[i], name])];
  if (codegenAllowed) {
    try {
      const source = `'use strict';\nreturn function variadic(${[...a, ...v].join(', ')}) { return raw(${passed.join(', ')}); };\n//# sourceURL=ffikit:variadic/${sourceLabel(label)}`;
      return (new Function('raw', ...t, source) as (...deps: unknown[]) => (...args: unknown[]) => unknown)(raw, ...spellings);
    } catch (err) {
      if (!(err instanceof EvalError || (err as Error)?.name === 'EvalError')) throw err;
      codegenAllowed = false;
    }
  }
  return (...args: unknown[]) => {
    const out = args.slice(0, fixed);
    for (let i = 0; i < spellings.length; i++) out.push(spellings[i], args[fixed + i]);
    return raw(...out);
  };
}
