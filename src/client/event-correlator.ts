// client-go's EventCorrelator (tools/record/events_cache.go): similar events are folded into one
// "(combined from similar events)" event, repeats raise a count, and a per-object token bucket
// drops event storms (burst 25, then one every 5 minutes).

const AGGREGATE_MAX_EVENTS = 10;
const AGGREGATE_INTERVAL_MS = 600_000;
const SPAM_BURST = 25;
const SPAM_REFILL_MS = 300_000;

export interface CorrelationInput {
  /** Identifies the source and involved object (component, kind, namespace, name, uid). */
  objectKey: string;
  type: string;
  reason: string;
  message: string;
}

export interface Correlation {
  skip: boolean;
  message: string;
  /** Events with the same dedupe key are one Event whose count rises. */
  dedupeKey: string;
}

export class EventCorrelator {
  private readonly aggregates = new Map<string, { messages: Set<string>; last: number }>();
  private readonly buckets = new Map<string, { tokens: number; last: number }>();

  correlate(e: CorrelationInput, nowMs: number): Correlation {
    const aggKey = `${e.objectKey}|${e.type}|${e.reason}`;
    let agg = this.aggregates.get(aggKey);
    if (!agg || nowMs - agg.last > AGGREGATE_INTERVAL_MS) {
      agg = { messages: new Set(), last: nowMs };
      this.aggregates.set(aggKey, agg);
    }
    agg.last = nowMs;
    let message = e.message;
    let dedupeKey = `${aggKey}|${e.message}`;
    if (agg.messages.has(e.message) || agg.messages.size < AGGREGATE_MAX_EVENTS) {
      agg.messages.add(e.message);
    } else {
      message = `(combined from similar events): ${e.message}`;
      dedupeKey = aggKey;
    }
    const skip = !this.take(e.objectKey, nowMs);
    this.trim();
    return { skip, message, dedupeKey };
  }

  private take(key: string, nowMs: number): boolean {
    let b = this.buckets.get(key);
    if (!b) this.buckets.set(key, (b = { tokens: SPAM_BURST, last: nowMs }));
    b.tokens = Math.min(SPAM_BURST, b.tokens + (nowMs - b.last) / SPAM_REFILL_MS);
    b.last = nowMs;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** The caches are LRU-bounded upstream (4096 entries); oldest entries go first here. */
  private trim(): void {
    for (const m of [this.aggregates, this.buckets] as Array<Map<string, unknown>>) {
      while (m.size > 4096) m.delete(m.keys().next().value!);
    }
  }
}
