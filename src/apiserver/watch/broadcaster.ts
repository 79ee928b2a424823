import type { KObject } from "../../apimachinery/meta.ts";
import { StorageError, type Store, type StoreEvent } from "../../storage/types.ts";
import type { Logger } from "../../util/logger.ts";
import { decode } from "../registry/generic-store.ts";
import type { WrittenObjects } from "./written-objects.ts";

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";

/** One change, decoded once and shared by every watcher. */
export interface CachedEvent {
  type: WatchEventType;
  key: string;
  revision: number;
  object: KObject;
  /** The object before the change, decoded on first use: only selector-filtered watchers need it. */
  readonly prevObject?: KObject;
  /** Serialized forms by response flavour, so N watchers of one kind encode once. */
  encoded?: Map<string, string>;
  /** Rendered objects by response flavour, for in-process watchers (shared: never mutated). */
  rendered?: Map<string, unknown>;
  /** Protobuf watch frames of this event, by the same kind of key. */
  frames?: Map<string, Uint8Array>;
}

export interface Subscriber {
  /** Keys this watcher wants start with it. */
  prefix: string;
  onEvents(events: CachedEvent[]): void;
  /** The watch cannot go on (history compacted, storage lost, server stopping). */
  onError(err: StorageError | Error): void;
}

interface Subscription extends Subscriber {
  resource: string;
  closed: boolean;
}

function resourceOf(key: string): string {
  // "/registry/<resource>/..." → "<resource>"
  const end = key.indexOf("/", 10);
  return end < 0 ? key.slice(10) : key.slice(10, end);
}

function toCached(e: StoreEvent, written?: WrittenObjects): CachedEvent {
  const mine = e.type === "delete" ? undefined : written?.take(e.kv.value);
  let object: KObject;
  if (mine) {
    object = mine;
    object.metadata!.resourceVersion = String(e.kv.modRevision);
  } else {
    object = decode(e.kv);
    if (e.type === "delete") object.metadata!.resourceVersion = String(e.revision);
  }
  const prev = e.prev;
  let prevObject: KObject | undefined;
  return {
    type: e.type === "create" ? "ADDED" : e.type === "update" ? "MODIFIED" : "DELETED",
    key: e.key,
    revision: e.revision,
    object,
    get prevObject() {
      if (prev && !prevObject) prevObject = decode(prev);
      return prevObject;
    },
  };
}

/**
 * The API server's watch cache: one storage watch over the whole registry, a window of recent events
 * so watchers can resume from a recent resourceVersion, and fan-out by resource.
 */
export class WatchBroadcaster {
  private readonly store: Store;
  private readonly logger: Logger;
  private readonly capacity: number;
  private buffer: CachedEvent[] = [];
  /** Events with revision > startRevision are all in the buffer or delivered live. */
  private startRevision = 0;
  private lastRevision = 0;
  private readonly byResource = new Map<string, Set<Subscription>>();
  private ready!: Promise<void>;
  private stopped = false;
  eventsTotal = 0;

  private readonly written?: WrittenObjects;

  constructor(deps: { store: Store; logger: Logger; capacity?: number; written?: WrittenObjects }) {
    this.store = deps.store;
    this.written = deps.written;
    this.logger = deps.logger;
    this.capacity = deps.capacity ?? 20_000;
  }

  /** Starts following storage; resolves once the starting revision is known. */
  start(signal: AbortSignal): Promise<void> {
    this.ready = (async () => {
      const rev = await this.store.currentRevision();
      this.startRevision = rev;
      this.lastRevision = rev;
      this.follow(rev, signal);
    })();
    signal.addEventListener("abort", () => {
      this.stopped = true;
      for (const set of this.byResource.values())
        for (const s of set) this.close(s, new Error("server shutting down"));
    });
    return this.ready;
  }

  /** Storage forgot history up to revision: so does the window, and older watches get 410. */
  compacted(revision: number): void {
    if (revision <= this.startRevision) return;
    this.buffer = this.buffer.filter((e) => e.revision > revision);
    this.startRevision = Math.min(revision, this.lastRevision);
  }

  get revision(): number {
    return this.lastRevision;
  }

  watcherCount(): number {
    let n = 0;
    for (const s of this.byResource.values()) n += s.size;
    return n;
  }

