// Compile-time tests of named C types (structs, handles, callbacks) declared through `NamedTypes`.
// Type-checked only (`npx tsc -p tests/types/tsconfig.json`), never run.
//
// Users write `declare module 'ffikit' { interface NamedTypes { ... } }`: the package entry only
// re-exports NamedTypes, and TypeScript merges an augmentation of the re-exporting module into the
// original interface. Here the entry is ts/index (what 'ffikit' resolves to); several augmentations
// of it merge. Do not mix in augmentations of the declaring module (ts/infer): TypeScript then keeps
// only some of them, depending on file order. Augmentations are program-wide, so these names are
// visible to every file in this folder.

import type * as ffikit from '../../ts/index';
import type { Library } from '../../ts/index';
import type { Equal, Expect, Param, Params, Returns, Sig } from './helpers';

interface Point {
  x: number;
  y: number;
}
type Handle = bigint & { readonly __handle: unique symbol };
type OnEvent = (code: number, message: string | null) => void;

declare module '../../ts/index' {
  interface NamedTypes {
    Point: Point;
    OnEvent: OnEvent;
  }
}

declare module '../../ts/index' {
  interface NamedTypes {
    Handle: Handle;
  }
}

type CallbackArg = OnEvent | { readonly pointer: bigint } | bigint | null;

export type NamedTypeTests = [
  // structs by value, by pointer, and as out-params
  Expect<Equal<Param<'Point'>, Point>>,
  Expect<Equal<Param<'struct Point'>, Point>>,
  Expect<Equal<Param<'const struct Point'>, Point>>,
  Expect<Equal<Returns<'Point'>, Point>>,
  Expect<Equal<Returns<'struct Point'>, Point>>,
  Expect<Equal<Param<'Point *'>, Point | bigint | null>>,
  Expect<Equal<Param<'const struct Point *'>, Point | bigint | null>>,
  Expect<Equal<Param<'_Out_ Point *'>, Point>>,
  Expect<Equal<Param<'_Inout_ struct Point *'>, Point>>,
  Expect<Equal<Returns<'Point *'>, bigint | null>>,
  Expect<Equal<Sig<'double norm(Point p)'>, [[Point], number]>>,
  Expect<Equal<Sig<'Point midpoint(Point a, Point b);'>, [[Point, Point], Point]>>,
  // handles (typedefs of pointers) use whatever type was declared for them
  Expect<Equal<Sig<'Handle open_device(const char *path)'>, [[string | null], Handle]>>,
  Expect<Equal<Sig<'int close_device(Handle h)'>, [[Handle], number]>>,
  // callbacks: a function, a registered handle, its address, or NULL — written `Cb cb` or `Cb *cb`
  Expect<Equal<Param<'OnEvent'>, CallbackArg>>,
  Expect<Equal<Param<'OnEvent *'>, CallbackArg>>,
  Expect<
    Equal<
      Params<'int subscribe(Handle h, OnEvent *cb, void *user)'>,
      [Handle, CallbackArg, ArrayBufferView | ArrayBuffer | ffikit.ManagedArray | ffikit.NDArray | bigint | null]
    >
  >,
  // pointers to pointers of named types stay arrays / addresses
  Expect<Equal<Param<'Point **'>, unknown[] | bigint | null>>,
  Expect<Equal<Param<'_Out_ Handle *'>, Handle>>,
  // a name that was never declared stays unknown
  Expect<Equal<Param<'Undeclared'>, unknown>>,
  Expect<Equal<Returns<'Undeclared'>, unknown>>,
];

declare const lib: Library;
declare const handle: Handle;
const dev = lib.bind({
  norm: 'double norm(Point p)',
  subscribe: { fn: 'int subscribe(Handle h, OnEvent *cb, void *user)', errcheck: 'negative-errno' },
  open: { fn: 'Handle open_device(const char *path)', errcheck: (h: unknown) => h as Handle },
});

dev.norm({ x: 3, y: 4 });
dev.subscribe(handle, (code, message) => void [code, message], null);
dev.subscribe(handle, { pointer: 0x1000n }, null);
dev.subscribe(handle, null, new Uint8Array(8));
const _h: Handle = dev.open('/dev/x');

// @ts-expect-error -- a struct wants its members
dev.norm({ x: 3 });
// @ts-expect-error -- a struct by value is not NULL
dev.norm(null);
// @ts-expect-error -- a plain bigint is not a Handle
dev.subscribe(0n, null, null);
// @ts-expect-error -- the callback's parameters are checked
dev.subscribe(handle, (code: string) => void code, null);
