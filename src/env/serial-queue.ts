// Runs tasks one at a time in the order given: the calls of one session, and its resets and saves,
// must not overlap (each session has one database and one transaction at a time). Different
// sessions have different queues and run concurrently.
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => T | Promise<T>): Promise<T> {
    const result = this.#tail.then(task);
    // The next task waits for this one to settle, whether it failed or not.
    this.#tail = result.catch(() => undefined);
    return result;
  }

  /** Settles when every task queued so far has. */
  idle(): Promise<void> {
    return this.#tail.then(() => undefined);
  }
}