  private follow(after: number, signal: AbortSignal): void {
    this.store.watch("/registry/", after, signal, {
      onEvents: (events) => this.dispatch(events.map((e) => toCached(e, this.written))),
      onError: (err) => {
        if (this.stopped || signal.aborted) return;
        this.logger.warn("storage watch ended; restarting", { error: err.message });
        if (err.code === "Compacted") {
          // History is gone: every watcher must re-list, as upstream ends them with 410.
          for (const set of this.byResource.values()) for (const s of set) this.close(s, err);
          this.buffer = [];
          void this.store.currentRevision().then((rev) => {
            this.startRevision = rev;
            this.lastRevision = rev;
            this.follow(rev, signal);
          });
          return;
        }
        setTimeout(() => this.follow(this.lastRevision, signal), 500).unref();
      },
    });
  }

  private dispatch(events: CachedEvent[]): void {
    if (!events.length) return;
    this.eventsTotal += events.length;
    for (const e of events) this.buffer.push(e);
    this.lastRevision = events[events.length - 1].revision;
    if (this.buffer.length > this.capacity) {
      const drop = this.buffer.length - this.capacity;
      this.startRevision = this.buffer[drop - 1].revision;
      this.buffer = this.buffer.slice(drop);
    }
    // Group by resource so each watcher gets one call per batch.
    const groups = new Map<string, CachedEvent[]>();
    for (const e of events) {
      const r = resourceOf(e.key);
      if (!this.byResource.has(r)) continue;
      let g = groups.get(r);
      if (!g) groups.set(r, (g = []));
      g.push(e);
    }
    for (const [r, evs] of groups) {
      for (const s of this.byResource.get(r) ?? []) {
        const mine = evs.filter((e) => e.key.startsWith(s.prefix));
        if (mine.length) this.deliver(s, mine);
      }
    }
  }

  private deliver(s: Subscription, events: CachedEvent[]): void {
    if (s.closed) return;
    try {
      s.onEvents(events);
    } catch (e) {
      this.close(s, e instanceof Error ? e : new Error(String(e)));
    }
  }

  private close(s: Subscription, err: Error): void {
    if (s.closed) return;
    s.closed = true;
    this.byResource.get(s.resource)?.delete(s);
    try {
      s.onError(err);
    } catch {
      // A watcher's own failure while closing must not disturb the others.
    }
  }

  /**
   * Delivers every change under subscriber.prefix with revision > afterRevision. Returns a function
   * that ends the subscription.
   */
  async subscribe(afterRevision: number, subscriber: Subscriber, signal: AbortSignal): Promise<() => void> {
    await this.ready;
    const sub: Subscription = { ...subscriber, resource: resourceOf(subscriber.prefix), closed: false };
    const unsubscribe = () => {
      sub.closed = true;
      this.byResource.get(sub.resource)?.delete(sub);
    };
    signal.addEventListener("abort", unsubscribe);
    if (afterRevision < this.startRevision) {
      // Older than the window: replay from storage, which answers Compacted if it is gone too.
      this.replayFromStore(afterRevision, sub, signal);
      return unsubscribe;
    }
    const backlog = this.buffer.filter((e) => e.revision > afterRevision && e.key.startsWith(sub.prefix));
    if (backlog.length) this.deliver(sub, backlog);
    if (sub.closed || signal.aborted) return unsubscribe;
    let set = this.byResource.get(sub.resource);
    if (!set) this.byResource.set(sub.resource, (set = new Set()));
    set.add(sub);
    return unsubscribe;
  }

  private replayFromStore(afterRevision: number, sub: Subscription, signal: AbortSignal): void {
    const inner = new AbortController();
    signal.addEventListener("abort", () => inner.abort());
    let last = afterRevision;
    const caughtUp = () => {
      // Switch to the shared stream once storage has brought us into the window.
      if (last >= this.startRevision && !sub.closed) {
        inner.abort();
        const backlog = this.buffer.filter((e) => e.revision > last && e.key.startsWith(sub.prefix));
        if (backlog.length) this.deliver(sub, backlog);
        let set = this.byResource.get(sub.resource);
        if (!set) this.byResource.set(sub.resource, (set = new Set()));
        if (!sub.closed) set.add(sub);
        return true;
      }
      return false;
    };
    if (caughtUp()) return;
    this.store.watch(sub.prefix, afterRevision, inner.signal, {
      onEvents: (events) => {
        if (inner.signal.aborted) return;
        const cached = events.map((e) => toCached(e));
        last = cached[cached.length - 1].revision;
        this.deliver(sub, cached);
        caughtUp();
      },
      onError: (err) => {
        if (!inner.signal.aborted) this.close(sub, err);
      },
    });
  }
}
