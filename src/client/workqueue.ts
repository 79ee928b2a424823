/**
 * A de-duplicating work queue as client-go's: a key queued twice is processed once, never by two
 * workers at once, and a key re-added while in flight runs again after it finishes.
 */
export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirtyWhileProcessing = new Set<string>();
  private readonly retries = new Map<string, number>();
  private waiters: Array<() => void> = [];
  private shutDown = false;

  add(key: string): void {
    if (this.shutDown) return;
    if (this.processing.has(key)) {
      this.dirtyWhileProcessing.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    this.waiters.shift()?.();
  }

  /** Re-adds after a back-off that doubles per failure (5 ms to 1000 s, as client-go's default). */
  addRateLimited(key: string): void {
    const n = this.retries.get(key) ?? 0;
    this.retries.set(key, n + 1);
    const delay = Math.min(5 * 2 ** n, 1_000_000);
    setTimeout(() => this.add(key), delay).unref();
  }

  addAfter(key: string, ms: number): void {
    setTimeout(() => this.add(key), ms).unref();
  }

  forget(key: string): void {
    this.retries.delete(key);
  }

  get length(): number {
    return this.queue.length;
  }

  async get(): Promise<string | undefined> {
    while (!this.queue.length) {
      if (this.shutDown) return undefined;
      await new Promise<void>((r) => this.waiters.push(r));
    }
    const key = this.queue.shift()!;
    this.queued.delete(key);
    this.processing.add(key);
    return key;
  }

  done(key: string): void {
    this.processing.delete(key);
    if (this.dirtyWhileProcessing.delete(key)) this.add(key);
  }

  shutdown(): void {
    this.shutDown = true;
    for (const w of this.waiters) w();
    this.waiters = [];
  }
}

/** Runs `workers` loops that take keys from the queue and sync them until the signal aborts. */
export async function runWorkers(
  queue: WorkQueue,
  workers: number,
  sync: (key: string) => Promise<void>,
  signal: AbortSignal,
  onError: (key: string, err: unknown) => void,
): Promise<void> {
  if (signal.aborted) queue.shutdown();
  else signal.addEventListener("abort", () => queue.shutdown());
  const loop = async () => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        await sync(key);
        queue.forget(key);
      } catch (e) {
        onError(key, e);
        queue.addRateLimited(key);
      } finally {
        queue.done(key);
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, loop));
}
