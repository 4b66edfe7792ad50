// When the main thread polls for a thread worker's reply instead of sleeping until the event loop wakes it.

/**
 * How long the main thread polls for the reply of a pool's only running task, in a `setImmediate`
 * after sending it. A reply that comes within it is taken without the wake-up of a sleeping event
 * loop, which costs 10 to 60 µs on a busy or virtualised machine, more than a short call itself.
 * The event loop is held at most this long, and still turns between calls.
 */
export const kReplyPollMs = 0.02;

/** Most dispatches a run of missed polls skips before polling again. */
export const kMaxPollSkip = 64;

/**
 * Decides, per dispatch, whether to poll for the reply: every time while polls catch replies, and
 * backing off exponentially while they miss (calls longer than the budget), so a pool of long calls
 * spends at most one budget per {@link kMaxPollSkip} calls on it.
 */
export class ReplyPolls {
  /** Dispatches still to skip. */
  #skip = 0;
  /** How many the last miss made us skip (0: the last poll caught its reply). */
  #backoff = 0;

  /** Whether to poll for the reply of the task just sent. */
  shouldPoll(): boolean {
    if (this.#skip === 0) return true;
    this.#skip--;
    return false;
  }

  /** Records a poll: a caught reply resets the backoff; each miss in a row doubles the dispatches skipped. */
  record(caught: boolean): void {
    if (caught) {
      this.#backoff = 0;
      return;
    }
    this.#backoff = Math.min(kMaxPollSkip, this.#backoff === 0 ? 1 : this.#backoff * 2);
    this.#skip = this.#backoff;
  }
}
