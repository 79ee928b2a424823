import {
  type KeyValue,
  type ListOptions,
  type ListResult,
  StorageError,
  type Store,
  type StoreEvent,
  type WatchHandlers,
} from "../types.ts";
import {
  compareResult,
  compareTarget,
  type DeleteRangeResponse,
  EtcdClient,
  type EtcdTls,
  eventType,
  grpcMessage,
  isUnavailable,
  type RangeResponse,
  type RawEvent,
  type RawKeyValue,
  type TxnResponse,
  type WatchResponse,
} from "./etcd-client.ts";

// Where the last compaction is recorded, at the root of the keyspace like kube-apiserver does
// (k8s.io/apiserver/pkg/storage/etcd3/compact.go), since compaction is cluster-wide.
const compactRevKey = Buffer.from("compact_rev_key");
const watchRetryDelayMs = 200;

/**
 * The store on an etcd cluster. Revisions are etcd's own: a key's modRevision is its etcd
 * mod_revision. A list at a revision newer than etcd's current one reads at the current one.
 */
export class EtcdStore implements Store {
  readonly name = "etcd";
  private readonly client: EtcdClient;
  private readonly keyPrefix: string;
  private readonly watches = new Set<{ close(err?: StorageError): void }>();
  private knownCompacted = 0;
  private closed = false;

  private constructor(client: EtcdClient, keyPrefix: string) {
    this.client = client;
    this.keyPrefix = keyPrefix;
  }

  static async connect(
    endpoints: string[],
    opts: { keyPrefix?: string; tls?: EtcdTls } = {},
  ): Promise<EtcdStore> {
    const store = new EtcdStore(new EtcdClient(endpoints, opts.tls), opts.keyPrefix ?? "");
    try {
      await store.currentRevision();
    } catch (err) {
      // The gRPC detail says why (refused, a certificate etcd rejected, …): ask once more for it.
      const detail = await store.client.kv("Range", { key: Buffer.from("/"), limit: 1 }).then(
        () => "",
        (e: unknown) => grpcMessage(e) || String(e),
      );
      store.client.close();
      if (err instanceof StorageError && err.code === "Unavailable")
        throw new EtcdUnreachableError(
          `cannot reach etcd at ${endpoints.join(", ")}: ${detail || "unavailable"}`,
        );
      throw err;
    }
    return store;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    const res = await this.call<RangeResponse>(key, "Range", { key: this.k(key) });
    return res.kvs.length > 0 ? this.toKv(res.kvs[0]) : undefined;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    const full = this.k(prefix);
    const end = rangeEnd(full);
    let start = full;
    if (opts.after !== undefined && opts.after >= prefix)
      start = Buffer.concat([this.k(opts.after), Buffer.from([0])]);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    const req = {
      key: start,
      range_end: end,
      limit,
      revision: opts.revision && opts.revision > 0 ? opts.revision : 0,
    };
    let res: RangeResponse;
    try {
      res = await this.call<RangeResponse>(prefix, "Range", req);
    } catch (err) {
      if (!/future revision/.test(grpcMessage(err))) throw err;
      res = await this.call<RangeResponse>(prefix, "Range", { ...req, revision: 0 });
      req.revision = 0;
    }
    const items = res.kvs.map((kv) => this.toKv(kv));
    return {
      items,
      revision: req.revision > 0 ? req.revision : res.header.revision,
      more: res.more,
      remaining: res.more ? res.count - items.length : 0,
    };
  }

  async count(prefix: string): Promise<number> {
    const full = this.k(prefix);
    const res = await this.call<RangeResponse>(prefix, "Range", {
      key: full,
      range_end: rangeEnd(full),
      count_only: true,
    });
    return res.count;
  }

  async create(key: string, value: string): Promise<KeyValue> {
    const k = this.k(key);
    const res = await this.call<TxnResponse>(key, "Txn", {
      compare: [{ key: k, target: compareTarget.mod, result: compareResult.equal, mod_revision: 0 }],
      success: [{ request_put: { key: k, value: Buffer.from(value) } }],
      failure: [],
    });
    if (!res.succeeded) throw new StorageError("KeyExists", key);
    const rev = res.header.revision;
    return { key, value, createRevision: rev, modRevision: rev };
  }

