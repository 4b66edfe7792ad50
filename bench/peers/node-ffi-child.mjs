// The peer group's child process, run on a Node version with node:ffi: measures one call four ways, prints JSON.
//
//   node node-ffi-child.mjs '{"edge": "<fixture .so>", "ref": "<libffikit_ref.so>", "napi": "<addon .node>" | null}'
//
// Every task calls the same C function (add from the edge fixture, safe_operation from the reference
// library) except the N-API floor, whose addon carries its own copy of those two bodies. Without an
// addon (napi: null) the N-API tasks are left out.
import { createRequire } from 'node:module';

import { measure } from '../measure.mjs';

const require = createRequire(import.meta.url);
const { edge, ref, napi } = JSON.parse(process.argv[2]);
const CALLS = 1000;
const LEN = 8;

const koffi = require('koffi');
const ffikit = require('../../dist/index.js');
const ffi = require('node:ffi');
const addon = napi === null ? null : require(napi);

const ffikitEdge = ffikit.load(edge);
const ffikitRef = ffikit.load(ref);
const { add } = ffikitEdge.bind({ add: 'int add(int a, int b)' });
const { safe_operation: safeOperation } = ffikitRef.bind({ safe_operation: 'int safe_operation(double *arr, size_t len)' });
const rawAdd = koffi.load(edge).func('int add(int a, int b)');
const rawSafe = koffi.load(ref).func('int safe_operation(double *arr, size_t len)');
// node:ffi's int types are its own names; a 64-bit integer argument takes a BigInt.
const nodeAdd = ffi.dlopen(edge, { add: { arguments: ['int32', 'int32'], return: 'int32' } }).functions.add;
const nodeSafe = ffi.dlopen(ref, { safe_operation: { arguments: ['pointer', 'uint64'], return: 'int32' } }).functions.safe_operation;
const LEN_BIG = BigInt(LEN);

// Each peer gets its own array: safe_operation writes sqrt in place, and after a few calls every element
// is 1.0, so every call does the same work whichever peer made it.
const [a0, a1, a2, a3] = Array.from({ length: 4 }, () => new Float64Array(LEN).fill(4));
const napiAdd = addon?.add;
const napiSafe = addon?.safe_operation;
// One literal loop per task, never a shared helper taking the callee: closures of one literal share
// their feedback, so a shared call site turns megamorphic and V8 stops inlining (node:ffi's fast calls
// lose the most). Results feed a sink so the optimizer cannot drop the calls.
let sink = 0;
const task = (name, fn) => ({ name, callsPerIteration: CALLS, fn });
const tasks = [
  task('ffikit add', () => {
    for (let i = 0; i < CALLS; i++) sink += add(i, 1);
  }),
  task('raw koffi add', () => {
    for (let i = 0; i < CALLS; i++) sink += rawAdd(i, 1);
  }),
  task('node:ffi add', () => {
    for (let i = 0; i < CALLS; i++) sink += nodeAdd(i, 1);
  }),
  task('ffikit safe_operation', () => {
    for (let i = 0; i < CALLS; i++) sink += safeOperation(a0, LEN);
  }),
  task('raw koffi safe_operation', () => {
    for (let i = 0; i < CALLS; i++) sink += rawSafe(a1, LEN);
  }),
  task('node:ffi safe_operation', () => {
    for (let i = 0; i < CALLS; i++) sink += nodeSafe(a2, LEN_BIG);
  }),
];
if (addon !== null) {
  tasks.push(
    task('N-API add', () => {
      for (let i = 0; i < CALLS; i++) sink += napiAdd(i, 1);
    }),
    task('N-API safe_operation', () => {
      for (let i = 0; i < CALLS; i++) sink += napiSafe(a3, LEN);
    }),
  );
}

// Every peer must compute the same results before its speed means anything: add(2, 3) is 5, and each
// safe_operation call takes the square root of every element in place (4, 2, 2^(1/2), ...).
const check = new Float64Array(LEN).fill(4);
const probes = [add(2, 3), rawAdd(2, 3), nodeAdd(2, 3), ...(addon === null ? [] : [addon.add(2, 3)])];
if (probes.some((r) => r !== 5)) throw new Error(`peers disagree on add(2, 3): ${probes.join(', ')}`);
const statuses = [safeOperation(check, LEN), rawSafe(check, LEN), nodeSafe(check, LEN_BIG)];
if (addon !== null) statuses.push(addon.safe_operation(check, LEN));
const expected = 4 ** (1 / 2 ** statuses.length);
if (statuses.some((s) => s !== 0) || Math.abs(check[0] - expected) > 1e-15) {
  throw new Error(`peers disagree on safe_operation: statuses ${statuses.join(', ')}, element ${check[0]}, expected ${expected}`);
}

const ns = await measure(tasks);
if (!Number.isFinite(sink)) throw new Error('benchmark sink is not finite');
ffikitEdge.close();
ffikitRef.close();
process.stdout.write(`${JSON.stringify({ node: process.version, ns })}\n`);
