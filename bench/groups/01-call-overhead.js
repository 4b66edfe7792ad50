// Call overhead: a bound ffikit function vs the same raw koffi function, plain and with a status check.
'use strict';

const koffi = require('koffi');
const ffikit = require('../../dist/index.js');
const { buildFixtures } = require('../../tests/fixtures/build');

const CALLS = 1000;

module.exports = {
  title: 'Call overhead (ffikit bound function vs raw koffi, same library, same call)',
  setup() {
    const edgePath = buildFixtures().edge;
    const ref = ffikit.reference();
    const edge = ffikit.load(edgePath);
    const raw = koffi.load(edgePath);
    const rawRef = koffi.load(ref.path);
    return {
      ref,
      edge,
      bound: edge.bind({ add: 'int add(int a, int b)' }),
      rawAdd: raw.func('int add(int a, int b)'),
      rawSafe: rawRef.func('int safe_operation(double *arr, size_t len)'),
      data: new Float64Array(8).fill(4),
      raw,
      rawRef,
    };
  },
  tasks: (c) => {
    // Results feed a sink that teardown reads, so the optimizer cannot drop the calls.
    let sink = 0;
    c.readSink = () => sink;
    const { rawAdd, rawSafe, data } = c;
    const { add } = c.bound;
    const safe = c.ref.fn.safe_operation;
    return [
      {
        name: 'raw koffi add(int, int)',
        callsPerIteration: CALLS,
        fn: () => {
          for (let i = 0; i < CALLS; i++) sink += rawAdd(i, 1);
        },
      },
      {
        name: 'ffikit add(int, int)',
        callsPerIteration: CALLS,
        fn: () => {
          for (let i = 0; i < CALLS; i++) sink += add(i, 1);
        },
      },
      {
        name: 'raw koffi safe_operation(double *, size_t)',
        callsPerIteration: CALLS,
        fn: () => {
          for (let i = 0; i < CALLS; i++) sink += rawSafe(data, 8);
        },
      },
      {
        name: 'ffikit safe_operation (checked: errorCodes table)',
        callsPerIteration: CALLS,
        fn: () => {
          for (let i = 0; i < CALLS; i++) safe(data, 8);
        },
      },
    ];
  },
  ratios: [
    { label: 'add: ffikit / raw koffi', num: 'ffikit add(int, int)', den: 'raw koffi add(int, int)', target: 1.25 },
    {
      label: 'checked status fn: ffikit / raw koffi',
      num: 'ffikit safe_operation (checked: errorCodes table)',
      den: 'raw koffi safe_operation(double *, size_t)',
      target: 1.35,
    },
  ],
  teardown(c) {
    if (!Number.isFinite(c.readSink())) throw new Error('benchmark sink is not finite');
    c.edge.close();
    c.ref.close();
  },
};
