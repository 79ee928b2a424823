import { Counter, Gauge, Histogram, MetricsRegistry } from "../util/metrics.ts";

/** The API server's metrics, with upstream's names where upstream has them. */
export class ApiServerMetrics {
  readonly registry = new MetricsRegistry();
  readonly requests = this.registry.register(
    new Counter(
      "apiserver_request_total",
      "Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.",
    ),
  );
  readonly latency = this.registry.register(
    new Histogram(
      "apiserver_request_duration_seconds",
      "Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.",
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 2, 5, 10, 30, 60],
    ),
  );
  readonly longRunning = this.registry.register(
    new Gauge(
      "apiserver_longrunning_requests",
      "Gauge of all active long-running apiserver requests broken out by verb, group, version, resource, scope and component.",
    ),
  );
  readonly watchEvents = this.registry.register(
    new Counter("apiserver_watch_events_total", "Number of events sent in watch clients"),
  );
  /** Upstream's name for storage latency, with upstream's labels (operation, type). */
  readonly storageLatency = this.registry.register(
    new Histogram(
      "etcd_request_duration_seconds",
      "Etcd request latency in seconds for each operation and object type.",
      [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    ),
  );
  readonly storageObjects = this.registry.register(
    new Gauge(
      "apiserver_storage_objects",
      "Number of stored objects at the time of last check split by kind.",
    ),
  );

  constructor(collectors: { storageRevision(): number; watchers(): number; cacheEvents(): number }) {
    this.registry.register(
      new Gauge("apiserver_storage_revision", "The current storage revision.", () => [
        [{}, collectors.storageRevision()],
      ]),
    );
    this.registry.register(
      new Gauge("apiserver_registered_watchers", "Number of currently registered watchers.", () => [
        [{}, collectors.watchers()],
      ]),
    );
    this.registry.register(
      new Gauge(
        "apiserver_watch_cache_events_received_total",
        "Number of events received by the watch cache.",
        () => [[{}, collectors.cacheEvents()]],
      ),
    );
    this.registry.register(
      new Gauge("process_resident_memory_bytes", "Resident memory size in bytes.", () => [
        [{}, process.memoryUsage.rss()],
      ]),
    );
  }
}
