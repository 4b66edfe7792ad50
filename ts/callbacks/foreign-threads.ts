// Foreign-thread callbacks and the process lifetime: the loop is held while one is registered, and the process ends safely while a disposed one may still be called.

import { callbackAtExitWarning } from '../core/errors';

/** What the exit guard knows of a foreign-thread callback that was disposed but not released. */
export interface Lingering {
  readonly type: { readonly name: string };
}

// While a foreign-thread callback is registered, a native thread may call into JS at any moment, so
// the registration keeps the event loop alive like an open server socket. dispose() ends that.
let holds = 0;
let keepAlive: ReturnType<typeof setInterval> | undefined;

/** A foreign-thread callback was registered. */
export function holdLoop(): void {
  if (holds++ === 0) keepAlive = setInterval(() => undefined, 2 ** 30);
}

/** A foreign-thread callback was disposed (called once per holdLoop). */
export function releaseLoop(): void {
  if (--holds === 0 && keepAlive !== undefined) {
    clearInterval(keepAlive);
    keepAlive = undefined;
  }
}

// Disposed but not released: the trampoline stays registered (so its slot cannot go to another
// callback while a native thread may still call it) until dispose({ stopped: true }) or lib.close().
const lingering = new Set<Lingering>();
let guarded = false;

/** The callback was disposed, but a native thread may still call its trampoline. */
export function lingerAtExit(cb: Lingering): void {
  lingering.add(cb);
  if (!guarded) {
    guarded = true;
    process.on('exit', onExit);
  }
}

/** The callback's trampoline was released: nothing native can call it any more. */
export function stopLingering(cb: Lingering): void {
  lingering.delete(cb);
}

function onExit(code: number): void {
  if (lingering.size === 0) return;
  const counts = new Map<string, number>();
  for (const cb of lingering) counts.set(cb.type.name, (counts.get(cb.type.name) ?? 0) + 1);
  // process.emitWarning would print on a tick that never comes during 'exit'.
  for (const [name, count] of counts) process.emit('warning', callbackAtExitWarning(name, count));
  // When a process ends by itself, Node frees its environment after the last 'exit' listener, and a
  // native thread calling in at that moment crashes it (reproduced with the FFI layer alone).
  // process.exit() ends without that teardown, so finish through it, after running the 'exit'
  // listeners registered after this one, which ending here would otherwise skip.
  const listeners = process.listeners('exit');
  for (const listener of listeners.slice(listeners.indexOf(onExit) + 1)) listener.call(process, code);
  process.exit();
}
