// Example: OpenSSL's EVP digests — handles with disposers, an errcheck function for 1-is-success, SHA-256 equal to node:crypto.
import { createHash } from 'node:crypto';

import * as ffikit from 'ffikit';

declare module 'ffikit' {
  interface NamedTypes {
    EVP_MD_CTX: ffikit.Opaque;
    EVP_MD: ffikit.Opaque;
  }
}

ffikit.opaque('EVP_MD_CTX');
ffikit.opaque('EVP_MD');

// Most EVP functions return 1 on success and 0 on failure: a small errcheck function says so.
function one(result: unknown, ctx: ffikit.ErrcheckContext): void {
  if (result !== 1) throw new Error(`${ctx.fn}() failed: returned ${String(result)}`);
}

using lib = ffikit.load('libcrypto.so.3'); // macOS (Homebrew): the full path of libcrypto.3.dylib
const evp = lib.bind({
  version: 'const char *OpenSSL_version(int type)',
  newCtx: { fn: 'EVP_MD_CTX *EVP_MD_CTX_new(void)', errcheck: 'null-is-failure' },
  freeCtx: { fn: 'void EVP_MD_CTX_free(EVP_MD_CTX *ctx)', disposes: 'ctx' },
  byName: { fn: 'const EVP_MD *EVP_get_digestbyname(const char *name)', errcheck: 'null-is-failure' },
  init: { fn: 'int EVP_DigestInit_ex(EVP_MD_CTX *ctx, const EVP_MD *type, void *engine)', errcheck: one },
  update: {
    fn: 'int EVP_DigestUpdate(EVP_MD_CTX *ctx, const void *d, size_t n)',
    errcheck: one,
    arrays: { d: { dtype: 'uint8', length: 'n' } },
  },
  final: {
    fn: 'int EVP_DigestFinal_ex(EVP_MD_CTX *ctx, uint8_t *md, _Out_ unsigned int *s)',
    errcheck: one,
    arrays: { md: { minLength: 64 } }, // EVP_MAX_MD_SIZE: C writes up to 64 bytes, never past a shorter buffer
  },
});
console.log(`${evp.version(0)} from ${lib.path}`);

function digest(name: string, chunks: Uint8Array[]): string {
  using ctx = evp.newCtx(); // Handle<'EVP_MD_CTX'>: EVP_MD_CTX_free runs at the end of the scope
  evp.init(ctx, evp.byName(name), null);
  for (const c of chunks) evp.update(ctx, c);
  const md = new Uint8Array(64);
  const size = new Uint32Array(1);
  evp.final(ctx, md, size);
  return Buffer.from(md.subarray(0, size[0])).toString('hex');
}

const chunks = ['ffikit ', 'calls ', 'OpenSSL'].map((s) => new TextEncoder().encode(s));
for (const name of ['sha256', 'sha512', 'sha3-256']) {
  const ours = digest(name, chunks);
  const node = createHash(name).update(Buffer.concat(chunks)).digest('hex');
  console.log(`${name.padEnd(8)} ${ours.slice(0, 32)}… equals node:crypto: ${ours === node}`);
}

// Checked before the call: a too-short output buffer, and a handle of the wrong type.
using ctx = evp.newCtx();
evp.init(ctx, evp.byName('sha256'), null);
for (const bad of [
  () => evp.final(ctx, new Uint8Array(32), new Uint32Array(1)),
  () => evp.update(evp.byName('md5') as never, chunks[0]!),
]) {
  try {
    bad();
  } catch (err) {
    console.log(`refused: ${(err as Error).message.split('. ')[0]}`);
  }
}
evp.freeCtx(ctx); // the declared disposer, called by hand: `using` will not free it again
console.log(`ctx.disposed: ${ctx.disposed}`);
try {
  evp.byName('no-such-digest');
} catch (err) {
  console.log(`null-is-failure: ${(err as Error).message.split('\n')[0]}`);
}
