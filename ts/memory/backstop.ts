// A FinalizationRegistry that only registers the objects still alive when the task that made them ends.

/** What a {@link Backstop} keeps per object: the cleanup's input, with the registry's bookkeeping. */
export interface Watched {
  /** The object itself while it waits in the nursery (never once registered: that would keep it alive). */
  target: object | undefined;
  /** Registered with the FinalizationRegistry. */
  registered: boolean;
}

// The cap bounds what one long synchronous loop holds before its objects are registered.
const NURSERY_CAP = 1024;

/**
 * V8 keeps the target of every FinalizationRegistry entry alive through minor GCs (it is promoted to the
 * old generation), and registering plus unregistering costs about a microsecond. Most native memory is
 * released by the task that allocated it, so new objects wait in a nursery (held strongly by their
 * record; releasing one just drops that reference) and only those still alive when the task ends (or
 * when the nursery is full) are registered.
 */
export class Backstop<T extends Watched> {
  readonly #registry: FinalizationRegistry<T>;
  #nursery: T[] = [];
  #scheduled = false;
  readonly #flush = (): void => this.flush();

  /** @param cleanup Runs (as a finalizer) for each object collected while watched; it must not throw. */
  constructor(cleanup: (held: T) => void) {
    this.#registry = new FinalizationRegistry(cleanup);
  }

  /** Starts watching `target`: `cleanup(held)` runs if it is collected before {@link Backstop.unwatch}. */
  watch(target: object, held: T): void {
    if (this.#nursery.length >= NURSERY_CAP) this.flush();
    held.target = target;
    this.#nursery.push(held);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#flush).unref();
    }
  }

  /** Stops watching (the owner released the memory itself). */
  unwatch(held: T): void {
    if (held.target !== undefined) {
      held.target = undefined;
    } else if (held.registered) {
      held.registered = false;
      this.#registry.unregister(held);
    }
  }

  /** Registers what is still watched in the nursery. */
  flush(): void {
    this.#scheduled = false;
    const nursery = this.#nursery;
    this.#nursery = [];
    for (const held of nursery) {
      const target = held.target;
      if (target === undefined) continue;
      held.target = undefined;
      held.registered = true;
      this.#registry.register(target, held, held);
    }
  }
}
