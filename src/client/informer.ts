import type { KObject } from "../apimachinery/meta.ts";
import { StatusError } from "../apimachinery/status-error.ts";
import type { Logger } from "../util/logger.ts";
import { resourcePath, type ResourceRef } from "./rest-client.ts";
import type { ApiClient, SharedInformer } from "./interface.ts";

export interface InformerHandlers {
  add?(obj: KObject): void;
  update?(obj: KObject, old: KObject): void;
  delete?(obj: KObject): void;
}

export function objectKey(obj: KObject): string {
  const m = obj.metadata ?? {};
  return m.namespace ? `${m.namespace}/${m.name}` : (m.name ?? "");
}

/**
 * client-go's shared informer: list, then watch from the list's resourceVersion, keeping a local
 * cache; on 410 Expired or a dropped stream it re-lists and reconciles the cache. Handlers and
 * readers must never mutate cached objects: every handler shares them, and in-process they are the
 * API server's own watch-cache objects. (Freezing them costs more than the copies it saves, as
 * frozen arrays are slow; FakeInformer freezes them so that unit tests catch a mutation.)
 */
export class Informer implements SharedInformer {
  readonly ref: ResourceRef;
  private readonly client: ApiClient;
  private readonly logger: Logger;
  private readonly cache = new Map<string, KObject>();
  private readonly handlers: InformerHandlers[] = [];
  private readonly indexers = new Map<
    string,
    { fn: (o: KObject) => string[]; index: Map<string, Set<string>> }
  >();
  private synced = false;
  private syncWaiters: Array<() => void> = [];
  private readonly query: Record<string, string>;
  private readonly metadataOnly: boolean;

  constructor(deps: {
    client: ApiClient;
    ref: ResourceRef;
    logger: Logger;
    labelSelector?: string;
    fieldSelector?: string;
    /** Only metadata (PartialObjectMetadata), as upstream's metadata informers: less to send and parse. */
    metadataOnly?: boolean;
  }) {
    this.metadataOnly = deps.metadataOnly ?? false;
    this.client = deps.client;
    this.ref = deps.ref;
    this.logger = deps.logger;
    this.query = {};
    if (deps.labelSelector) this.query.labelSelector = deps.labelSelector;
    if (deps.fieldSelector) this.query.fieldSelector = deps.fieldSelector;
  }

  /** Adds a handler; like client-go's AddEventHandler, it first hears of every cached object as added. */
  on(h: InformerHandlers): void {
    this.handlers.push(h);
    for (const obj of this.cache.values()) h.add?.(obj);
  }

  /** Adds an index over the cache, covering the objects already in it (an informer may be shared late). */
  addIndexer(name: string, fn: (o: KObject) => string[]): void {
    const index = new Map<string, Set<string>>();
    for (const [key, obj] of this.cache) {
      for (const v of fn(obj)) {
        let set = index.get(v);
        if (!set) index.set(v, (set = new Set()));
        set.add(key);
      }
    }
    this.indexers.set(name, { fn, index });
  }

  byIndex(name: string, value: string): KObject[] {
    const keys = this.indexers.get(name)?.index.get(value);
    if (!keys) return [];
    return [...keys].map((k) => this.cache.get(k)!).filter(Boolean);
  }

  get(key: string): KObject | undefined {
    return this.cache.get(key);
  }

  list(): KObject[] {
    return [...this.cache.values()];
  }

  hasSynced(): boolean {
    return this.synced;
  }

  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((r) => this.syncWaiters.push(r));
  }

  private index(key: string, obj: KObject | undefined, old: KObject | undefined): void {
    for (const { fn, index } of this.indexers.values()) {
      if (old) for (const v of fn(old)) index.get(v)?.delete(key);
      if (obj)
        for (const v of fn(obj)) {
          let set = index.get(v);
          if (!set) index.set(v, (set = new Set()));
          set.add(key);
        }
    }
  }

  private put(obj: KObject): void {
    const key = objectKey(obj);
    const old = this.cache.get(key);
    this.cache.set(key, obj);
    this.index(key, obj, old);
    for (const h of this.handlers) {
      if (old) h.update?.(obj, old);
      else h.add?.(obj);
    }
  }

  private remove(obj: KObject): void {
    const key = objectKey(obj);
    const old = this.cache.get(key);
    this.cache.delete(key);
    this.index(key, undefined, old);
    for (const h of this.handlers) h.delete?.(old ?? obj);
  }

  async run(signal: AbortSignal): Promise<void> {
    try {
      await this.listAndWatch(signal);
    } finally {
      // Whoever waits for a sync that will never come must not wait forever once we stop.
      for (const w of this.syncWaiters) w();
      this.syncWaiters = [];
    }
  }

  private async listAndWatch(signal: AbortSignal): Promise<void> {
    let backoff = 100;
    while (!signal.aborted) {
      try {
        const list = this.metadataOnly
          ? await this.client.request<{ metadata: { resourceVersion: string }; items: KObject[] }>(
              "GET",
              resourcePath(this.ref),
              {
                query: this.query,
                accept: "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1",
              },
            )
          : await this.client.list(this.ref, undefined, this.query);
        const seen = new Set<string>();
        for (const item of list.items) {
          item.apiVersion ??= this.ref.group ? `${this.ref.group}/${this.ref.version}` : this.ref.version;
          seen.add(objectKey(item));
          const cur = this.cache.get(objectKey(item));
          if (!cur || cur.metadata?.resourceVersion !== item.metadata?.resourceVersion) this.put(item);
        }
        for (const [key, obj] of this.cache) if (!seen.has(key)) this.remove(obj);
        if (!this.synced) {
          this.synced = true;
          for (const w of this.syncWaiters) w();
          this.syncWaiters = [];
        }
        let rv = list.metadata.resourceVersion;
        backoff = 100;
        // Watch until the stream ends or history is gone; then re-list.
        for (;;) {
          let expired = false;
          await this.client.watch(
            this.ref,
            undefined,
            {
              ...this.query,
              resourceVersion: rv,
              allowWatchBookmarks: true,
              timeoutSeconds: 300 + Math.floor(Math.random() * 300),
            },
            (type, obj) => {
              if (type === "ERROR") {
                expired = true;
                return;
              }
              rv = obj.metadata?.resourceVersion ?? rv;
              if (type === "BOOKMARK") return;
              if (type === "DELETED") this.remove(obj);
              else this.put(obj);
            },
            signal,
            this.metadataOnly
              ? { accept: "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1" }
              : {},
          );
          if (expired || signal.aborted) break;
        }
      } catch (e) {
        if (signal.aborted) return;
        if (!(e instanceof StatusError && e.code === 410)) {
          this.logger.warn("informer list/watch failed", {
            resource: this.ref.resource,
            error: (e as Error).message,
          });
        }
        await new Promise((r) => setTimeout(r, backoff).unref());
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }
}
