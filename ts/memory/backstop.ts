// A FinalizationRegistry that only registers the objects still alive when the task that made them ends.

/** What a {@link Backstop} keeps per object: the cleanup's input, with the registry's bookkeeping. */
export interface Watched {
  /** Index in the nursery, or -1. */
  nursery: number;
  /** Registered with the FinalizationRegistry. */
  registered: boolean;
}

// The cap bounds what one long synchronous loop holds before its objects are registered.
const NURSERY_CAP = 1024;

/**
 * V8 keeps the target of every FinalizationRegistry entry alive through minor GCs (it is promoted to the
 * old generation), and registering plus unregistering costs about a microsecond. Most native memory is
 * released by the task that allocated it, so new objects wait in a nursery (held strongly, removed in
 * O(1) when released, so released ones do not linger and survive minor GCs) and only those still alive
 * when the task ends (or when the nursery is full) are registered.
 */
export class Backstop<T extends Watched> {
  readonly #registry: FinalizationRegistry<T>;
  readonly #targets: object[] = [];
  readonly #held: T[] = [];
  #scheduled = false;
  readonly #flush = (): void => this.flush();

  /** @param cleanup Runs (as a finalizer) for each object collected while watched; it must not throw. */
  constructor(cleanup: (held: T) => void) {
    this.#registry = new FinalizationRegistry(cleanup);
  }

  /** Starts watching `target`: `cleanup(held)` runs if it is collected before {@link Backstop.unwatch}. */
  watch(target: object, held: T): void {
    if (this.#held.length >= NURSERY_CAP) this.flush();
    held.nursery = this.#held.length;
    this.#targets.push(target);
    this.#held.push(held);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#flush).unref();
    }
  }

  /** Stops watching (the owner released the memory itself). */
  unwatch(held: T): void {
    const i = held.nursery;
    if (i >= 0) {
      // Swap with the last entry; pop(), not `length =` (V8 handles a length store in the runtime).
      const moved = this.#held.pop() as T;
      const movedTarget = this.#targets.pop() as object;
      if (moved !== held) {
        this.#held[i] = moved;
        this.#targets[i] = movedTarget;
        moved.nursery = i;
      }
      held.nursery = -1;
    } else if (held.registered) {
      held.registered = false;
      this.#registry.unregister(held);
    }
  }

  /** Registers everything in the nursery. */
  flush(): void {
    this.#scheduled = false;
    const targets = this.#targets;
    const helds = this.#held;
    for (let i = 0; i < helds.length; i++) {
      const held = helds[i] as T;
      held.nursery = -1;
      held.registered = true;
      this.#registry.register(targets[i] as object, held, held);
    }
    targets.length = 0;
    helds.length = 0;
  }
}
