import { apiVersionOf } from "../../api/resources.ts";
import type { KObject } from "../../apimachinery/meta.ts";
import { badRequest, expired, StatusError } from "../../apimachinery/status-error.ts";
import { StorageError } from "../../storage/types.ts";
import type { CachedEvent, WatchBroadcaster } from "../watch/broadcaster.ts";
import type { Registry } from "../registry/registry.ts";
import { renderObject, tableOf, wantsProtobuf } from "./encode.ts";
import { encodeProtobufObject, encodeWatchFrame, PROTOBUF_WATCH_CONTENT_TYPE } from "../protobuf/encode.ts";
import type { RequestScope, ResponseSink } from "./scope.ts";
import { selectionFilter } from "./selection.ts";
import { parseGoBool, queryFlag } from "../../util/go-bool.ts";

export interface WatchDeps {
  registry: Registry;
  broadcaster: WatchBroadcaster;
  bookmarkIntervalMs: number;
  /** A watcher whose unsent output exceeds this is ended, as upstream drops slow watchers. */
  maxBufferedBytes?: number;
  onWatchStart?(): void;
  onWatchEnd?(): void;
  onEventsSent?(n: number): void;
}

type EventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";

/** Upstream's default watch timeout is a random time between minRequestTimeout and twice that (30–60 min). */
function defaultTimeoutSeconds(): number {
  return 1800 + Math.floor(Math.random() * 1800);
}

