// Example: the system zstd — an errcheck FUNCTION built on ZSTD_isError, in sync calls and in a ThreadPoolExecutor.
import * as ffikit from 'ffikit';

const LIB = 'libzstd.so.1'; // macOS: 'libzstd.1.dylib'
using libzstd = ffikit.load(LIB);
console.log(`loaded ${libzstd.path}`);

// zstd returns a size_t that is either a size or an error code; ZSTD_isError tells which. So the status
// check is a function, built on two functions of the library itself.
const zerr = libzstd.bind({
  isError: 'unsigned ZSTD_isError(size_t code)',
  errorCode: 'int ZSTD_getErrorCode(size_t functionResult)',
  errorName: 'const char *ZSTD_getErrorName(size_t code)',
});

// The errcheck gets the raw result and { fn, prototype, args }; what it returns is the call's result.
function zstdCheck(result: unknown, ctx: ffikit.ErrcheckContext): number {
  const r = result as number | bigint;
  if (zerr.isError(r) === 0) return Number(r);
  const code = zerr.errorCode(r);
  throw new ffikit.NativeError(ctx.fn, code, 'ZSTD_error', `${ctx.fn}() failed: ${zerr.errorName(r)} (${code})`);
}

const bind = {
  compressBound: 'size_t ZSTD_compressBound(size_t srcSize)',
  compress: {
    fn: 'size_t ZSTD_compress(void *dst, size_t dstCapacity, const void *src, size_t srcSize, int level)',
    errcheck: zstdCheck,
    arrays: { dst: { dtype: 'uint8', length: 'dstCapacity', writable: true }, src: { dtype: 'uint8', length: 'srcSize' } },
  },
  decompress: {
    fn: 'size_t ZSTD_decompress(void *dst, size_t dstCapacity, const void *src, size_t compressedSize)',
    errcheck: zstdCheck,
    arrays: { dst: { dtype: 'uint8', length: 'dstCapacity', writable: true }, src: { dtype: 'uint8', length: 'compressedSize' } },
  },
} as const;
const z = libzstd.bind(bind);

const text = new TextEncoder().encode('ffikit binds zstd with an errcheck function. '.repeat(200));
const packed = new Uint8Array(Number(z.compressBound(text.length)));
const packedLen = z.compress(packed, undefined, text, undefined, 3);
const unpacked = new Uint8Array(text.length);
const n = z.decompress(unpacked, undefined, packed.subarray(0, packedLen));
console.log(`sync: ${text.length} -> ${packedLen} bytes, round trip ${n === text.length && Buffer.from(unpacked).equals(text)}`);

try {
  z.decompress(unpacked, undefined, text); // not a zstd frame
} catch (err) {
  if (!(err instanceof ffikit.NativeError)) throw err;
  console.log(`error: ${err.message} (status ${err.status})`);
}

// The same declarations in a thread pool: the errcheck function runs on this thread after each result
// returns, so it may call zerr.* bound here. Ordinary typed arrays are copied in and back.
await using pool = new ffikit.ThreadPoolExecutor({ library: LIB, bind, workers: 2 });
await pool.ready;
const inputs = [1, 2, 3, 4].map((k) => new TextEncoder().encode(`block ${k} `.repeat(500 * k)));
const sizes = await pool.map(
  'compress',
  inputs.map((src) => [new Uint8Array(Number(z.compressBound(src.length))), undefined, src, undefined, 19]),
);
console.log(`pool: compressed ${inputs.map((s, i) => `${s.length}->${String(sizes[i])}`).join(', ')}`);
await pool.call('decompress', [new Uint8Array(16), undefined, text]).catch((err: unknown) => {
  console.log(`pool error: ${err instanceof ffikit.NativeError ? err.message : String(err)}`);
});
