// Compile-time tests of callback types: callbackType() keeps its prototype, register() types the JS function.
import * as ffikit from '../../ts/index';
import type { Equal, Expect } from './helpers';
declare const lib: ffikit.Library;
const Progress = ffikit.callbackType('void ProgressCallback(int current, int total)');
const Cmp = ffikit.callbackType('int Cmp(const void *a, const void *b)');
lib.register(Progress, (cur, total) => {
  const s: number = cur + total;
  void s;
});
lib.register(Cmp, (a, b) => (a === b ? 0 : 1));
// @ts-expect-error -- wrong return type for Cmp
lib.register(Cmp, () => 'x');
export type T = [
  Expect<Equal<ffikit.CallbackSignature<'int Cmp(const void *a, const void *b)'>, (a: bigint | null, b: bigint | null) => number>>,
];
