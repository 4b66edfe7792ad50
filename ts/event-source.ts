// EventSource: the reference library's native event thread, stopped by the shutdown protocol.

import './polyfills';
import type { RegisteredCallback } from './callbacks';
import type { ReferenceLibrary } from './reference';

/** A running native event source (see {@link ReferenceLibrary.startEvents}). */
export class EventSource implements AsyncDisposable {
  readonly #ref: ReferenceLibrary;
  readonly #callback: RegisteredCallback;
  #stopping: Promise<void> | undefined;

  /** @internal */
  constructor(ref: ReferenceLibrary, callback: RegisteredCallback) {
    this.#ref = ref;
    this.#callback = callback;
  }

  /** The registered callback the native thread calls (listen for its 'error' events). */
  get callback(): RegisteredCallback {
    return this.#callback;
  }

  /** Callbacks completed so far. */
  get emitted(): number {
    return Number(this.#ref.fn.ffikit_events_emitted());
  }

  /**
   * Stops issuing, joins the native thread off the main thread, then unregisters the callback (which
   * also stops keeping the process alive). Idempotent; safe to call from inside the callback.
   */
  stop(): Promise<void> {
    // Joining on the main thread could deadlock with a callback waiting for it: join in .async.
    const stopping = this.#stopping ?? this.#ref.fn.ffikit_events_stop.async().then(() => this.#callback.dispose({ stopped: true }));
    this.#stopping = stopping;
    return stopping;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}
