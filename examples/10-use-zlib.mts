// Example: ffikit in your own app — bind the system zlib (compress, uncompress, crc32) with an errcheck and array contracts.
import * as zlib from 'node:zlib';

import * as ffikit from 'ffikit';

// zlib's status codes: Z_OK is success; any other status throws a NativeError named from this table.
const ZStatus = ffikit.errorCodes({
  Z_OK: 0,
  Z_MEM_ERROR: [-4, 'not enough memory'],
  Z_BUF_ERROR: [-5, 'the output buffer is too small'],
  Z_DATA_ERROR: [-3, 'the input is not zlib data or is corrupted'],
});

using libz = ffikit.load('libz.so.1'); // macOS: 'libz.1.dylib'. Found where the system loader looks.
console.log(`loaded ${libz.path}`);

// Array contracts: the input buffers must be uint8, and sourceLen / len are filled from their length.
const z = libz.bind({
  compressBound: 'unsigned long compressBound(unsigned long sourceLen)',
  compress: {
    fn: 'int compress(uint8_t *dest, _Inout_ unsigned long *destLen, const uint8_t *source, unsigned long sourceLen)',
    errcheck: ZStatus,
    arrays: { source: { dtype: 'uint8', length: 'sourceLen' } },
  },
  uncompress: {
    fn: 'int uncompress(uint8_t *dest, _Inout_ unsigned long *destLen, const uint8_t *source, unsigned long sourceLen)',
    errcheck: ZStatus,
    arrays: { source: { dtype: 'uint8', length: 'sourceLen' } },
  },
  crc32: {
    fn: 'unsigned long crc32(unsigned long crc, const uint8_t *buf, unsigned int len)',
    arrays: { buf: { dtype: 'uint8', length: 'len' } },
  },
});

// destLen goes in as the capacity of dest (never more: C trusts it) and comes back as the bytes written.
function deflate(input: Uint8Array): Uint8Array {
  const out = new Uint8Array(Number(z.compressBound(input.length)));
  const outLen: [number | bigint] = [out.length];
  z.compress(out, outLen, input);
  return out.subarray(0, Number(outLen[0]));
}

function inflate(input: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(size);
  const outLen: [number | bigint] = [out.length];
  z.uncompress(out, outLen, input);
  return out.subarray(0, Number(outLen[0]));
}

const text = new TextEncoder().encode('ffikit calls C libraries from Node.js. '.repeat(100));
const packed = deflate(text);
const restored = inflate(packed, text.length);
console.log(`compress: ${text.length} bytes -> ${packed.length}; uncompress gives them back: ${Buffer.from(restored).equals(text)}`);

const crc = Number(z.crc32(0, text));
console.log(`crc32 = 0x${crc.toString(16)}; node:zlib says 0x${crc32Reference(text).toString(16)}`);
if (crc !== crc32Reference(text)) throw new Error('crc32 mismatch');

// A failing status is a NativeError; a wrong buffer is an ArgumentError before the call.
for (const attempt of [
  () => inflate(packed, 10), // too small for the output
  () => inflate(text, text.length), // not zlib data
  // @ts-expect-error a Float64Array is not a uint8_t buffer: a compile error, and an ArgumentError at run time
  () => z.crc32(0, new Float64Array(4)),
]) {
  try {
    attempt();
    throw new Error('expected an error');
  } catch (err) {
    if (!(err instanceof ffikit.FfikitError)) throw err;
    console.log(`${err.code}: ${err.message}`);
  }
}

/** node:zlib's crc32 (Node 20.15+), else the same checksum computed bit by bit. */
function crc32Reference(data: Uint8Array): number {
  if (typeof zlib.crc32 === 'function') return zlib.crc32(data);
  let c = 0xffffffff;
  for (const byte of data) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}