  async update(key: string, value: string, expectedRevision: number): Promise<KeyValue> {
    const k = this.k(key);
    const res = await this.call<TxnResponse>(key, "Txn", {
      compare: [
        { key: k, target: compareTarget.mod, result: compareResult.equal, mod_revision: expectedRevision },
        // An absent key has mod_revision 0: never let an update create it.
        { key: k, target: compareTarget.create, result: compareResult.greater, create_revision: 0 },
      ],
      success: [{ request_put: { key: k, value: Buffer.from(value), prev_kv: true } }],
      failure: [{ request_range: { key: k } }],
    });
    if (!res.succeeded) throw this.guardFailure(key, res);
    const prev = res.responses[0].response_put?.prev_kv;
    return { key, value, createRevision: prev?.create_revision ?? 0, modRevision: res.header.revision };
  }

  async delete(key: string, expectedRevision: number): Promise<KeyValue> {
    const k = this.k(key);
    let deleted: DeleteRangeResponse;
    if (expectedRevision === 0) {
      deleted = await this.call<DeleteRangeResponse>(key, "DeleteRange", { key: k, prev_kv: true });
    } else {
      const res = await this.call<TxnResponse>(key, "Txn", {
        compare: [
          { key: k, target: compareTarget.mod, result: compareResult.equal, mod_revision: expectedRevision },
        ],
        success: [{ request_delete_range: { key: k, prev_kv: true } }],
        failure: [{ request_range: { key: k } }],
      });
      if (!res.succeeded) throw this.guardFailure(key, res);
      deleted = { ...res.responses[0].response_delete_range!, header: res.header };
    }
    const prev = deleted.prev_kvs[0];
    if (deleted.deleted === 0 || !prev) throw new StorageError("NotFound", key);
    // Like the delete event: the last value, at the revision of the delete.
    return { ...this.toKv(prev), modRevision: deleted.header.revision };
  }

  watch(prefix: string, afterRevision: number, signal: AbortSignal, handlers: WatchHandlers): void {
    if (signal.aborted) return;
    const key = this.k(prefix);
    const end = rangeEnd(key);
    let last = afterRevision;
    let stopped = false;
    let failures = 0;
    let stream: ReturnType<EtcdClient["openWatch"]>["stream"] | undefined;
    let retryTimer: NodeJS.Timeout | undefined;

    const entry = {
      close: (err?: StorageError) => {
        if (stopped) return;
        stopped = true;
        this.watches.delete(entry);
        clearTimeout(retryTimer);
        stream?.cancel();
        signal.removeEventListener("abort", onAbort);
        if (err) handlers.onError(err);
      },
    };
    const onAbort = () => entry.close();
    signal.addEventListener("abort", onAbort, { once: true });
    this.watches.add(entry);

    const open = () => {
      if (stopped) return;
      const opened = this.client.openWatch();
      const s = opened.stream;
      stream = s;
      s.on("data", (res: WatchResponse) => {
        if (stopped || stream !== s) return;
        if (res.compact_revision > 0) {
          this.knownCompacted = Math.max(this.knownCompacted, res.compact_revision);
          entry.close(new StorageError("Compacted", prefix, { compactedRevision: res.compact_revision }));
          return;
        }
        if (res.created) failures = 0;
        if (res.canceled) {
          entry.close(new StorageError("Unavailable", prefix));
          return;
        }
        // After a reconnect etcd replays from last + 1; nothing at or below last is repeated.
        const events = res.events.filter((e) => e.kv.mod_revision > last).map((e) => this.toEvent(e));
        if (events.length === 0) return;
        last = events[events.length - 1].revision;
        handlers.onEvents(events);
      });
      s.on("error", (err) => {
        if (stopped || stream !== s) return;
        stream = undefined;
        // grpc-js reports our own cancel() as CANCELLED; anything else is an outage of this endpoint.
        if (isUnavailable(err) && ++failures <= this.client.endpointCount * 3) {
          this.client.failover(opened.endpoint);
          retryTimer = setTimeout(open, watchRetryDelayMs);
          return;
        }
        entry.close(new StorageError("Unavailable", prefix));
      });
      s.on("end", () => {
        if (!stopped && stream === s) entry.close(new StorageError("Unavailable", prefix));
      });
      s.write({
        create_request: {
          key,
          range_end: end,
          start_revision: last + 1,
          prev_kv: true,
          progress_notify: true,
        },
      });
    };
    open();
  }

