// The balancer: worker slots and their states, and which idle worker gets the next task under the policy.

import type { Task } from './task-queue';
import type { WorkerHandle } from './worker-handle';

/**
 * `starting`: spawned, loading the library; `idle`; `busy`: running a task (possibly one whose promise
 * already settled, after a timeout in a thread); `stopping`: told to exit; `dead`: gone, not replaced.
 */
export type SlotState = 'starting' | 'idle' | 'busy' | 'stopping' | 'dead';

/** One worker position in the pool; its worker is replaced after a crash. */
export class Slot {
  readonly index: number;
  state: SlotState = 'dead';
  handle: WorkerHandle | undefined;
  task: Task | undefined;
  /** Resolves when the current worker has exited. */
  exited: Promise<void> = Promise.resolve();
  /** Resolves `exited` (set for each new worker). */
  markExited: () => void = () => undefined;
  /** The current worker answered `init` (ready or init-error): an exit before that is a startup failure. */
  reported = false;
  /** The executor killed the current worker: its exit says nothing about the library. */
  killed = false;
  /** When this worker last finished a task (a balancer tick; 0: never). */
  freedAt = 0;

  constructor(index: number) {
    this.index = index;
  }
}

/** Picks workers: any idle one in parallel mode, and only when nothing runs in serial mode. */
export class Balancer {
  readonly slots: readonly Slot[];
  readonly #serial: boolean;
  #tick = 0;

  constructor(count: number, serial: boolean) {
    this.slots = Array.from({ length: count }, (_, i) => new Slot(i));
    this.#serial = serial;
  }

  /** Workers running a task (including cancelled tasks a thread is still executing). */
  get busy(): number {
    let n = 0;
    for (const s of this.slots) if (s.state === 'busy') n++;
    return n;
  }

  /**
   * The worker for the next task, or undefined: the idle one that finished a task last. It is still
   * awake (a worker polls for a moment before it sleeps), so it starts at once where a sleeping
   * one would first have to be woken by the scheduler. In serial mode a busy worker (even one still
   * finishing a timed-out call) blocks the pool.
   */
  pick(): Slot | undefined {
    if (this.#serial && this.busy > 0) return undefined;
    let best: Slot | undefined;
    for (const slot of this.slots) if (slot.state === 'idle' && (best === undefined || slot.freedAt > best.freedAt)) best = slot;
    return best;
  }

  /** Records that `slot` just finished its task. */
  freed(slot: Slot): void {
    slot.freedAt = ++this.#tick;
  }

  /** The slot whose worker is running `task`. */
  slotOf(task: Task): Slot | undefined {
    return this.slots.find((s) => s.task === task);
  }
}
