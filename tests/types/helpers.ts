// Type-level assertion helpers for the compile-time tests in this folder (type-checked only, never run).

import type { Bound } from '../../ts/index';

/** True when A and B are identical types (not merely mutually assignable). */
export type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** Compiles only when T is `true`. */
export type Expect<T extends true> = T;

/** The bound function `lib.bind({ f: P })` gives for a prototype P without errcheck. */
export type Fn<P extends string> = Bound<{ f: P }>['f'];

/** `[parameter tuple, return type]` of the function bound from prototype P. */
export type Sig<P extends string> = [Parameters<Fn<P>>, ReturnType<Fn<P>>];

/** The parameter tuple of the function bound from prototype P. */
export type Params<P extends string> = Parameters<Fn<P>>;

/** The return type of the function bound from prototype P. */
export type Result<P extends string> = ReturnType<Fn<P>>;

/** The single parameter type of `void f(<T> x)`. */
export type Param<T extends string> = Parameters<Fn<`void f(${T} x)`>>[0];

/** The return type of `<T> f(void)`. */
export type Returns<T extends string> = ReturnType<Fn<`${T} f(void)`>>;
