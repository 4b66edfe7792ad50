// Example: bind a system library by name (default libm), with typed calls, .async and a clear load error.
// Usage: tsx examples/02-system-library.mts [--lib libm.so.6]
import { parseArgs } from 'node:util';

import * as ffikit from 'ffikit';

const defaults: Partial<Record<NodeJS.Platform, string>> = { linux: 'libm.so.6', darwin: 'libSystem.B.dylib', win32: 'ucrtbase.dll' };
const { values } = parseArgs({ options: { lib: { type: 'string', default: defaults[process.platform] ?? 'libm.so.6' } } });

// A bare file name is looked up where the system loader looks; lib.path says what was found.
using lib = ffikit.load(values.lib as string);
console.log(`loaded ${values.lib} from ${lib.path}`);

// Types are inferred from the prototype strings: cos is (x: number) => number, frexp's exponent
// is an out-parameter written into a one-element array.
const m = lib.bind({
  cos: 'double cos(double x)',
  pow: 'double pow(double base, double exponent)',
  frexp: 'double frexp(double x, _Out_ int *exp)',
  ldexp: 'double ldexp(double x, int exp)',
});
const exp: [number] = [0];
const mantissa = m.frexp(48, exp);
console.log(
  `cos(0) = ${m.cos(0)}, pow(2, 10) = ${m.pow(2, 10)}, frexp(48) = ${mantissa} * 2^${exp[0]}, ldexp(0.75, 6) = ${m.ldexp(0.75, 6)}`,
);

// .async runs the call off the main thread and returns a Promise.
const results = await Promise.all([0, 1, 2, 3].map((k) => m.cos.async((k * Math.PI) / 2)));
console.log(`cos.async(k*pi/2) for k=0..3 -> [${results.map((r) => r.toFixed(3)).join(', ')}]`);

// Bad arguments are refused before the call.
try {
  m.ldexp(1, 2.5);
} catch (err) {
  console.log(`ldexp(1, 2.5) -> ${(err as ffikit.FfikitError).code}: ${(err as Error).message}`);
}

// A bad path fails with one error naming the path, the reason and what to do.
try {
  ffikit.load('./no/such/libfoo.so');
} catch (err) {
  if (!(err instanceof ffikit.LibraryLoadError)) throw err;
  console.log(`load('./no/such/libfoo.so') -> ${err.code} reason=${err.reason}\n${err.message}`);
}
