import type { Clock } from "../../util/clock.ts";

/** A token bucket on the injected clock (flowcontrol.NewTokenBucketRateLimiter); qps 0 never accepts. */
export class TokenBucket {
  private readonly clock: Clock;
  private qps: number;
  private readonly burst: number;
  private tokens: number;
  private last: number;

  constructor(clock: Clock, qps: number, burst: number) {
    this.clock = clock;
    this.qps = qps;
    this.burst = burst;
    this.tokens = burst;
    this.last = clock.now().getTime();
  }

  tryAccept(): boolean {
    if (this.qps <= 0) return false;
    const now = this.clock.now().getTime();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  get rate(): number {
    return this.qps;
  }

  /** SwapLimiter: a new rate, starting with a full bucket as upstream's fresh limiter does. */
  swap(qps: number): void {
    if (qps === this.qps) return;
    this.qps = qps;
    this.tokens = this.burst;
    this.last = this.clock.now().getTime();
  }
}

interface TimedValue {
  value: string;
  uid: string;
  processAt: number;
}

/**
 * scheduler.RateLimitedTimedQueue: unique node names, handed to a function at most as fast as the
 * limiter allows; the function may ask to be retried later.
 */
export class RateLimitedTimedQueue {
  private readonly clock: Clock;
  readonly limiter: TokenBucket;
  private items: TimedValue[] = [];

  constructor(clock: Clock, limiter: TokenBucket) {
    this.clock = clock;
    this.limiter = limiter;
  }

  add(value: string, uid: string): boolean {
    if (this.items.some((i) => i.value === value)) return false;
    this.items.push({ value, uid, processAt: this.clock.now().getTime() });
    return true;
  }

  remove(value: string): boolean {
    const before = this.items.length;
    this.items = this.items.filter((i) => i.value !== value);
    return this.items.length !== before;
  }

  has(value: string): boolean {
    return this.items.some((i) => i.value === value);
  }

  async try(fn: (value: string) => Promise<{ done: boolean; retryAfterMs: number }>): Promise<void> {
    const now = this.clock.now().getTime();
    const due = this.items.filter((i) => i.processAt <= now).sort((a, b) => a.processAt - b.processAt);
    for (const item of due) {
      if (!this.limiter.tryAccept()) return;
      const { done, retryAfterMs } = await fn(item.value);
      if (done) this.remove(item.value);
      else item.processAt = this.clock.now().getTime() + retryAfterMs;
    }
  }
}
