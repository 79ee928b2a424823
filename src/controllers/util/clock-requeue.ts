import type { WorkQueue } from "../../client/workqueue.ts";
import type { Clock } from "../../util/clock.ts";

/**
 * queue.AddAfter on the injected clock, so that tests move time instead of sleeping. Keeps one
 * timer per key (the earliest wins) and cancels them all when stopped.
 */
export class ClockRequeue {
  private readonly clock: Clock;
  private readonly queue: WorkQueue;
  private readonly timers = new Map<string, { at: number; cancel(): void }>();
  private stopped = false;

  constructor(clock: Clock, queue: WorkQueue) {
    this.clock = clock;
    this.queue = queue;
  }

  after(key: string, ms: number): void {
    if (this.stopped) return;
    if (ms <= 0) {
      this.queue.add(key);
      return;
    }
    const at = this.clock.now().getTime() + ms;
    const pending = this.timers.get(key);
    if (pending && pending.at <= at) return;
    pending?.cancel();
    const timer = this.clock.setTimeout(() => {
      this.timers.delete(key);
      this.queue.add(key);
    }, ms);
    this.timers.set(key, { at, cancel: () => timer.cancel() });
  }

  /** When the key is next due, in ms since the epoch, if a timer is pending. */
  pendingAt(key: string): number | undefined {
    return this.timers.get(key)?.at;
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
  }
}