export async function handleWatch(deps: WatchDeps, scope: RequestScope, res: ResponseSink): Promise<void> {
  const q = scope.query;
  const rvParam = q.get("resourceVersion") ?? "";
  if (rvParam && !/^\d+$/.test(rvParam))
    throw badRequest(`resourceVersion: Invalid value: "${rvParam}": must be a non-negative integer`);
  const timeoutSeconds = q.has("timeoutSeconds") ? Number(q.get("timeoutSeconds")) : defaultTimeoutSeconds();
  const bookmarks = queryFlag(q, "allowWatchBookmarks");
  const sendInitial = parseGoBool(q.get("sendInitialEvents"));
  if (sendInitial === true && q.get("resourceVersionMatch") !== "NotOlderThan") {
    throw new StatusError(
      422,
      "Invalid",
      `ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan`,
    );
  }
  const filter = selectionFilter(scope);
  const store = deps.registry.for(scope.info);
  // A single-object watch (metadata.name=X) narrows the storage prefix to that key.
  const prefix = store.prefix(scope.req.namespace);
  const initial = sendInitial === true || (sendInitial !== false && (rvParam === "" || rvParam === "0"));
  const controller = new AbortController();
  const signal = controller.signal;
  let startRevision: number;
  let initialItems: KObject[] = [];
  if (initial) {
    const listed = await store.list(scope.req.namespace, { filter });
    initialItems = listed.items;
    startRevision = Number(listed.resourceVersion);
  } else {
    startRevision = Number(rvParam);
  }

  const protobuf = wantsProtobuf(scope);
  res.writeHead(200, {
    "Content-Type": protobuf ? PROTOBUF_WATCH_CONTENT_TYPE : "application/json",
    "Cache-Control": "no-cache, private",
    "Transfer-Encoding": "chunked",
  });
  res.flushHeaders?.();
  deps.onWatchStart?.();

  let columnsSent = false;
  let lastRevision = startRevision;
  const flavor = `${scope.served.group}/${scope.served.version}`;
  const maxBuffered = deps.maxBufferedBytes ?? 64 * 1024 * 1024;
  // Upstream's protobuf watch: each event a length-prefixed WatchEvent holding the object.
  const frame = (type: EventType, body: unknown): Uint8Array => {
    const object = encodeProtobufObject(body as Record<string, unknown>) ?? new Uint8Array();
    return encodeWatchFrame(type, object);
  };
  const line = (type: EventType, obj: KObject, cached?: CachedEvent): string | Uint8Array => {
    if (protobuf) {
      if (!cached) return frame(type, renderObject(scope, obj));
      const key = `${type}:${scope.output.kind}:pb:${flavor}`;
      let hit = cached.frames?.get(key);
      if (!hit) {
        hit = frame(type, renderObject(scope, obj));
        (cached.frames ??= new Map()).set(key, hit);
      }
      return hit;
    }
    if (scope.output.kind === "table") {
      const table = tableOf(
        scope,
        [obj],
        { resourceVersion: obj.metadata?.resourceVersion ?? "" },
        !columnsSent,
      );
      columnsSent = true;
      return `{"type":"${type}","object":${JSON.stringify(table)}}\n`;
    }
    if (cached) {
      const key = `${type}:${scope.output.kind}:${flavor}`;
      const hit = cached.encoded?.get(key);
      if (hit) return hit;
      const text = `{"type":"${type}","object":${JSON.stringify(renderObject(scope, obj))}}\n`;
      (cached.encoded ??= new Map()).set(key, text);
      return text;
    }
    return `{"type":"${type}","object":${JSON.stringify(renderObject(scope, obj))}}\n`;
  };
  let ended = false;
  const finish = () => {
    if (ended) return;
    ended = true;
    controller.abort();
    clearTimeout(timeout);
    clearInterval(bookmarkTimer);
    deps.onWatchEnd?.();
    res.end();
  };
  const send = (text: string | Uint8Array) => {
    if (ended) return;
    res.write(text);
    if (res.writableLength > maxBuffered) finish();
  };
  const objectSink = scope.output.kind === "table" || protobuf ? undefined : res.writeEvent?.bind(res);
  const emit = (type: EventType, obj: KObject, cached?: CachedEvent) => {
    if (!objectSink) return send(line(type, obj, cached));
    if (ended) return;
    const key = `${scope.output.kind}:${flavor}`;
    let rendered = cached?.rendered?.get(key);
    if (!rendered) {
      rendered = renderObject(scope, obj);
      if (cached) (cached.rendered ??= new Map()).set(key, rendered);
    }
    objectSink(type, rendered);
    if (res.writableLength > maxBuffered) finish();
  };
  const bookmark = (extra?: Record<string, string>) => {
    const obj: KObject = {
      kind: scope.info.kind,
      apiVersion: apiVersionOf(scope.served.group, scope.served.version),
      metadata: { resourceVersion: String(Math.max(lastRevision, deps.broadcaster.revision)) },
    };
    if (extra) obj.metadata!.annotations = extra;
    send(protobuf ? frame("BOOKMARK", obj) : `{"type":"BOOKMARK","object":${JSON.stringify(obj)}}\n`);
  };
  res.on("close", finish);
  const timeout = setTimeout(() => {
    if (bookmarks) bookmark();
    finish();
  }, timeoutSeconds * 1000);
  const bookmarkTimer = setInterval(() => {
    if (bookmarks) bookmark();
  }, deps.bookmarkIntervalMs);
  timeout.unref?.();
  bookmarkTimer.unref?.();

  let sent = 0;
  for (const item of initialItems) {
    emit("ADDED", item);
    sent++;
  }
  if (sendInitial === true && bookmarks) bookmark({ "k8s.io/initial-events-end": "true" });
  deps.onEventsSent?.(sent);

  await deps.broadcaster.subscribe(
    startRevision,
    {
      prefix,
      onEvents: (events) => {
        let n = 0;
        for (const e of events) {
          lastRevision = e.revision;
          const type = eventTypeFor(e, filter);
          if (!type) continue;
          emit(type, e.object, e);
          n++;
        }
        deps.onEventsSent?.(n);
      },
      onError: (err) => {
        if (err instanceof StorageError && err.code === "Compacted") {
          const status = expired(
            `too old resource version: ${startRevision} (${err.compactedRevision ?? 0})`,
          ).toStatus();
          send(protobuf ? frame("ERROR", status) : `{"type":"ERROR","object":${JSON.stringify(status)}}\n`);
        }
        finish();
      },
    },
    signal,
  );
}

/** Selector-aware event type: objects moving into or out of the selection appear or vanish. */
function eventTypeFor(e: CachedEvent, filter: ((o: KObject) => boolean) | undefined): EventType | undefined {
  if (!filter) return e.type;
  const now = filter(e.object);
  if (e.type === "ADDED") return now ? "ADDED" : undefined;
  const before = e.prevObject ? filter(e.prevObject) : false;
  if (e.type === "DELETED") return before || now ? "DELETED" : undefined;
  if (now && before) return "MODIFIED";
  if (now) return "ADDED";
  if (before) return "DELETED";
  return undefined;
}
