// Callbacks: transient round trip vs raw koffi, and per-item callbacks vs a polled shared counter for 1e6 updates.
'use strict';

const koffi = require('koffi');
const ffikit = require('../../dist/index.js');
const { buildFixtures } = require('../../tests/fixtures/build');

const CALLS = 200;
const ITEMS = 1_000_000;

module.exports = {
  title: 'Callbacks (transient round trip vs raw koffi; 1e6 progress updates: callback per item vs polled counter)',
  setup() {
    const edgePath = buildFixtures().edge;
    ffikit.callbackType('int IntOp(int x)');
    const edge = ffikit.load(edgePath);
    const bound = edge.bind({ apply_twice: 'int apply_twice(IntOp *op, int x)' });
    const raw = koffi.load(edgePath);
    const RawOp = koffi.proto('int RawIntOp(int x)');
    const rawApply = raw.func('apply_twice', 'int', [koffi.pointer(RawOp), 'int']);
    const ref = ffikit.reference();
    return { edge, bound, rawApply, ref, data: new Float64Array(ITEMS).fill(1) };
  },
  tasks: (c) => {
    let sink = 0;
    c.readSink = () => sink;
    const op = (x) => x + 1;
    const { rawApply, ref, data } = c;
    const apply = c.bound.apply_twice;
    return [
      {
        name: 'raw koffi apply_twice(js fn, x)',
        callsPerIteration: CALLS,
        fn: () => {
          for (let i = 0; i < CALLS; i++) sink += rawApply(op, i);
        },
      },
      {
        name: 'ffikit apply_twice(js fn, x)',
        callsPerIteration: CALLS,
        fn: () => {
          for (let i = 0; i < CALLS; i++) sink += apply(op, i);
        },
      },
      {
        name: '1e6 items, JS callback per item (sync)',
        timeMs: 1500,
        fn: () => {
          ref.processWithCallback(data, (current) => {
            sink += current;
          });
        },
      },
      {
        name: '1e6 items, native counter polled every 5 ms (async)',
        timeMs: 1500,
        fn: async () => {
          await ref.processWithProgress(
            data,
            (done) => {
              sink += done;
            },
            { intervalMs: 5 },
          );
        },
      },
    ];
  },
  ratios: [
    {
      label: 'transient callback round trip: ffikit / raw koffi',
      num: 'ffikit apply_twice(js fn, x)',
      den: 'raw koffi apply_twice(js fn, x)',
      target: 1.2,
    },
    {
      label: '1e6 progress updates: per-item callback / polled counter',
      num: '1e6 items, JS callback per item (sync)',
      den: '1e6 items, native counter polled every 5 ms (async)',
      higherIsBetter: true,
    },
  ],
  teardown(c) {
    if (!Number.isFinite(c.readSink())) throw new Error('benchmark sink is not finite');
    c.edge.close();
    c.ref.close();
  },
};
