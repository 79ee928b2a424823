import type { Clock } from "../../util/clock.ts";

/** controller.ExpectationsTimeout: a controller whose expectations never came true syncs anyway after this. */
export const expectationsTimeoutMs = 5 * 60 * 1000;

interface Expectation {
  add: number;
  del: number;
  timestamp: number;
}

/**
 * What a controller expects to see from its own creates and deletes before it trusts its informer
 * cache again (controller_utils.go ControllerExpectations, with UIDTrackingControllerExpectations'
 * tracking of which pod keys a deletion expects). Keys are controller keys ("ns/name").
 */
export class ControllerExpectations {
  private readonly clock: Clock;
  private readonly store = new Map<string, Expectation>();
  private readonly deleting = new Map<string, Set<string>>();

  constructor(clock: Clock) {
    this.clock = clock;
  }

  getExpectations(key: string): { add: number; del: number; timestamp: Date } | undefined {
    const e = this.store.get(key);
    return e ? { add: e.add, del: e.del, timestamp: new Date(e.timestamp) } : undefined;
  }

  /** True when the controller may act: nothing expected, everything observed, or expired. */
  satisfiedExpectations(key: string): boolean {
    const e = this.store.get(key);
    if (!e) return true;
    if (e.add <= 0 && e.del <= 0) return true;
    return this.clock.now().getTime() - e.timestamp > expectationsTimeoutMs;
  }

  setExpectations(key: string, add: number, del: number): void {
    this.store.set(key, { add, del, timestamp: this.clock.now().getTime() });
  }

  expectCreations(key: string, adds: number): void {
    this.setExpectations(key, adds, 0);
  }

  /** A count, or the keys ("ns/name") of the pods being deleted so only their deletion counts. */
  expectDeletions(key: string, dels: number | string[]): void {
    if (typeof dels === "number") {
      this.deleting.delete(key);
      this.setExpectations(key, 0, dels);
      return;
    }
    this.deleting.set(key, new Set(dels));
    this.setExpectations(key, 0, dels.length);
  }

  raiseExpectations(key: string, add: number, del: number): void {
    const e = this.store.get(key);
    if (!e) return;
    e.add += add;
    e.del += del;
  }

  lowerExpectations(key: string, add: number, del: number): void {
    const e = this.store.get(key);
    if (!e) return;
    e.add -= add;
    e.del -= del;
  }

  creationObserved(key: string): void {
    this.lowerExpectations(key, 1, 0);
  }

  /** With a pod key, counts only when that pod was one this controller set out to delete. */
  deletionObserved(key: string, podKey?: string): void {
    const tracked = this.deleting.get(key);
    if (podKey !== undefined && tracked) {
      if (!tracked.delete(podKey)) return;
    }
    this.lowerExpectations(key, 0, 1);
  }

  deleteExpectations(key: string): void {
    this.store.delete(key);
    this.deleting.delete(key);
  }
}
