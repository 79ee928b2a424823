import type { StorageError, StoreEvent, WatchHandlers } from "../types.ts";

/**
 * One watch on the SQLite store. While history is being replayed from the log, live events are
 * held back; once the replay reaches the revision the watch started at, they follow in order.
 */
export class SqliteWatcher {
  readonly prefix: string;
  /** The last revision read from the log; live events are all above the revision at start. */
  position: number;
  readonly startRevision: number;
  private readonly afterRevision: number;
  stopped = false;
  private live = false;
  private held: StoreEvent[] = [];
  private readonly handlers: WatchHandlers;

  constructor(prefix: string, afterRevision: number, startRevision: number, handlers: WatchHandlers) {
    this.prefix = prefix;
    this.position = afterRevision;
    this.afterRevision = afterRevision;
    this.startRevision = startRevision;
    this.handlers = handlers;
  }

  /** Live events just committed, in revision order. */
  offer(events: StoreEvent[]): void {
    if (this.stopped) return;
    // A watch may start from a revision not reached yet: nothing at or below it is delivered.
    const mine = events.filter((e) => e.revision > this.afterRevision && e.key.startsWith(this.prefix));
    if (mine.length === 0) return;
    if (this.live) this.deliver(mine);
    else for (const e of mine) this.held.push(e);
  }

  /** Events read from the log during replay. */
  replayed(events: StoreEvent[]): void {
    if (events.length > 0) this.deliver(events);
  }

  goLive(): void {
    if (this.stopped) return;
    this.live = true;
    const held = this.held;
    this.held = [];
    if (held.length > 0) this.deliver(held);
  }

  fail(err: StorageError): void {
    if (this.stopped) return;
    this.stopped = true;
    this.held = [];
    this.handlers.onError(err);
  }

  private deliver(events: StoreEvent[]): void {
    if (this.stopped) return;
    try {
      this.handlers.onEvents(events);
    } catch (err) {
      // A throwing handler is a bug in the consumer; surface it without breaking the commit path.
      queueMicrotask(() => {
        throw err;
      });
    }
  }
}
