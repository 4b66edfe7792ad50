// Allocation: ManagedArray create + dispose vs the raw alloc/free pair it wraps, and arena allocation.
'use strict';

const koffi = require('koffi');
const ffikit = require('../../dist/index.js');

const N = 16;
const CYCLES = 100;
const ARENA_ARRAYS = 1000;

module.exports = {
  title: 'Allocation (ManagedArray create + dispose vs raw alloc/free; arena.array)',
  setup() {
    const ref = ffikit.reference();
    const lib = ffikit.load(ref.path);
    const m = lib.bind({
      create_array: { fn: 'double *create_array(size_t len)', errcheck: 'null-is-failure' },
      free_array: 'void free_array(double *arr)',
    });
    const raw = koffi.load(ref.path);
    return {
      ref,
      lib,
      pair: { alloc: m.create_array, free: m.free_array },
      rawCreate: raw.func('double *create_array(size_t len)'),
      rawFree: raw.func('void free_array(double *arr)'),
    };
  },
  tasks: (c) => {
    const { pair, rawCreate, rawFree } = c;
    let sink = 0;
    c.readSink = () => sink;
    return [
      {
        name: 'raw koffi create_array(16) + free_array',
        callsPerIteration: CYCLES,
        fn: () => {
          for (let i = 0; i < CYCLES; i++) rawFree(rawCreate(N));
        },
      },
      {
        name: 'ManagedArray.create(float64, 16, library pair) + dispose',
        callsPerIteration: CYCLES,
        fn: () => {
          for (let i = 0; i < CYCLES; i++) ffikit.ManagedArray.create('float64', N, pair).dispose();
        },
      },
      {
        name: 'raw koffi.alloc(uint8_t, 128) + koffi.free',
        callsPerIteration: CYCLES,
        fn: () => {
          for (let i = 0; i < CYCLES; i++) koffi.free(koffi.alloc('uint8_t', N * 8));
        },
      },
      {
        name: 'ManagedArray.create(float64, 16) + dispose',
        callsPerIteration: CYCLES,
        fn: () => {
          for (let i = 0; i < CYCLES; i++) ffikit.ManagedArray.create('float64', N).dispose();
        },
      },
      {
        // Per array, including the arena's own creation, first block and release (amortized).
        name: 'arena(): 1000 x arena.array(float64, 16) + dispose',
        callsPerIteration: ARENA_ARRAYS,
        fn: () => {
          const arena = ffikit.arena();
          for (let i = 0; i < ARENA_ARRAYS; i++) arena.array('float64', N);
          arena.dispose();
        },
      },
      {
        name: 'empty loop (1000 iterations)',
        callsPerIteration: ARENA_ARRAYS,
        fn: () => {
          for (let i = 0; i < ARENA_ARRAYS; i++) sink += i & 1;
        },
      },
    ];
  },
  ratios: [
    {
      label: 'ManagedArray (library pair) / raw pair',
      num: 'ManagedArray.create(float64, 16, library pair) + dispose',
      den: 'raw koffi create_array(16) + free_array',
      target: 3,
    },
    {
      label: 'ManagedArray (default) / raw alloc+free',
      num: 'ManagedArray.create(float64, 16) + dispose',
      den: 'raw koffi.alloc(uint8_t, 128) + koffi.free',
      target: 3,
    },
    {
      label: 'arena.array - empty loop (ns per array)',
      num: 'arena(): 1000 x arena.array(float64, 16) + dispose',
      den: 'empty loop (1000 iterations)',
      kind: 'diff',
      target: 100,
    },
  ],
  teardown(c) {
    if (!Number.isFinite(c.readSink())) throw new Error('benchmark sink is not finite');
    c.lib.close();
    c.ref.close();
  },
};
