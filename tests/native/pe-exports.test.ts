// PE export/import reader, checked on the cross-built win32-x64 prebuild and on corrupted copies of it.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { LibraryLoadError } from '../../ts/core/errors';
import { readPeExports } from '../../ts/native/binfmt/pe-exports';
import { ROOT } from '../helpers/child';
import { freshPrebuild } from '../helpers/prebuilds';

const DLL = freshPrebuild('win32-x64/ffikit_ref.dll');
const HEADER_FUNCTIONS = [
  ...fs.readFileSync(path.join(ROOT, 'cpp/include/ffikit_ref.h'), 'utf8').matchAll(/^FFIKIT_API\s[^(]*?\b(\w+)\s*\(/gm),
].map((m) => m[1] as string);

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ffikit-pe-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('readPeExports', () => {
  it('reads the DLL name, every exported function with its ordinal, and the imported DLLs', () => {
    const info = readPeExports(DLL);
    expect(info).toMatchObject({ bits: 64, dllName: 'ffikit_ref.dll', ordinalOnly: 0, delayImports: [] });
    expect(info.exports.map((e) => e.name).sort()).toEqual([...HEADER_FUNCTIONS].sort());
    expect(info.exports.every((e) => e.type === 'function')).toBe(true);
    expect(new Set(info.exports.map((e) => e.ordinal)).size).toBe(info.exports.length);
    // libstdc++, libgcc and winpthread are linked statically: only system DLLs remain.
    expect(info.imports.map((d) => d.toLowerCase()).sort()).toEqual(['kernel32.dll', 'msvcrt.dll']);
  });

  it('refuses non-PE and truncated files with LibraryLoadError bad-format', () => {
    const elf = path.join(ROOT, 'prebuilds/linux-x64/libffikit_ref.so');
    expect(() => readPeExports(elf)).toThrow(/no MZ header/);
    const truncated = path.join(tmp, 'truncated.dll');
    fs.writeFileSync(truncated, fs.readFileSync(DLL).subarray(0, 1024));
    expect(() => readPeExports(truncated)).toThrow(LibraryLoadError);
  });

  it('never throws anything but LibraryLoadError on corrupted bytes (300 random mutations)', () => {
    const original = fs.readFileSync(DLL);
    const file = path.join(tmp, 'fuzz.dll');
    let seed = 777;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let i = 0; i < 300; i++) {
      const bytes = Buffer.from(original);
      for (let k = 0; k < 8; k++) bytes[random(0x600)] = random(256);
      fs.writeFileSync(file, bytes);
      try {
        readPeExports(file);
      } catch (err) {
        expect(err).toBeInstanceOf(LibraryLoadError);
      }
    }
  });
});
