import type { KeyValue, ListOptions, ListResult, Store, WatchHandlers } from "./types.ts";

export type ObserveFn = (operation: string, resource: string, seconds: number) => void;

/** "/registry/pods/ns/name" → "pods" */
function resourceOf(key: string): string {
  const rest = key.startsWith("/registry/") ? key.slice(10) : key;
  const end = rest.indexOf("/");
  return end < 0 ? rest : rest.slice(0, end);
}

/** A Store that reports how long each operation took, by operation and resource. */
export class MeasuredStore implements Store {
  readonly name: string;
  private readonly inner: Store;
  private readonly observe: ObserveFn;

  constructor(inner: Store, observe: ObserveFn) {
    this.inner = inner;
    this.name = inner.name;
    this.observe = observe;
  }

  private async timed<T>(operation: string, key: string, run: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await run();
    } finally {
      this.observe(operation, resourceOf(key), (performance.now() - start) / 1000);
    }
  }

  get(key: string): Promise<KeyValue | undefined> {
    return this.timed("get", key, () => this.inner.get(key));
  }
  list(prefix: string, opts?: ListOptions): Promise<ListResult> {
    return this.timed("list", prefix, () => this.inner.list(prefix, opts));
  }
  count(prefix: string): Promise<number> {
    return this.timed("count", prefix, () => this.inner.count(prefix));
  }
  create(key: string, value: string): Promise<KeyValue> {
    return this.timed("create", key, () => this.inner.create(key, value));
  }
  update(key: string, value: string, expectedRevision: number): Promise<KeyValue> {
    return this.timed("update", key, () => this.inner.update(key, value, expectedRevision));
  }
  delete(key: string, expectedRevision: number): Promise<KeyValue> {
    return this.timed("delete", key, () => this.inner.delete(key, expectedRevision));
  }
  watch(prefix: string, afterRevision: number, signal: AbortSignal, handlers: WatchHandlers): void {
    this.inner.watch(prefix, afterRevision, signal, handlers);
  }
  currentRevision(): Promise<number> {
    return this.inner.currentRevision();
  }
  compactedRevision(): Promise<number> {
    return this.inner.compactedRevision();
  }
  compact(revision: number): Promise<void> {
    return this.inner.compact(revision);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
