// Live-array accounting: the `arrays` gauge and the ffikit:array:alloc / ffikit:array:free channels, for every allocator.
import * as dc from 'node:diagnostics_channel';

import * as ffikit from '../../ts/index';
import { arrayAllocChannel, arrayFreeChannel, gauges } from '../../ts/core/channels';
import { m, useReferenceMemory } from '../helpers/reference-memory';

useReferenceMemory();

const live = (): { live: number; bytes: number } => (gauges.arrays as () => { live: number; bytes: number })();

interface ArrayEvent {
  dtype: string;
  length: number;
  bytes: number;
  allocator: string;
}

function recording(): { allocs: ArrayEvent[]; frees: ArrayEvent[]; stop: () => void } {
  const allocs: ArrayEvent[] = [];
  const frees: ArrayEvent[] = [];
  const onAlloc = (msg: unknown): void => void allocs.push(msg as ArrayEvent);
  const onFree = (msg: unknown): void => void frees.push(msg as ArrayEvent);
  dc.subscribe(arrayAllocChannel.name, onAlloc);
  dc.subscribe(arrayFreeChannel.name, onFree);
  return {
    allocs,
    frees,
    stop: () => {
      dc.unsubscribe(arrayAllocChannel.name, onAlloc);
      dc.unsubscribe(arrayFreeChannel.name, onFree);
    },
  };
}

describe('gauges.arrays', () => {
  it('counts live arrays with memory and their bytes, for each allocator', () => {
    const start = live();
    const a = ffikit.ManagedArray.create('float64', 10);
    const b = ffikit.ManagedArray.create('float64', 3, { alloc: m.create_array, free: m.free_array });
    const c = ffikit.ManagedArray.create('uint8', 0); // no memory: not counted
    const arena = ffikit.arena();
    arena.array('int32', 5);
    expect(live()).toEqual({ live: start.live + 3, bytes: start.bytes + 80 + 24 + 20 });
    a.dispose();
    b.dispose();
    c.dispose();
    expect(live()).toEqual({ live: start.live + 1, bytes: start.bytes + 20 });
    arena.dispose();
    expect(live()).toEqual(start);
  });
});

describe('ffikit:array:alloc / ffikit:array:free', () => {
  it('publish { dtype, length, bytes, allocator } per array: default, library, custom and arena', () => {
    const rec = recording();
    try {
      const calls: bigint[] = [];
      const custom = {
        alloc: (n: number): bigint => {
          const p = m.create_array(n) as unknown as bigint;
          calls.push(p);
          return p;
        },
        free: (p: bigint): void => void m.free_array(p as never),
      };
      ffikit.ManagedArray.create('int16', 4).dispose();
      ffikit.ManagedArray.create('float64', 2, { alloc: m.create_array, free: m.free_array }).dispose();
      ffikit.ManagedArray.create('float64', 1, custom).dispose();
      const arena = ffikit.arena();
      arena.array('uint8', 9);
      arena.array('float32', 0); // no memory, no event
      arena.dispose();
      const expected = [
        { dtype: 'int16', length: 4, bytes: 8, allocator: 'default' },
        { dtype: 'float64', length: 2, bytes: 16, allocator: 'library' },
        { dtype: 'float64', length: 1, bytes: 8, allocator: 'custom' },
        { dtype: 'uint8', length: 9, bytes: 9, allocator: 'arena' },
      ];
      expect(rec.allocs).toEqual(expected);
      expect(rec.frees).toEqual(expected);
      expect(calls).toHaveLength(1);
    } finally {
      rec.stop();
    }
  });

  it('publish nothing without subscribers', () => {
    expect(arrayAllocChannel.hasSubscribers).toBe(false);
    expect(arrayFreeChannel.hasSubscribers).toBe(false);
    const allocSpy = jest.spyOn(arrayAllocChannel, 'publish');
    const freeSpy = jest.spyOn(arrayFreeChannel, 'publish');
    try {
      ffikit.ManagedArray.create('int8', 1).dispose();
      const arena = ffikit.arena();
      arena.array('int8', 1);
      arena.dispose();
      expect(allocSpy).not.toHaveBeenCalled();
      expect(freeSpy).not.toHaveBeenCalled();
    } finally {
      allocSpy.mockRestore();
      freeSpy.mockRestore();
    }
  });
});
