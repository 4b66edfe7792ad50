// Real-header shapes: what typed handles, enumerations, _Nonnull and variadic calls cost next to their plain forms.
'use strict';

const koffi = require('koffi');
const ffikit = require('../../dist/index.js');
const { buildFixtures } = require('../../tests/fixtures/build');

const CALLS = 1000;

module.exports = {
  title: 'Real-header shapes (typed handle, enumeration, _Nonnull, variadic) vs their plain forms',
  setup() {
    const edgePath = buildFixtures().edge;
    ffikit.opaque('BenchCounter');
    ffikit.enumeration('BenchStatus', { OK: 0, WARN: 1, FAIL: 2, FATAL: 3 });
    const edge = ffikit.load(edgePath);
    const m = edge.bind({
      newCounter: 'BenchCounter *counter_new(int start)',
      freeCounter: { fn: 'void counter_free(BenchCounter *c)', disposes: 'c' },
      nextTyped: 'int counter_next(BenchCounter *c)',
      nextRaw: 'int counter_next(void *c)',
      addInt: 'int add(int a, int b)',
      addEnum: 'int add(BenchStatus a, int b)',
      lenPlain: 'size_t str_len(const char *s)',
      lenNonnull: 'size_t str_len(_Nonnull const char *s)',
      vaSum: 'int va_sum(int n, ...)',
    });
    const raw = koffi.load(edgePath);
    const counter = m.newCounter(0);
    return {
      edge,
      m,
      counter,
      address: counter.pointer,
      vaSum3: m.vaSum.variadic('int', 'int', 'int'),
      rawVaSum: raw.func('int va_sum(int n, ...)'),
      raw,
    };
  },
  tasks: (c) => {
    let sink = 0;
    c.readSink = () => sink;
    const { m, counter, address, vaSum3, rawVaSum } = c;
    const { nextTyped, nextRaw, addInt, addEnum, lenPlain, lenNonnull } = m;
    const task = (name, body) => ({ name, callsPerIteration: CALLS, fn: body });
    return [
      task('untyped pointer param: counter_next(void *) with a bigint', () => {
        for (let i = 0; i < CALLS; i++) sink += nextRaw(address);
      }),
      task('typed handle param: counter_next(Counter *) with a Handle', () => {
        for (let i = 0; i < CALLS; i++) sink += nextTyped(counter);
      }),
      task('int param: add(int, int)', () => {
        for (let i = 0; i < CALLS; i++) sink += addInt(i & 3, 1);
      }),
      task('enumeration param: add(BenchStatus, int)', () => {
        for (let i = 0; i < CALLS; i++) sink += addEnum(i & 3, 1);
      }),
      task('plain string param: str_len(const char *)', () => {
        for (let i = 0; i < CALLS; i++) sink += lenPlain('bench');
      }),
      task('_Nonnull string param: str_len(_Nonnull const char *)', () => {
        for (let i = 0; i < CALLS; i++) sink += lenNonnull('bench');
      }),
      task("raw koffi variadic: va_sum(3, 'int', 1, 'int', 2, 'int', 3)", () => {
        for (let i = 0; i < CALLS; i++) sink += rawVaSum(3, 'int', 1, 'int', 2, 'int', i);
      }),
      task("ffikit variadic: va_sum.variadic('int', 'int', 'int')(3, 1, 2, 3)", () => {
        for (let i = 0; i < CALLS; i++) sink += vaSum3(3, 1, 2, i);
      }),
    ];
  },
  ratios: [
    {
      label: 'typed handle - untyped pointer (ns)',
      num: 'typed handle param: counter_next(Counter *) with a Handle',
      den: 'untyped pointer param: counter_next(void *) with a bigint',
      kind: 'diff',
      target: 5,
    },
    {
      label: 'enumeration - int param (ns)',
      num: 'enumeration param: add(BenchStatus, int)',
      den: 'int param: add(int, int)',
      kind: 'diff',
      target: 3,
    },
    {
      label: '_Nonnull - plain string param (ns)',
      num: '_Nonnull string param: str_len(_Nonnull const char *)',
      den: 'plain string param: str_len(const char *)',
      kind: 'diff',
      target: 2,
    },
    {
      label: 'variadic: ffikit / raw koffi',
      num: "ffikit variadic: va_sum.variadic('int', 'int', 'int')(3, 1, 2, 3)",
      den: "raw koffi variadic: va_sum(3, 'int', 1, 'int', 2, 'int', 3)",
      target: 1.3,
    },
  ],
  teardown(c) {
    if (!Number.isFinite(c.readSink())) throw new Error('benchmark sink is not finite');
    c.m.freeCounter(c.counter);
    c.edge.close();
  },
};