  async currentRevision(): Promise<number> {
    const res = await this.call<RangeResponse>("", "Range", { key: compactRevKey, count_only: true });
    return res.header.revision;
  }

  async compactedRevision(): Promise<number> {
    const res = await this.call<RangeResponse>("", "Range", { key: compactRevKey });
    const recorded = res.kvs.length > 0 ? Number(res.kvs[0].value.toString()) || 0 : 0;
    return Math.max(recorded, this.knownCompacted);
  }

  async compact(revision: number): Promise<void> {
    const current = await this.currentRevision();
    const target = Math.min(revision, current);
    if (target <= 0) return;
    try {
      await this.call("", "Compact", { revision: target, physical: false });
    } catch (err) {
      // Someone (another apiserver) already compacted past it: nothing left to do.
      if (/compacted/.test(grpcMessage(err))) return;
      throw err;
    }
    this.knownCompacted = Math.max(this.knownCompacted, target);
    const res = await this.call<RangeResponse>("", "Range", { key: compactRevKey });
    const existing = res.kvs[0];
    if (existing && Number(existing.value.toString()) >= target) return;
    // Only raise the record, never lower it when servers race.
    await this.call("", "Txn", {
      compare: [
        {
          key: compactRevKey,
          target: compareTarget.mod,
          result: compareResult.equal,
          mod_revision: existing?.mod_revision ?? 0,
        },
      ],
      success: [{ request_put: { key: compactRevKey, value: Buffer.from(String(target)) } }],
      failure: [],
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of [...this.watches]) w.close(new StorageError("Unavailable", ""));
    this.client.close();
  }

  private k(key: string): Buffer {
    const full = this.keyPrefix + key;
    // etcd refuses an empty key; "\0" with range end "\0" is its spelling of "everything".
    return full === "" ? Buffer.from([0]) : Buffer.from(full);
  }

  private toKv(raw: RawKeyValue): KeyValue {
    return {
      key: raw.key.toString().slice(this.keyPrefix.length),
      value: raw.value.toString(),
      createRevision: raw.create_revision,
      modRevision: raw.mod_revision,
    };
  }

  private toEvent(e: RawEvent): StoreEvent {
    const prev = e.prev_kv ? this.toKv(e.prev_kv) : undefined;
    if (e.type === eventType.delete) {
      const key = e.kv.key.toString().slice(this.keyPrefix.length);
      const kv: KeyValue = {
        key,
        value: prev?.value ?? "",
        createRevision: prev?.createRevision ?? 0,
        modRevision: e.kv.mod_revision,
      };
      return { type: "delete", key, revision: e.kv.mod_revision, kv, prev };
    }
    const kv = this.toKv(e.kv);
    const type = e.kv.create_revision === e.kv.mod_revision ? "create" : "update";
    return type === "create"
      ? { type, key: kv.key, revision: kv.modRevision, kv }
      : { type, key: kv.key, revision: kv.modRevision, kv, prev };
  }

  private guardFailure(key: string, res: TxnResponse): StorageError {
    const kvs = res.responses[0]?.response_range?.kvs ?? [];
    if (kvs.length === 0) return new StorageError("NotFound", key);
    return new StorageError("Conflict", key, { current: this.toKv(kvs[0]) });
  }

  private async call<T>(key: string, method: Parameters<EtcdClient["kv"]>[0], req: object): Promise<T> {
    if (this.closed) throw new StorageError("Unavailable", key);
    try {
      return await this.client.kv<T>(method, req);
    } catch (err) {
      if (isUnavailable(err)) throw new StorageError("Unavailable", key);
      if (/required revision has been compacted/.test(grpcMessage(err))) {
        const compactedRevision = await this.compactedRevision().catch(() => this.knownCompacted);
        throw new StorageError("Compacted", key, { compactedRevision });
      }
      throw err;
    }
  }
}

/** etcd's prefix range end: the key with its last byte below 0xff incremented; "\0" for everything. */
function rangeEnd(key: Buffer): Buffer {
  if (key.length === 1 && key[0] === 0) return Buffer.from([0]);
  const end = Buffer.from(key);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] < 0xff) {
      end[i]++;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

/** No etcd endpoint answered at start (the server says so and exits). */
export class EtcdUnreachableError extends Error {
  override name = "EtcdUnreachableError";
}
