// In-process tests of load() and Library: path resolution, integrity, close/dispose and calls racing close().
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as ffikit from '../../ts/index';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const fx = require('../fixtures/build').fixturePaths() as Record<
  'edge' | 'undefinedSymbol' | 'needsDep' | 'executable' | 'object' | 'dir',
  string
>;

const ADD = { add: 'int add(int a, int b)' } as const;
let tmp: string;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ffikit-library-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Runs `fn` and returns what it threw (fails the test when it does not throw). */
function thrown(fn: () => unknown): ffikit.FfikitError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ffikit.FfikitError);
    return err as ffikit.FfikitError;
  }
  throw new Error('expected a throw, but the call returned');
}

describe('load(): which file, reported how', () => {
  const edgeReal = fs.realpathSync(fx.edge);

  it('reports the absolute real path for an absolute path', () => {
    const lib = ffikit.load(fx.edge);
    try {
      expect(lib.path).toBe(edgeReal);
      expect(path.isAbsolute(lib.path)).toBe(true);
      expect(lib.closed).toBe(false);
      expect(lib.bind(ADD).add(2, 3)).toBe(5);
    } finally {
      lib.close();
    }
  });

  it('resolves a relative path (with .. segments) against the current directory', () => {
    const rel = path.join('.', path.relative(process.cwd(), fx.dir), '..', 'fixtures', path.basename(fx.edge));
    expect(path.isAbsolute(rel)).toBe(false);
    const lib = ffikit.load(rel);
    try {
      expect(lib.path).toBe(edgeReal);
    } finally {
      lib.close();
    }
  });

  it('reports the real path behind a symlink, absolute or relative', () => {
    const link = path.join(tmp, 'libedge-link.so');
    fs.symlinkSync(fx.edge, link);
    const viaAbsolute = ffikit.load(link);
    const viaRelative = ffikit.load(`./${path.relative(process.cwd(), link)}`);
    try {
      expect(viaAbsolute.path).toBe(edgeReal);
      expect(viaRelative.path).toBe(edgeReal);
      expect(viaAbsolute.bind(ADD).add(40, 2)).toBe(42);
    } finally {
      viaAbsolute.close();
      viaRelative.close();
    }
  });

  it("looks a bare name ('libm.so.6') up like the system loader and reports where it was found", () => {
    const lib = ffikit.load('libm.so.6');
    try {
      expect(path.isAbsolute(lib.path)).toBe(true);
      expect(lib.path).toBe(fs.realpathSync(lib.path));
      expect(fs.statSync(lib.path).isFile()).toBe(true);
      const { cos } = lib.bind({ cos: 'double cos(double x)' });
      expect(cos(0)).toBe(1);
    } finally {
      lib.close();
    }
  });

  it('accepts the right sha256, in lower or upper case', () => {
    const digest = createHash('sha256').update(fs.readFileSync(fx.edge)).digest('hex');
    for (const sha256 of [digest, digest.toUpperCase()]) {
      const lib = ffikit.load(fx.edge, { sha256 });
      try {
        expect(lib.bind(ADD).add(1, 1)).toBe(2);
      } finally {
        lib.close();
      }
    }
  });

  it('refuses a wrong sha256 before opening the file', () => {
    const err = thrown(() => ffikit.load(fx.edge, { sha256: 'f'.repeat(64) }));
    expect(err).toBeInstanceOf(ffikit.LibraryLoadError);
    expect(err).toMatchObject({ code: 'ERR_FFIKIT_LIBRARY_LOAD', reason: 'integrity', path: edgeReal });
  });

  it.each([
    ['not-found', () => path.join(tmp, 'no-such-lib.so')],
    ['not-a-file', () => tmp],
    ['bad-format', () => fx.object],
  ])('throws LibraryLoadError reason %s in-process', (reason, file) => {
    const err = thrown(() => ffikit.load(file()));
    expect(err).toBeInstanceOf(ffikit.LibraryLoadError);
    expect(err).toMatchObject({ code: 'ERR_FFIKIT_LIBRARY_LOAD', reason });
    expect(err.message).toContain('Possible solutions');
  });

  it('gives independent handles for the same file: closing one leaves the other usable', () => {
    const a = ffikit.load(fx.edge);
    const b = ffikit.load(fx.edge);
    const fa = a.bind(ADD);
    const fb = b.bind(ADD);
    a.close();
    expect(() => fa.add(1, 2)).toThrow(ffikit.ClosedError);
    expect(fb.add(1, 2)).toBe(3);
    b.close();
  });
});

describe('close() and [Symbol.dispose]', () => {
  it('close() is idempotent', () => {
    const lib = ffikit.load(fx.edge);
    lib.close();
    expect(lib.closed).toBe(true);
    expect(() => lib.close()).not.toThrow();
    expect(() => lib[Symbol.dispose]()).not.toThrow();
    expect(lib.closed).toBe(true);
  });

  it('[Symbol.dispose]() closes the library', () => {
    const lib = ffikit.load(fx.edge);
    const { add } = lib.bind(ADD);
    lib[Symbol.dispose]();
    expect(lib.closed).toBe(true);
    expect(() => add(1, 2)).toThrow(ffikit.ClosedError);
  });

  it('bound functions throw ClosedError after close(), sync and async', async () => {
    const lib = ffikit.load(fx.edge);
    const { add } = lib.bind(ADD);
    expect(add(1, 2)).toBe(3);
    lib.close();
    const err = thrown(() => add(1, 2));
    expect(err).toBeInstanceOf(ffikit.ClosedError);
    expect(err.code).toBe('ERR_FFIKIT_CLOSED');
    expect(err.message).toContain('add()');
    await expect(add.async(1, 2)).rejects.toMatchObject({ name: 'ClosedError', code: 'ERR_FFIKIT_CLOSED' });
  });

  it('bind() after close() throws ClosedError', () => {
    const lib = ffikit.load(fx.edge);
    lib.close();
    const err = thrown(() => lib.bind(ADD));
    expect(err).toBeInstanceOf(ffikit.ClosedError);
    expect(err.code).toBe('ERR_FFIKIT_CLOSED');
    expect(err.message).toContain(lib.path);
  });
});

describe('an async call in flight when close() is called', () => {
  it('still resolves with its result, and later calls are refused', async () => {
    const ref = ffikit.reference();
    const { long_running_operation, process_1d } = ref.fn;
    const data = new Float32Array(2_000_000).fill(7);
    let settled = false;
    const pending = long_running_operation.async(data, data.length).finally(() => {
      settled = true;
    });
    ref.close();
    expect(ref.library.closed).toBe(true);
    expect(settled).toBe(false);
    expect(() => process_1d(new Float64Array(2), 2)).toThrow(ffikit.ClosedError);
    await expect(long_running_operation.async(data, data.length)).rejects.toBeInstanceOf(ffikit.ClosedError);

    await expect(pending).resolves.toBeUndefined();
    // 64 passes of x = x * 0.5 + 1 bring every finite start value to exactly 2 (see ffikit_ref.h).
    expect(data[0]).toBe(2);
    expect(data[data.length - 1]).toBe(2);

    // The library is unloaded now that nothing is in flight; calls keep being refused, not crashing.
    expect(() => long_running_operation(data, data.length)).toThrow(ffikit.ClosedError);
    await expect(long_running_operation.async(data, data.length)).rejects.toMatchObject({ code: 'ERR_FFIKIT_CLOSED' });
    expect(() => ref.close()).not.toThrow();
  });
});
