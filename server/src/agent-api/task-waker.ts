// Wakes long-polling lease requests when agent tasks change in this process.
export class TaskWaker {
  readonly #waiters = new Set<() => void>();

  wake(): void {
    for (const w of [...this.#waiters]) w();
  }

  /** Resolve after `ms`, on wake(), or when `signal` aborts, whichever comes first. */
  wait(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#waiters.add(done);
      signal?.addEventListener("abort", done, { once: true });
    });
  }
}
