// EventSource: the reference library's native event thread, stopped by the shutdown protocol.

import '../core/polyfills';
import type { RegisteredCallback } from '../callbacks/registered';

/** The two native functions an event source drives: its counter and its (off-main-thread) stop. */
export interface EventSourceControls {
  /** Callbacks completed so far. */
  readonly emitted: () => number | bigint;
  /** Stops issuing and joins the native thread; must run off the main thread (an `.async` call). */
  readonly stop: () => Promise<unknown>;
}

/** A running native event source (see `ReferenceLibrary.startEvents`). */
export class EventSource implements AsyncDisposable {
  readonly #controls: EventSourceControls;
  readonly #callback: RegisteredCallback;
  #stopping: Promise<void> | undefined;

  /** @internal */
  constructor(controls: EventSourceControls, callback: RegisteredCallback) {
    this.#controls = controls;
    this.#callback = callback;
  }

  /** The registered callback the native thread calls (listen for its 'error' events). */
  get callback(): RegisteredCallback {
    return this.#callback;
  }

  /** Callbacks completed so far. */
  get emitted(): number {
    return Number(this.#controls.emitted());
  }

  /**
   * Stops issuing, joins the native thread off the main thread, then disposes the callback with
   * `{ stopped: true }`, releasing its trampoline at once (no exit warning, nothing keeps the process
   * alive). Idempotent; safe to call from inside the callback, and after `callback.dispose()`.
   */
  stop(): Promise<void> {
    // Joining on the main thread could deadlock with a callback waiting for it: join in .async.
    const stopping = this.#stopping ?? this.#controls.stop().then(() => this.#callback.dispose({ stopped: true }));
    this.#stopping = stopping;
    return stopping;
  }

  /** Same as {@link EventSource.stop}: for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}
