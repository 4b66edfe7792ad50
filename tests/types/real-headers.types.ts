// Compile-time tests of real-header shapes: typedefs (Alias), enumerations, typed handles (Opaque), _Nonnull, variadics.
// Type-checked only (`npx tsc -p tests/types/tsconfig.json`), never run.

import type * as ffikit from '../../ts/index';
import type { Library } from '../../ts/index';
import type { Equal, Expect, Param, Params, Returns, Sig } from './helpers';

type StatusEnum = ffikit.Enumeration<'XStatus', { readonly X_ERROR: 0; readonly X_OK: 1; readonly X_SUSPENDED: 2 }, false>;
type ModeEnum = ffikit.Enumeration<'XMode', { readonly READ: 1; readonly WRITE: 2 }, true>;

declare module '../../ts/index' {
  interface NamedTypes {
    Counter: ffikit.Opaque;
    Timer: ffikit.Opaque;
    blasint: ffikit.Alias<'int'>;
    time_t: ffikit.Alias<'int64_t'>;
    CounterRef: ffikit.Alias<'Counter *'>;
    XStatus: StatusEnum;
    XMode: ModeEnum;
  }
}

declare const lib: Library;
const m = lib.bind({
  next: 'int counter_next(Counter *c)',
  make: 'Counter *counter_new(int start)',
  tick: 'int timer_tick(Timer *t)',
  close: { fn: 'int counter_free(Counter *c)', disposes: 'c' },
  snprintf: 'int snprintf(char *buf, size_t n, const char *fmt, ...)',
  strlen: 'size_t strlen(_Nonnull const char *s)',
  strlen2: 'size_t strlen(const char *_Nonnull s)',
  name: '_Nonnull const char *counter_name(Counter *c)',
});
declare const counter: ffikit.Handle<'Counter'>;
declare const timer: ffikit.Handle<'Timer'>;

m.next(counter);
m.tick(timer);
// @ts-expect-error a Counter handle where a Timer one is expected does not compile
m.tick(counter);
// @ts-expect-error and the other way round
m.next(timer);
// @ts-expect-error _Nonnull parameters do not admit null
m.strlen(null);
// @ts-expect-error nor when written after the star
m.strlen2(null);
m.strlen('ok');
const fmt = m.snprintf.variadic('int', 'double', 'const char *');
fmt(new Uint8Array(8), 8, '%d %f %s', 1, 2.5, 'x');
// @ts-expect-error variadic arguments are typed from the declared list
fmt(new Uint8Array(8), 8, '%d %f %s', 'one', 2.5, 'x');

export type RealHeaderTests = [
  // typedefs stand for what they name
  Expect<Equal<Param<'blasint'>, number>>,
  Expect<Equal<Param<'const time_t *'>, Param<'const int64_t *'>>>,
  Expect<Equal<Param<'time_t'>, number | bigint>>,
  Expect<Equal<Param<'CounterRef'>, ffikit.Handle<'Counter'> | bigint | null>>,
  // enumerations: a member's value or name in; numbers out
  Expect<Equal<Param<'XStatus'>, 0 | 1 | 2 | 'X_ERROR' | 'X_OK' | 'X_SUSPENDED'>>,
  Expect<Equal<Param<'XMode'>, number | 'READ' | 'WRITE'>>,
  Expect<Equal<Returns<'XStatus'>, number>>,
  // opaque types come back as typed handles
  Expect<Equal<Sig<'Counter *counter_new(int start)'>, [[number], ffikit.Handle<'Counter'> | null]>>,
  Expect<Equal<Param<'Counter *'>, ffikit.Handle<'Counter'> | bigint | null>>,
  // _Nonnull drops null from parameters and results
  Expect<Equal<Param<'_Nonnull const char *'>, string>>,
  Expect<Equal<Param<'const char *_Nonnull'>, string>>,
  Expect<Equal<Returns<'_Nonnull Counter *'>, ffikit.Handle<'Counter'>>>,
  Expect<Equal<Returns<'const char *_Nonnull'>, string>>,
  // variadic: the fixed parameters, plus .variadic()
  Expect<Equal<Params<'int printf(const char *fmt, ...)'>, [string | null]>>,
  Expect<
    Equal<
      Parameters<typeof fmt>,
      [
        (
          | Uint8Array
          | Int8Array
          | ffikit.ManagedArray<'int8'>
          | ffikit.ManagedArray<'uint8'>
          | ffikit.NDArray<'int8'>
          | ffikit.NDArray<'uint8'>
          | bigint
          | null
        ),
        number | bigint,
        string | null,
        number,
        number,
        string | null,
      ]
    >
  >,
  Expect<Equal<ReturnType<typeof m.name>, string>>,
];

declare module '../../ts/index' {
  interface NamedTypes {
    XValue: ffikit.Union<{ i: number | bigint; d: number }>;
  }
}

export type UnionTests = [
  // a union argument sets exactly one member; what C hands back holds them all
  Expect<Equal<Param<'XValue'>, { i: number | bigint; d?: undefined } | { d: number; i?: undefined }>>,
  Expect<Equal<Returns<'XValue'>, { i: number | bigint; d: number }>>,
  Expect<Equal<Param<'_Inout_ XValue *'>, { i: number | bigint; d: number }>>,
];
