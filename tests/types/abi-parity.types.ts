// Compile-time tests of the C ABI parity APIs: bindPointer is typed from its prototype like bind; variables carry their value type.
// Type-checked only (`npx tsc -p tests/types/tsconfig.json`), never run.

import type * as ffikit from '../../ts/index';
import type { Library } from '../../ts/index';
import type { Equal, Expect } from './helpers';

declare const lib: Library;
declare const bindPointer: typeof ffikit.bindPointer;
declare const union: typeof ffikit.union;

const add = bindPointer(1n, 'int add(int a, int b)');
const dot = bindPointer(1n, { fn: 'double dot3(const double *a, const double *b)' });
const counter = lib.variable<number>('counter', 'int');
const value = union('Value', { i: 'int64_t', d: 'double' });

export type AbiParityTests = [
  Expect<Equal<Parameters<typeof add>, [number, number]>>,
  Expect<Equal<ReturnType<typeof add>, number>>,
  Expect<Equal<ReturnType<typeof add.async>, Promise<number>>>,
  Expect<Equal<ReturnType<typeof dot>, number>>,
  Expect<Equal<ReturnType<typeof counter.get>, number>>,
  Expect<Equal<Parameters<typeof counter.set>, [number]>>,
  Expect<Equal<typeof counter.pointer, bigint>>,
  Expect<Equal<typeof value, ffikit.CType>>,
];
