import { type Clock, realClock } from "../util/clock.ts";
import type { Store } from "./types.ts";

export interface CompactorDeps {
  store: Store;
  intervalMs: number;
  logger?: { info(msg: string, fields?: object): void };
  clock?: Clock;
  /** Told after each compaction, so caches of history (the watch cache) can forget it too. */
  onCompacted?: (revision: number) => void;
}

/**
 * Periodically forgets history. Each tick compacts to the revision seen at the previous tick, so
 * watchers and paged lists always have at least one interval of history to resume from
 * (upstream: k8s.io/apiserver/pkg/storage/etcd3/compact.go, every 5 minutes).
 */
export class Compactor {
  private readonly deps: CompactorDeps;

  constructor(deps: CompactorDeps) {
    this.deps = deps;
  }

  async run(signal: AbortSignal): Promise<void> {
    const { store, intervalMs, logger } = this.deps;
    const clock = this.deps.clock ?? realClock;
    let previous = 0;
    while (!signal.aborted) {
      await sleep(clock, intervalMs, signal);
      if (signal.aborted) return;
      try {
        const current = await store.currentRevision();
        if (previous > 0 && previous > (await store.compactedRevision())) {
          await store.compact(previous);
          this.deps.onCompacted?.(previous);
          logger?.info("compacted storage", { revision: previous, currentRevision: current });
        }
        previous = current;
      } catch (err) {
        // A failed tick (store briefly unavailable) is retried at the next one.
        logger?.info("storage compaction failed", { error: String(err) });
      }
    }
  }
}

function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = clock.setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      timer.cancel();
      resolve();
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
