// Checked mode and tracing: what a checked 1 KiB buffer call costs next to the unchecked one, and what
// the ffikit:call tracing channel costs with and without a subscriber, next to raw koffi.
'use strict';

const dc = require('node:diagnostics_channel');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const koffi = require('koffi');
const ffikit = require('../../dist/index.js');
const { buildFixtures } = require('../../tests/fixtures/build');

const CALLS = 1000;
const DECL = { sum: 'long sum_bytes(const uint8_t *p, size_t n)', write: 'void write_span(uint8_t *p, long offset, size_t n, int value)' };

module.exports = {
  title: 'Checked mode (1 KiB buffer) and ffikit:call tracing vs unchecked, untraced and raw koffi',
  setup() {
    const fx = buildFixtures();
    // A second copy of the file: one process can open a library only once, checked or not.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ffikit-bench-checked-'));
    const copy = path.join(dir, 'libchecked-copy.so');
    fs.copyFileSync(fx.checked, copy);
    const plain = ffikit.load(fx.checked);
    const checked = ffikit.load(copy, { checked: true });
    const edge = ffikit.load(fx.edge);
    const raw = koffi.load(fx.edge);
    return {
      dir,
      libs: [plain, checked, edge],
      plain: plain.bind(DECL),
      checked: checked.bind(DECL),
      add: edge.bind({ add: 'int add(int a, int b)' }).add,
      rawAdd: raw.func('int add(int a, int b)'),
      buffer: new Uint8Array(1024).fill(1),
      raw,
    };
  },
  tasks: (c) => {
    let sink = 0;
    c.readSink = () => sink;
    const { plain, checked, add, rawAdd, buffer } = c;
    const channel = dc.tracingChannel('ffikit:call');
    const subscriber = { start() {}, end() {}, asyncStart() {}, asyncEnd() {}, error() {} };
    const task = (name, body) => ({ name, callsPerIteration: CALLS, fn: body });
    return [
      task('unchecked: write_span + sum_bytes, 1 KiB Uint8Array', () => {
        for (let i = 0; i < CALLS; i += 2) {
          plain.write(buffer, 0, 1024, i & 255);
          sink += plain.sum(buffer, 1024);
        }
      }),
      task('checked: write_span + sum_bytes, 1 KiB Uint8Array', () => {
        for (let i = 0; i < CALLS; i += 2) {
          checked.write(buffer, 0, 1024, i & 255);
          sink += checked.sum(buffer, 1024);
        }
      }),
      task('raw koffi add(int, int)', () => {
        for (let i = 0; i < CALLS; i++) sink += rawAdd(i, 1);
      }),
      task('ffikit add(int, int), no subscriber', () => {
        for (let i = 0; i < CALLS; i++) sink += add(i, 1);
      }),
      task('ffikit add(int, int), ffikit:call subscribed', () => {
        channel.subscribe(subscriber);
        try {
          for (let i = 0; i < CALLS; i++) sink += add(i, 1);
        } finally {
          channel.unsubscribe(subscriber);
        }
      }),
    ];
  },
  ratios: [
    {
      label: 'checked / unchecked, 1 KiB buffer calls',
      num: 'checked: write_span + sum_bytes, 1 KiB Uint8Array',
      den: 'unchecked: write_span + sum_bytes, 1 KiB Uint8Array',
      target: 3,
    },
    { label: 'add, no subscriber / raw koffi', num: 'ffikit add(int, int), no subscriber', den: 'raw koffi add(int, int)', target: 1.1 },
    {
      label: 'add, ffikit:call subscribed / raw koffi',
      num: 'ffikit add(int, int), ffikit:call subscribed',
      den: 'raw koffi add(int, int)',
    },
  ],
  teardown(c) {
    if (!Number.isFinite(c.readSink())) throw new Error('benchmark sink is not finite');
    for (const lib of c.libs) lib.close();
    fs.rmSync(c.dir, { recursive: true, force: true });
  },
};
