// Example: checked mode, an FFI sanitizer — a buffer overrun, an underrun and a late callback, each
// reported at the call that did it while the process goes on unharmed.
import * as ffikit from 'ffikit';

import { exampleLibrary } from './native/build.js';

// examples/native/misbehave.c (never shipped): fill_digest() writes 32 bytes whatever it is given,
// mark_before() writes the byte before its buffer, emit_event() calls a callback it stored earlier.
using lib = ffikit.load(exampleLibrary('misbehave'), { checked: true }); // or FFIKIT_CHECKED=1 for every library
const Notify = ffikit.callbackType('void notify_fn(int event)');
const m = lib.bind({
  fillDigest: 'void fill_digest(uint8_t *out)',
  markBefore: 'void mark_before(uint8_t *p)',
  setNotify: 'void set_notify(notify_fn fn)',
  emit: 'void emit_event(int event)',
});

function report(what: string, call: () => unknown): void {
  try {
    call();
    console.log(`${what}: no error`);
  } catch (err) {
    if (!(err instanceof ffikit.MemoryCorruptionError || err instanceof ffikit.CallbackError)) throw err;
    console.log(`${what}: ${err.name} ${err.code}\n  ${err.message.split('\n').slice(0, 2).join('\n  ')}`);
  }
}

// A digest written into a buffer half its size: unchecked, 16 bytes of the heap would be overwritten.
const digest = new Uint8Array(16);
report('fill_digest(16-byte buffer)', () => m.fillDigest(digest));
console.log(`  the 16 bytes that fit arrived: ${Buffer.from(digest).toString('hex').slice(0, 16)}...`);
report('fill_digest(32-byte buffer)', () => m.fillDigest(new Uint8Array(32)));
report('mark_before(buffer)', () => m.markBefore(new Uint8Array(8)));

// A callback C keeps and calls after it was disposed: reported with where it was registered.
function listen(): ffikit.RegisteredCallback {
  return lib.register(Notify, (event: number) => console.log(`  event ${event}`));
}
const cb = listen();
m.setNotify(cb);
m.emit(1);
cb.dispose();
report('emit_event after dispose()', () => m.emit(2));
m.setNotify(null);

// The process is intact: the stray writes landed in guard zones, not in the heap.
for (let i = 0; i < 10_000; i++) ffikit.ManagedArray.create('uint8', 64).dispose();
console.log('10,000 allocations later the process is fine');
