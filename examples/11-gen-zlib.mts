// Example: generate typed zlib bindings from zlib.h with `ffikit gen` (plus an annotations file), then use them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

import { generate, writeAtomically } from 'ffikit/gen';

const header = '/usr/include/zlib.h'; // from zlib1g-dev (Debian/Ubuntu) or zlib-devel
const outDir = path.resolve('build', 'examples-gen');
fs.mkdirSync(outDir, { recursive: true });

// Safety that survives regeneration: destLen is read and written by C (_Inout_), and a failing status
// throws a NativeError named after zlib's own constants.
const annotations = path.join(outDir, 'zlib.annotations.json');
const status = { codes: { Z_OK: 0, Z_BUF_ERROR: -5, Z_MEM_ERROR: -4, Z_DATA_ERROR: -3 } };
fs.writeFileSync(
  annotations,
  JSON.stringify({ compress: { inout: ['destLen'], errcheck: status }, uncompress: { inout: ['destLen'], errcheck: status } }, null, 2),
);

// The same as: npx ffikit gen /usr/include/zlib.h --lib libz.so.1 --annotate zlib.annotations.json -o build/examples-gen/zlib.ts
const { source, report } = await generate(header, { lib: 'libz.so.1', annotate: annotations });
const out = path.join(outDir, 'zlib.ts');
writeAtomically([[out, source]]);
console.log(
  `generated ${path.relative(process.cwd(), out)}: ${report.functions.bound} of ${report.functions.exported} functions, ${report.constants} constants`,
);
for (const s of report.skipped.filter((x) => x.kind === 'function')) console.log(`  skipped ${s.name}: ${s.reason}`);

// In an app you would import the generated file statically and commit it; here it was just written.
interface ZlibModule {
  ZLIB_VERSION: string;
  load(): {
    zlibVersion(): string | null;
    compressBound(n: number): number | bigint;
    compress(dest: Uint8Array, destLen: [number | bigint], src: Uint8Array, srcLen: number): void;
    uncompress(dest: Uint8Array, destLen: [number | bigint], src: Uint8Array, srcLen: number): void;
  };
}
const zlib = (await import(pathToFileURL(out).href)) as ZlibModule;
const z = zlib.load();
console.log(`zlib ${z.zlibVersion()} (header ${zlib.ZLIB_VERSION})`);

const text = new TextEncoder().encode('generated bindings, checked calls. '.repeat(50));
const packed = new Uint8Array(Number(z.compressBound(text.length)));
const packedLen: [number | bigint] = [packed.length];
z.compress(packed, packedLen, text, text.length);
const restored = new Uint8Array(text.length);
const restoredLen: [number | bigint] = [restored.length];
z.uncompress(restored, restoredLen, packed, Number(packedLen[0]));
console.log(`compress: ${text.length} -> ${Number(packedLen[0])} bytes; round trip ok: ${Buffer.from(restored).equals(text)}`);

try {
  z.uncompress(new Uint8Array(4), [4], packed, Number(packedLen[0])); // too small: Z_BUF_ERROR
} catch (err) {
  console.log(`${(err as Error & { code: string }).code}: ${(err as Error).message}`);
}
