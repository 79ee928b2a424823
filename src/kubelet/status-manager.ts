import type { KObject } from "../apimachinery/meta.ts";
import { StatusError } from "../apimachinery/status-error.ts";
import type { ApiClient, SharedInformer } from "../client/interface.ts";
import type { ResourceRef } from "../client/rest-client.ts";
import { runWorkers, WorkQueue } from "../client/workqueue.ts";
import type { Logger } from "../util/logger.ts";
import { semanticEqual } from "../apimachinery/semantic-equal.ts";
import { foreignConditions, ownedProjection } from "./pod-status.ts";
import { isOlderVersion } from "./resource-version.ts";

const podsRef: ResourceRef = { group: "", version: "v1", resource: "pods", namespaced: true };

interface Desired {
  uid: string;
  status: Record<string, unknown>;
  /** The pod has stopped after deletion: once its final status is written, delete it for good. */
  deleteAfter: boolean;
}

export interface StatusManagerDeps {
  client: ApiClient;
  logger: Logger;
  /** The shared pods informer: what the API holds, to write only when it differs. */
  pods: SharedInformer;
  /** Writes for pods on a node that lost its network are held until it is back. */
  isNodeDown(nodeName: string): boolean;
  workers?: number;
}

/**
 * The kubelet's status manager: keeps the newest status each pod worker computed and writes it through
 * pods/NAME/status when, and only when, it differs from the API's; many updates to one pod coalesce
 * into one write. After a terminated pod's final status, deletes it with grace 0 (status_manager.go).
 */
export class StatusManager {
  private readonly deps: StatusManagerDeps;
  private readonly queue = new WorkQueue();
  private readonly desired = new Map<string, Desired>();
  /** What we last wrote and the resourceVersion it produced, to tell a stale cache from a foreign change. */
  private readonly written = new Map<string, { status: Record<string, unknown>; rv: string }>();
  writes = 0;

  constructor(deps: StatusManagerDeps) {
    this.deps = deps;
  }

  set(key: string, uid: string, status: Record<string, unknown>, deleteAfter = false): void {
    this.desired.set(key, { uid, status, deleteAfter });
    this.queue.add(key);
  }

  /** Looks again at a pod (its API status changed, or its node came back). */
  enqueue(key: string): void {
    if (this.desired.has(key)) this.queue.add(key);
  }

  forget(key: string): void {
    this.desired.delete(key);
    this.written.delete(key);
  }

  run(signal: AbortSignal): Promise<void> {
    return runWorkers(
      this.queue,
      this.deps.workers ?? 32,
      (k) => this.sync(k),
      signal,
      (key, err) =>
        this.deps.logger.debug("pod status update failed", { pod: key, error: (err as Error).message }),
    );
  }

  async sync(key: string): Promise<void> {
    const d = this.desired.get(key);
    if (!d) return;
    const pod = this.deps.pods.get(key);
    if (!pod || pod.metadata?.uid !== d.uid) {
      if (!pod) this.forget(key);
      return;
    }
    const spec = (pod.spec ?? {}) as { nodeName?: string };
    if (this.deps.isNodeDown(spec.nodeName ?? "")) return;
    const [ns, name] = key.split("/");
    if (this.needsWrite(key, pod, d)) {
      const current = pod.status as Record<string, unknown> | undefined;
      const status = {
        ...d.status,
        conditions: [...(d.status.conditions as unknown[]), ...foreignConditions(current)],
      };
      try {
        const res = await this.deps.client.patch(podsRef, ns, name, { status }, "merge", "status");
        this.written.set(key, { status: d.status, rv: res.metadata?.resourceVersion ?? "" });
        this.writes++;
      } catch (e) {
        if (e instanceof StatusError && e.code === 404) {
          this.forget(key);
          return;
        }
        throw e;
      }
    }
    if (d.deleteAfter && this.desired.get(key) === d) {
      try {
        await this.deps.client.delete(podsRef, ns, name, {
          gracePeriodSeconds: 0,
          preconditions: { uid: d.uid },
        });
      } catch (e) {
        if (!(e instanceof StatusError && (e.code === 404 || e.code === 409))) throw e;
      }
      this.forget(key);
    }
  }

  private needsWrite(key: string, pod: KObject, d: Desired): boolean {
    const w = this.written.get(key);
    if (w && (w.status === d.status || semanticEqual(w.status, d.status))) {
      const rv = pod.metadata?.resourceVersion;
      // The cache still shows our own last write of this very status, or has not caught up with it:
      // nothing to compare (this check runs on every pod event, so it must be cheap).
      if (rv === w.rv || isOlderVersion(rv, w.rv)) return false;
    }
    return !semanticEqual(ownedProjection(pod.status as Record<string, unknown>, d.status), d.status);
  }
}
