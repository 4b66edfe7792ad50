// Compile-time tests of the C ABI parity APIs: bindPointer is typed from its prototype like bind; variables carry their value type.
// Type-checked only (`npx tsc -p tests/types/tsconfig.json`), never run.

import type * as ffikit from '../../ts/index';
import type { Library } from '../../ts/index';
import type { Equal, Expect } from './helpers';

declare const lib: Library;
declare const bindPointer: typeof ffikit.bindPointer;
declare const union: typeof ffikit.union;

const _add = bindPointer(1n, 'int add(int a, int b)');
const _dot = bindPointer(1n, { fn: 'double dot3(const double *a, const double *b)' });
const _counter = lib.variable<number>('counter', 'int');
const _value = union('Value', { i: 'int64_t', d: 'double' });

export type AbiParityTests = [
  Expect<Equal<Parameters<typeof _add>, [number, number]>>,
  Expect<Equal<ReturnType<typeof _add>, number>>,
  Expect<Equal<ReturnType<typeof _add.async>, Promise<number>>>,
  Expect<Equal<ReturnType<typeof _dot>, number>>,
  Expect<Equal<ReturnType<typeof _counter.get>, number>>,
  Expect<Equal<Parameters<typeof _counter.set>, [number]>>,
  Expect<Equal<typeof _counter.pointer, bigint>>,
  Expect<Equal<typeof _value, ffikit.CType>>,
];
