// Struct arrays at 1e5 elements: an array of objects (checked, copied by koffi) vs a StructArray (zero-copy), read-only and _Inout_.
'use strict';

const koffi = require('koffi');
const ffikit = require('../../dist/index.js');
const { buildFixtures } = require('../../tests/fixtures/build');

const N = 100_000;
// Copying 1e5 objects takes tens of milliseconds: a few runs per round are enough.
const FEW = 4;

module.exports = {
  title: 'Struct arrays, 1e5 elements (array of objects, copied vs StructArray, zero-copy)',
  setup() {
    const path = buildFixtures().structArrays;
    ffikit.struct('Item', { id: 'int32_t', weight: 'double' });
    const lib = ffikit.load(path);
    const m = lib.bind({
      sum: { fn: 'double sum_items(const Item *items, size_t n)', arrays: { items: { length: 'n' } } },
      scale: { fn: 'void scale_items(_Inout_ Item *items, size_t n, double k)', arrays: { items: { length: 'n' } } },
    });
    const raw = koffi.load(path);
    const RawItem = koffi.struct('RawItem', { id: 'int32_t', weight: 'double' });
    const rawSum = raw.func('sum_items', 'double', [koffi.pointer(RawItem), 'size_t']);
    const objects = Array.from({ length: N }, (_, i) => ({ id: i, weight: 0.5 }));
    return { lib, m, rawSum, objects, native: ffikit.StructArray.from('Item', objects) };
  },
  tasks: (c) => {
    let sink = 0;
    c.readSink = () => sink;
    const { m, rawSum, objects, native } = c;
    return [
      { name: 'raw koffi sum_items(1e5 objects), copied', iterations: FEW, fn: () => void (sink += rawSum(objects, N)) },
      { name: 'ffikit sum_items(1e5 objects), checked + copied', iterations: FEW, fn: () => void (sink += m.sum(objects)) },
      { name: 'ffikit sum_items(StructArray 1e5), zero-copy', fn: () => void (sink += m.sum(native)) },
      // k = 1 keeps the values stable across iterations; C still reads and writes every element.
      {
        name: 'ffikit scale_items(_Inout_ 1e5 objects), copied both ways',
        iterations: FEW,
        fn: () => m.scale(objects, undefined, 1),
      },
      { name: 'ffikit scale_items(_Inout_ StructArray 1e5), zero-copy', fn: () => m.scale(native, undefined, 1) },
    ];
  },
  ratios: [
    {
      label: 'read 1e5 structs: copied / zero-copy',
      num: 'ffikit sum_items(1e5 objects), checked + copied',
      den: 'ffikit sum_items(StructArray 1e5), zero-copy',
      higherIsBetter: true,
    },
    {
      label: '_Inout_ 1e5 structs: copied / zero-copy',
      num: 'ffikit scale_items(_Inout_ 1e5 objects), copied both ways',
      den: 'ffikit scale_items(_Inout_ StructArray 1e5), zero-copy',
      higherIsBetter: true,
    },
    {
      label: 'copied 1e5 structs: ffikit / raw koffi',
      num: 'ffikit sum_items(1e5 objects), checked + copied',
      den: 'raw koffi sum_items(1e5 objects), copied',
      target: 1.25,
    },
  ],
  teardown(c) {
    if (!Number.isFinite(c.readSink())) throw new Error(`benchmark sink is not finite: ${c.readSink()}`);
    c.native.dispose();
    c.lib.close();
  },
};
