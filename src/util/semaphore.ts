// Bounds how many LLM requests are in flight at once: providers throttle (429) long before a
// build runs out of work, and a bound keeps a 1,000-scenario build from opening 7,000 sockets.

/** Frees the slot; calling it twice frees it once. */
export type Release = () => void;

export class Semaphore {
  readonly #limit: number;
  #inUse = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new Error(`internal error: semaphore limit must be a positive integer, got ${limit}`);
    this.#limit = limit;
  }

  /** Resolves with a release function once a slot is free; null when `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<Release | null> {
    if (signal?.aborted) return Promise.resolve(null);
    if (this.#inUse < this.#limit) {
      this.#inUse += 1;
      return Promise.resolve(this.#releaser());
    }
    return new Promise((resolve) => {
      const grant = (): void => {
        signal?.removeEventListener('abort', giveUp);
        this.#inUse += 1;
        resolve(this.#releaser());
      };
      const giveUp = (): void => {
        const index = this.#waiting.indexOf(grant);
        if (index >= 0) this.#waiting.splice(index, 1);
        resolve(null);
      };
      signal?.addEventListener('abort', giveUp, { once: true });
      this.#waiting.push(grant);
    });
  }

  /** Slots taken right now (for tests and progress). */
  get inUse(): number {
    return this.#inUse;
  }

  #releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#inUse -= 1;
      this.#waiting.shift()?.();
    };
  }
}
