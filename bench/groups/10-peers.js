// Peers side by side: ffikit vs raw koffi, node:ffi (on Node 26, in a child process) and an N-API addon floor.
'use strict';

const { spawnSync } = require('node:child_process');
const path = require('node:path');

const ffikit = require('../../dist/index.js');
const { buildFixtures } = require('../../tests/fixtures/build');
const { buildNapiFloor } = require('../napi-floor/build');

const root = path.resolve(__dirname, '..', '..');
const CALLS = 1000;
const LEN = 8;
const NODE_FFI_MAJOR = '26';
// Figures from the child process are named after the Node version that made them.
const on26 = (name) => `Node ${NODE_FFI_MAJOR}: ${name}`;

/** Fetches the pinned Node 26 the way the Node matrix does; returns its binary or why there is none. */
function fetchNode26() {
  const fetched = spawnSync('bash', [path.join(root, 'scripts', 'node-matrix.sh'), '--fetch', NODE_FFI_MAJOR], { encoding: 'utf8' });
  const binary = fetched.stdout?.split('\n').find((line) => line.endsWith('/bin/node'));
  if (fetched.status === 0 && binary) return { binary };
  const why = (fetched.stderr || fetched.error?.message || `exit ${fetched.status}`).trim().split('\n').pop();
  return { skip: `Node ${NODE_FFI_MAJOR} could not be fetched (${why})` };
}

/** Runs bench/peers/node-ffi-child.mjs on Node 26; returns its figures or why there are none. */
function measureOnNode26(paths) {
  const node = fetchNode26();
  if (node.skip) return node;
  const child = spawnSync(
    node.binary,
    ['--disable-warning=ExperimentalWarning', path.join(__dirname, '..', 'peers', 'node-ffi-child.mjs'), JSON.stringify(paths)],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 },
  );
  if (child.status !== 0)
    return { skip: `the Node ${NODE_FFI_MAJOR} child process failed (exit ${child.status ?? child.signal}; its stderr is above)` };
  const { node: version, ns } = JSON.parse(child.stdout.trim().split('\n').pop());
  return { version, ns: Object.fromEntries(Object.entries(ns).map(([name, v]) => [on26(name), v])) };
}

module.exports = {
  title: 'Peers (ffikit vs raw koffi, node:ffi and an N-API addon floor; same C functions)',
  setup() {
    const edgePath = buildFixtures().edge;
    const ref = ffikit.reference();
    let napi = null;
    let napiSkip;
    try {
      napi = buildNapiFloor();
    } catch (error) {
      napiSkip = error.message;
    }
    const node26 = measureOnNode26({ edge: edgePath, ref: ref.path, napi });
    const edge = ffikit.load(edgePath);
    const refLib = ffikit.load(ref.path);
    return {
      ref,
      edge,
      refLib,
      node26,
      napiSkip,
      addon: napi === null ? null : require(napi),
      add: edge.bind({ add: 'int add(int a, int b)' }).add,
      safeOperation: refLib.bind({ safe_operation: 'int safe_operation(double *arr, size_t len)' }).safe_operation,
      arrays: [new Float64Array(LEN).fill(4), new Float64Array(LEN).fill(4)],
    };
  },
  notes: (c) => [c.node26.skip, c.napiSkip].filter((note) => note !== undefined),
  external: (c) => c.node26.ns ?? {},
  tasks: (c) => {
    // One literal loop per task (see bench/peers/node-ffi-child.mjs for why); results feed a sink.
    let sink = 0;
    c.readSink = () => sink;
    const { add, safeOperation, addon } = c;
    const [a0, a1] = c.arrays;
    const task = (name, fn) => ({ name, callsPerIteration: CALLS, fn });
    const tasks = [
      task('ffikit add', () => {
        for (let i = 0; i < CALLS; i++) sink += add(i, 1);
      }),
      task('ffikit safe_operation', () => {
        for (let i = 0; i < CALLS; i++) sink += safeOperation(a0, LEN);
      }),
    ];
    if (addon !== null) {
      const { add: napiAdd, safe_operation: napiSafe } = addon;
      tasks.push(
        task('N-API add', () => {
          for (let i = 0; i < CALLS; i++) sink += napiAdd(i, 1);
        }),
        task('N-API safe_operation', () => {
          for (let i = 0; i < CALLS; i++) sink += napiSafe(a1, LEN);
        }),
      );
    }
    return tasks;
  },
  ratios: (c) => {
    const here = `Node ${process.versions.node.split('.')[0]}`;
    const there = `Node ${NODE_FFI_MAJOR}`;
    // A row whose peer is missing keeps its place and names what is missing (the notes above say why).
    const no26 = c.node26.skip === undefined ? undefined : `no ${there} (see the note above)`;
    const noNapi = c.napiSkip === undefined ? undefined : 'no N-API floor addon (see the note above)';
    const row = (label, num, den, target, ...skips) => {
      const skip = skips.find((s) => s !== undefined);
      return skip === undefined ? { label, num, den, target } : { label, skip };
    };
    return [
      row(`add: ffikit / node:ffi (${there})`, on26('ffikit add'), on26('node:ffi add'), 1.0, no26),
      row(`add: ffikit / N-API floor (${there})`, on26('ffikit add'), on26('N-API add'), 1.4, no26, noNapi),
      row(`add: raw koffi / node:ffi (${there})`, on26('raw koffi add'), on26('node:ffi add'), undefined, no26),
      row(`add: node:ffi / N-API floor (${there})`, on26('node:ffi add'), on26('N-API add'), undefined, no26, noNapi),
      row(`typed array: ffikit / node:ffi (${there})`, on26('ffikit safe_operation'), on26('node:ffi safe_operation'), 1.0, no26),
      row(`typed array: ffikit / N-API floor (${there})`, on26('ffikit safe_operation'), on26('N-API safe_operation'), 1.4, no26, noNapi),
      row(
        `typed array: raw koffi / node:ffi (${there})`,
        on26('raw koffi safe_operation'),
        on26('node:ffi safe_operation'),
        undefined,
        no26,
      ),
      row(`add: ffikit / N-API floor (${here})`, 'ffikit add', 'N-API add', 1.4, noNapi),
      row(`typed array: ffikit / N-API floor (${here})`, 'ffikit safe_operation', 'N-API safe_operation', 1.4, noNapi),
    ];
  },
  teardown(c) {
    if (c.readSink && !Number.isFinite(c.readSink())) throw new Error('benchmark sink is not finite');
    c.edge.close();
    c.refLib.close();
    c.ref.close();
  },
};
