// ManagedArray lifetimes: dispose, `using`, frees deferred while a call/view/callback uses the array, closed libraries.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as ffikit from '../../ts/index';
import { ClosedError, DisposedError, ManagedArray } from '../../ts/index';
import { ROOT, runChild } from '../helpers/child';
import { countingFree, m, native, ref, thrown, useReferenceMemory } from '../helpers/reference-memory';

const { live } = useReferenceMemory();

describe('dispose', () => {
  it('is idempotent ([Symbol.dispose] too) and frees exactly once', () => {
    const { free, calls } = countingFree();
    const arr = ManagedArray.create('float64', 4, { alloc: m.create_array, free });
    const ptr = arr.pointer;
    arr.dispose();
    arr.dispose();
    arr[Symbol.dispose]();
    expect(calls).toEqual([ptr]);
    expect(live()).toBe(0);
  });

  // Jest's vm realm lacks Symbol.dispose (Node only polyfills the main realm), so `using` runs in a child.
  it('`using` frees at the end of the block (real Symbol.dispose, child process)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ffikit-using-'));
    const file = path.join(dir, 'using.ts');
    fs.writeFileSync(
      file,
      `const ffikit = require(${JSON.stringify(path.join(ROOT, 'ts', 'index'))});
      const ref = ffikit.reference();
      const seen: number[] = [];
      {
        using arr = ffikit.ManagedArray.create('float64', 4, { alloc: ref.fn.create_array, free: ref.fn.free_array });
        arr.write(0, 1);
        seen.push(ref.liveAllocations());
      }
      seen.push(ref.liveAllocations());
      console.log(JSON.stringify(seen));`,
    );
    try {
      const result = runChild(`require(${JSON.stringify(file)})`);
      expect(result.stderr).toBe('');
      expect(JSON.parse(result.stdout)).toEqual([1, 0]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('use after dispose throws DisposedError; metadata stays readable', () => {
    const arr = ManagedArray.create('uint16', 3);
    arr.dispose();
    for (const use of [
      () => arr.pointer,
      () => arr.read(0),
      () => arr.write(0, 1),
      () => arr.toTypedArray(),
      () => arr.withView(() => 0),
    ]) {
      const err = thrown(use, DisposedError, 'ERR_FFIKIT_DISPOSED');
      expect(err.message).toMatch(/^ManagedArray\(uint16, 3\)\.\w+: the array was disposed/);
    }
    expect([arr.length, arr.dtype, arr.byteLength, arr.disposed]).toEqual([3, 'uint16', 6, true]);
  });
});

describe('disposal while in use waits (deferred free)', () => {
  it('during an .async call: disposed at once, freed when the call settles', async () => {
    const { free, calls } = countingFree();
    const arr = ManagedArray.create('float64', 1 << 22, { alloc: m.create_array, free });
    const call = m.process_1d.async(arr);
    arr.dispose();
    expect(arr.disposed).toBe(true);
    thrown(() => arr.read(0), DisposedError, 'ERR_FFIKIT_DISPOSED');
    expect([calls.length, live()]).toEqual([0, 1]);
    await expect(call).resolves.toBe(0);
    expect([calls.length, live()]).toEqual([1, 0]);
  });

  it('a slow long_running_operation on 2M float32 elements (default allocator and a counted native pair)', async () => {
    const plain = ManagedArray.create('float32', 2_000_000);
    plain.withView((v) => v.fill(5));
    const { free, calls } = countingFree();
    const counted = ManagedArray.create('float32', 2_000_000, { alloc: (n) => m.create_array(n), free });
    const running = [ref.fn.long_running_operation.async(plain), ref.fn.long_running_operation.async(counted)];
    plain.dispose();
    counted.dispose();
    expect([calls.length, live()]).toEqual([0, 1]);
    await expect(Promise.all(running)).resolves.toEqual([undefined, undefined]);
    expect([calls.length, live()]).toEqual([1, 0]);
  });

  it('inside withView: freed when fn returns', () => {
    const arr = ManagedArray.create('float64', 2, native);
    const inside = arr.withView((v) => {
      v[0] = 3;
      arr.dispose();
      return [v[0], live(), arr.disposed];
    });
    expect(inside).toEqual([3, 1, true]);
    expect(live()).toBe(0);
  });

  it('from a native callback during a sync call: freed when the call returns, results correct', () => {
    let snapshot: number[] = [];
    const freeCalls: number[] = [];
    const arr = ManagedArray.from(new Float64Array([1, 2, 3, 4, 5]), {
      alloc: m.create_array,
      free: (p) => {
        snapshot = Array.from(ffikit.decode(p, 'double', 5) as Float64Array);
        freeCalls.push(live());
        m.free_array(p);
      },
    });
    const progress: Array<[number, number, number]> = [];
    ref.fn.process_with_callback(arr, undefined, (cur: number, total: number) => {
      progress.push([cur, total, freeCalls.length]);
      if (cur === 2) arr.dispose();
    });
    expect(progress).toEqual([1, 2, 3, 4, 5].map((i) => [i, 5, 0])); // never freed mid-call
    expect(snapshot).toEqual([2, 4, 6, 8, 10]); // C finished writing into live memory
    expect(freeCalls).toEqual([1]);
    expect(live()).toBe(0);
  });
});

describe('allocator library closed', () => {
  it('arrays stay readable and writable, dispose still frees; the closed library refuses calls', () => {
    const other = ffikit.load(ref.path);
    const o = other.bind({
      create_array: { fn: 'double *create_array(size_t len)', errcheck: 'null-is-failure' },
      free_array: 'void free_array(double *arr)',
    });
    const a = ManagedArray.from(new Float64Array([1, 2]), { alloc: o.create_array, free: o.free_array });
    const b = ManagedArray.create('float64', 2, { alloc: o.create_array, free: o.free_array });
    other.close();
    a.write(1, 5);
    ref.fn.process_1d(a); // other (open) libraries can still use the memory
    expect(Array.from(a.toTypedArray())).toEqual([2, 10]);
    thrown(() => o.free_array(null), ClosedError, 'ERR_FFIKIT_CLOSED');
    thrown(() => ManagedArray.create('float64', 2, { alloc: o.create_array, free: o.free_array }), ClosedError, 'ERR_FFIKIT_CLOSED');
    expect(live()).toBe(2);
    a.dispose();
    b.dispose();
    expect(live()).toBe(0);
  });

  (process.platform === 'linux' ? it : it.skip)('the library is unloaded only after its last array is disposed', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ffikit-unload-'));
    const copy = path.join(dir, 'libffikit_copy.so');
    fs.copyFileSync(ref.path, copy); // a private copy: its own dlopen handle, nothing else keeps it loaded
    try {
      const result = runChild(`
        const fs = require('fs');
        const ffikit = require('./ts/index');
        const mapped = () => fs.readFileSync('/proc/self/maps', 'utf8').includes(${JSON.stringify(copy)});
        const lib = ffikit.load(${JSON.stringify(copy)});
        const m = lib.bind({ create_array: 'double *create_array(size_t len)', free_array: 'void free_array(double *arr)' });
        const a = ffikit.ManagedArray.create('float64', 4, { alloc: m.create_array, free: m.free_array });
        const b = ffikit.ManagedArray.create('float64', 4, { alloc: m.create_array, free: m.free_array });
        const steps = [mapped()];
        lib.close(); steps.push(mapped());
        a.dispose(); steps.push(mapped());
        b.dispose(); steps.push(mapped());
        console.log(JSON.stringify(steps));
      `);
      expect(result.stderr).toBe('');
      expect(JSON.parse(result.stdout)).toEqual([true, true, true, false]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
