// Arrays: zero-copy passing (1e7 vs 1e3 elements), and a call with a declared array contract vs raw koffi.
'use strict';

const koffi = require('koffi');
const ffikit = require('../../dist/index.js');

const CALLS = 1000;

module.exports = {
  title: 'Arrays (zero-copy passing; array contract vs raw koffi)',
  setup() {
    const ref = ffikit.reference();
    const lib = ffikit.load(ref.path);
    const contract = {
      fn: 'int process_1d(double *data, size_t len)',
      errcheck: ffikit.ReferenceErrorCodes,
      arrays: { data: { dtype: 'float64', length: 'len' } },
    };
    // One bound function per argument kind measured, as an application that passes one kind has: a
    // function shared by the typed-array and ManagedArray rows carries both kinds' type feedback, and
    // each row would measure the other's deoptimizations.
    const m = lib.bind({
      process_1d: contract,
      process_1d_typed: contract,
      process_1d_managed: contract,
      create_array: { fn: 'double *create_array(size_t len)', errcheck: 'null-is-failure' },
      free_array: 'void free_array(double *arr)',
    });
    const raw = koffi.load(ref.path).func('int process_1d(double *data, size_t len)');
    return {
      ref,
      lib,
      m,
      raw,
      small: new Float64Array(1e3),
      big: new Float64Array(1e7),
      tiny: new Float64Array(16),
      managed: ffikit.ManagedArray.create('float64', 16, { alloc: m.create_array, free: m.free_array }),
    };
  },
  tasks: (c) => {
    const { small, big, tiny, managed, raw } = c;
    const f = c.m.process_1d;
    const typed = c.m.process_1d_typed;
    const onManaged = c.m.process_1d_managed;
    let sink = 0;
    c.readSink = () => sink;
    return [
      {
        name: 'pass Float64Array(1e3), len 0',
        callsPerIteration: CALLS,
        fn: () => {
          for (let i = 0; i < CALLS; i++) f(small, 0);
        },
      },
      {
        name: 'pass Float64Array(1e7), len 0',
        callsPerIteration: CALLS,
        fn: () => {
          for (let i = 0; i < CALLS; i++) f(big, 0);
        },
      },
      {
        name: 'raw koffi process_1d(Float64Array(16), 16)',
        callsPerIteration: CALLS,
        fn: () => {
          for (let i = 0; i < CALLS; i++) sink += raw(tiny, 16);
        },
      },
      {
        name: 'ffikit process_1d(Float64Array(16)) with contract',
        callsPerIteration: CALLS,
        fn: () => {
          for (let i = 0; i < CALLS; i++) typed(tiny);
        },
      },
      {
        name: 'ffikit process_1d(ManagedArray(16)) with contract',
        callsPerIteration: CALLS,
        fn: () => {
          for (let i = 0; i < CALLS; i++) onManaged(managed);
        },
      },
    ];
  },
  ratios: [
    {
      label: 'pass 1e7 / pass 1e3 elements (zero-copy)',
      num: 'pass Float64Array(1e7), len 0',
      den: 'pass Float64Array(1e3), len 0',
      target: 1.2,
    },
    {
      label: 'array contract call / raw koffi',
      num: 'ffikit process_1d(Float64Array(16)) with contract',
      den: 'raw koffi process_1d(Float64Array(16), 16)',
      target: 1.25,
    },
    {
      label: 'ManagedArray / typed array (same contract)',
      num: 'ffikit process_1d(ManagedArray(16)) with contract',
      den: 'ffikit process_1d(Float64Array(16)) with contract',
    },
  ],
  teardown(c) {
    if (!Number.isFinite(c.readSink())) throw new Error('benchmark sink is not finite');
    c.managed.dispose();
    c.lib.close();
    c.ref.close();
  },
};
