// The bad-input set for memory, arrays, callbacks and types: each case in its own child process.
import { childPool } from './helpers/child-pool';
import { expectBadCase, type BadCase } from './helpers/error-probe';

const ARG = ['ArgumentError', 'ERR_FFIKIT_ARG'] as const;
const DECL = ['DeclarationError', 'ERR_FFIKIT_DECLARATION'] as const;
const DISPOSED = ['DisposedError', 'ERR_FFIKIT_DISPOSED'] as const;
const CLOSED = ['ClosedError', 'ERR_FFIKIT_CLOSED'] as const;
const CALLBACK = ['CallbackError', 'ERR_FFIKIT_CALLBACK'] as const;
const UNSUPPORTED = ['UnsupportedError', 'ERR_FFIKIT_UNSUPPORTED'] as const;

// The reference library bound with contracts (ref.fn) plus the raw allocator pair.
const REF = `
const ref = ffikit.reference();
const m = ref.fn;
const IntOp = ffikit.callbackType('int IntOp(int x)');
const edge = ffikit.load(fx.edge);
const e = edge.bind({ apply_twice: 'int apply_twice(IntOp *op, int x)' });
`;

const cases: BadCase[] = [
  // ManagedArray
  {
    name: 'ManagedArray: unknown dtype',
    body: "ffikit.ManagedArray.create('float16', 4);",
    error: ARG,
    words: ['dtype', 'float64', 'string (7 chars)'],
  },
  {
    name: 'ManagedArray: negative length',
    body: "ffikit.ManagedArray.create('float64', -1);",
    error: ARG,
    words: ['length', 'got number -1'],
  },
  { name: 'ManagedArray: NaN length', body: "ffikit.ManagedArray.create('float64', NaN);", error: ARG, words: ['length', 'got NaN'] },
  {
    name: 'ManagedArray: read after dispose',
    body: "const a = ffikit.ManagedArray.create('float64', 2); a.dispose(); a.dispose(); a.read(0);",
    error: DISPOSED,
    words: ['disposed'],
  },
  {
    name: 'ManagedArray: disposed array passed to a call',
    body: "const a = ffikit.ManagedArray.create('float64', 2); a.dispose(); m.process_1d(a);",
    error: DISPOSED,
    words: ["argument 'data'", 'disposed'],
  },
  {
    name: 'ManagedArray: disposed array passed to .async (rejects)',
    body: "const a = ffikit.ManagedArray.create('float32', 2); a.dispose(); return m.long_running_operation.async(a);",
    async: true,
    error: DISPOSED,
    words: ['disposed'],
  },
  {
    name: 'ManagedArray: index out of range',
    body: "ffikit.ManagedArray.create('int32', 2).read(2);",
    error: ARG,
    words: ['index', '[0, 1]', 'got number 2'],
  },
  {
    name: 'ManagedArray: 1.5 into int32',
    body: "ffikit.ManagedArray.create('int32', 2).write(0, 1.5);",
    error: ARG,
    words: ['int32', 'got number 1.5'],
  },
  {
    name: 'ManagedArray: number into int64',
    body: "ffikit.ManagedArray.create('int64', 1).write(0, 1);",
    error: ARG,
    words: ['bigint', 'got number 1'],
  },
  {
    name: 'ManagedArray: wrong dtype for a double * parameter',
    body: "m.process_1d(ffikit.ManagedArray.create('float32', 4));",
    error: ARG,
    words: ["argument 'data'", 'float64', 'ManagedArray(float32, 4)'],
  },
  {
    name: 'ManagedArray: alloc without free',
    body: "ffikit.ManagedArray.create('float64', 4, { alloc: m.create_array });",
    error: ARG,
    words: ["argument 'free'", 'got undefined'],
  },
  // NDArray and contracts
  {
    name: 'NDArray: ragged rows',
    body: "ffikit.NDArray.from([[1, 2], [3]], 'float64');",
    error: ARG,
    words: ['rows must have equal lengths', 'Array(1)'],
  },
  {
    name: 'NDArray: shape larger than data',
    body: 'new ffikit.NDArray(new Float64Array(3), [2, 2]);',
    error: ARG,
    words: ['shape', 'Float64Array(3)'],
  },
  {
    name: 'contract: transposed (strided) view for a C-order 2-D parameter',
    body: "m.process_2d(ffikit.NDArray.from([[1, 2, 3], [4, 5, 6]], 'float64').transpose());",
    error: ARG,
    words: ["argument 'data'", 'C-contiguous', 'strided'],
  },
  {
    name: 'contract: length larger than the array',
    body: 'm.process_1d(new Float64Array(4), 5);',
    error: ARG,
    words: ["argument 'len'", "'data' has 4 elements", 'got number 5'],
  },
  {
    name: 'contract: shape parameter contradicting the array',
    body: "m.process_2d(ffikit.NDArray.zeros([2, 3], 'float64'), 3, 2);",
    error: ARG,
    words: ["argument 'rows'", 'exactly 2', 'got number 3'],
  },
  {
    name: 'contract: flat array where 2-D is declared',
    body: 'm.process_2d(new Float64Array(6));',
    error: ARG,
    words: ['2 dimensions', 'Float64Array(6)'],
  },
  {
    name: 'contract: SharedArrayBuffer without shared: true',
    body: 'm.process_1d(new Float64Array(new SharedArrayBuffer(32)));',
    error: ARG,
    words: ['SharedArrayBuffer', 'shared: true'],
  },
  {
    name: 'contract: dtype contradicting the C type (declaration)',
    body: "ffikit.load(ref.path).bind({ f: { fn: 'int process_1d(double *data, size_t len)', arrays: { data: { dtype: 'float32' } } } });",
    error: DECL,
    words: ["'arrays.data.dtype' is float32", 'double *'],
  },
  {
    name: 'contract: unknown parameter (declaration)',
    body: "ffikit.load(ref.path).bind({ f: { fn: 'int process_1d(double *data, size_t len)', arrays: { nope: {} } } });",
    error: DECL,
    words: ["'nope'", 'not a parameter'],
  },
  // Callbacks
  {
    name: 'callback: exception inside a transient callback (sync)',
    body: "e.apply_twice(() => { throw new Error('inside'); }, 1);",
    error: CALLBACK,
    words: ['apply_twice()', 'inside'],
  },
  {
    name: 'callback: exception inside a transient callback (.async rejects)',
    body: "return e.apply_twice.async(() => { throw new Error('inside'); }, 1);",
    async: true,
    error: CALLBACK,
    words: ['inside'],
  },
  {
    name: 'callback: unregistered handle passed to C',
    body: 'const cb = edge.register(IntOp, (x) => x); cb.dispose(); cb.dispose(); e.apply_twice(cb, 1);',
    error: DISPOSED,
    words: ["argument 'op'", 'disposed'],
  },
  {
    name: 'callback: stale pointer called by C after dispose',
    body: 'const cb = edge.register(IntOp, (x) => x); const p = cb.pointer; cb.dispose(); e.apply_twice(p, 1);',
    error: DISPOSED,
    words: ['already disposed'],
  },
  {
    name: 'callback: non-void callback declared for foreign threads',
    body: "edge.register(IntOp, (x) => x, { thread: 'any' });",
    error: DECL,
    words: ['only void callbacks'],
  },
  {
    name: 'callback: register on a closed library',
    body: 'edge.close(); edge.register(IntOp, (x) => x);',
    error: CLOSED,
    words: ['register()'],
  },
  // The one deliberate native crash, contained by a process pool.
  {
    name: 'process pool: a native segfault rejects with NativeCrashError, the caller survives',
    setup: `const pool = new ffikit.ProcessPoolExecutor({ library: fx.crash, bind: { crash_now: 'void crash_now(void)' }, workers: 1 });`,
    body: 'return pool.call("crash_now", []).finally(() => pool.close());',
    async: true,
    error: ['NativeCrashError', 'ERR_FFIKIT_NATIVE_CRASH'],
    words: ['crash_now', 'SIGSEGV'],
  },
  // Types, decode, reference
  { name: 'decode: NULL pointer', body: "ffikit.decode(0n, 'double');", error: ARG, words: ['non-null pointer', 'got bigint 0n'] },
  { name: 'decode: unknown type', body: "ffikit.decode(1n, 'NoSuchType');", error: DECL, words: ["unknown type 'NoSuchType'"] },
  {
    name: 'struct: duplicate name, other layout',
    body: "ffikit.struct('P', { x: 'int' }); ffikit.struct('P', { x: 'double' });",
    error: DECL,
    words: ["'P' is already declared"],
  },
  { name: 'reference: forceSimd with an unknown ISA', body: "ref.forceSimd('sse9');", error: ARG, words: ['scalar, sse2, avx2, avx512'] },
  {
    name: 'reference: FFIKIT_FORCE_ISA names an unknown ISA',
    setup: "process.env.FFIKIT_FORCE_ISA = 'sse9';",
    body: 'ffikit.reference();',
    error: UNSUPPORTED,
    words: ['FFIKIT_FORCE_ISA=sse9', 'refuses to fall back'],
  },
];

const run = childPool(2);

describe('bad input (memory, arrays, callbacks, types): each case in its own process', () => {
  it.concurrent.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    await expectBadCase(run, c, REF);
  });
});
