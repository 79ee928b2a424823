// The disruption controller (pkg/controller/disruption): keeps each PodDisruptionBudget's status,
// how many of its pods are healthy, how many must be, and so how many the eviction API may take.
import type { KObject } from "../../apimachinery/meta.ts";
import {
  labelSelectorFromMetav1,
  labelSelectorToString,
  matches,
} from "../../apimachinery/selectors/index.ts";
import { StatusError } from "../../apimachinery/status-error.ts";
import type { EventRecorder } from "../../client/event-recorder.ts";
import { objectKey } from "../../client/informer.ts";
import type { ApiClient, SharedInformer } from "../../client/interface.ts";
import { runWorkers, WorkQueue } from "../../client/workqueue.ts";
import { rfc3339, type Clock } from "../../util/clock.ts";
import type { Logger } from "../../util/logger.ts";
import { refFor } from "../refs.ts";
import { ClockRequeue } from "../util/clock-requeue.ts";
import { scaledValue } from "../util/int-or-percent.ts";
import { getControllerOf, isPodReady, namespaceIndex, namespaceIndexer } from "../util/index.ts";

type Obj = Record<string, any>;

const budgetsRef = refFor("policy", "poddisruptionbudgets");
/** How long an eviction counts against a budget before its pod must be gone (DeletionTimeout). */
const deletionTimeoutMs = 2 * 60_000;

export interface DisruptionControllerDeps {
  client: ApiClient;
  budgets: SharedInformer;
  pods: SharedInformer;
  /** The workloads whose scale sets a budget's expected pods. */
  replicaSets: SharedInformer;
  replicationControllers: SharedInformer;
  deployments: SharedInformer;
  statefulSets: SharedInformer;
  clock: Clock;
  logger: Logger;
  recorder: EventRecorder;
}

export class DisruptionController {
  private readonly deps: DisruptionControllerDeps;
  private readonly queue = new WorkQueue();
  private readonly requeue: ClockRequeue;

  constructor(deps: DisruptionControllerDeps) {
    this.deps = deps;
    this.requeue = new ClockRequeue(deps.clock, this.queue);
    deps.budgets.addIndexer(namespaceIndex, namespaceIndexer);
    deps.pods.addIndexer(namespaceIndex, namespaceIndexer);
    const budget = (b: KObject) => this.queue.add(objectKey(b));
    deps.budgets.on({ add: budget, update: budget });
    const pod = (p: KObject) => {
      for (const b of deps.budgets.byIndex(namespaceIndex, p.metadata?.namespace ?? "")) {
        const sel = (b as Obj).spec?.selector;
        if (sel != null && matches(labelSelectorFromMetav1(sel), p.metadata?.labels))
          this.queue.add(objectKey(b));
      }
    };
    deps.pods.on({ add: pod, update: (p, old) => (pod(old), pod(p)), delete: pod });
    // A workload's scale changes what its budgets expect.
    const scale = (o: KObject) => {
      for (const b of deps.budgets.byIndex(namespaceIndex, o.metadata?.namespace ?? ""))
        this.queue.add(objectKey(b));
    };
    for (const i of [deps.replicaSets, deps.replicationControllers, deps.deployments, deps.statefulSets])
      i.on({ update: scale });
  }

  async run(signal: AbortSignal): Promise<void> {
    const { budgets, pods, replicaSets, replicationControllers, deployments, statefulSets } = this.deps;
    await Promise.all(
      [budgets, pods, replicaSets, replicationControllers, deployments, statefulSets].map((i) =>
        i.waitForSync(),
      ),
    );
    signal.addEventListener("abort", () => this.requeue.stop());
    await runWorkers(
      this.queue,
      2,
      (k) => this.sync(k),
      signal,
      (key, err) =>
        this.deps.logger.warn("disruption sync failed", { pdb: key, error: (err as Error).message }),
    );
  }

  /** The replicas of the workload that controls a pod (getPodReplicaSet, …, getPodStatefulSet). */
  private controllerScale(pod: Obj): { uid: string; replicas: number } | undefined {
    const ref = getControllerOf(pod as KObject);
    if (!ref) return undefined;
    const ns = pod.metadata.namespace;
    const find = (inf: SharedInformer, name: string) => {
      const o = inf.get(`${ns}/${name}`) as Obj | undefined;
      return o?.metadata?.uid ? o : undefined;
    };
    const of = (o: Obj | undefined) =>
      o ? { uid: o.metadata.uid as string, replicas: o.spec?.replicas ?? 1 } : undefined;
    switch (`${ref.apiVersion.split("/")[0]}/${ref.kind}`) {
      case "v1/ReplicationController":
        return of(find(this.deps.replicationControllers, ref.name));
      case "apps/StatefulSet":
        return of(find(this.deps.statefulSets, ref.name));
      case "apps/ReplicaSet": {
        const rs = find(this.deps.replicaSets, ref.name);
        const owner = rs ? getControllerOf(rs as KObject) : undefined;
        if (owner?.kind === "Deployment") return of(find(this.deps.deployments, owner.name));
        return of(rs);
      }
    }
    return undefined;
  }

  async sync(key: string): Promise<void> {
    const cached = this.deps.budgets.get(key) as Obj | undefined;
    if (!cached || cached.metadata.deletionTimestamp) return;
    const pdb = structuredClone(cached);
    const now = this.deps.clock.now();
    const selector = pdb.spec?.selector;
    const sel = selector == null ? undefined : labelSelectorFromMetav1(selector);
    const pods = (
      sel
        ? this.deps.pods
            .byIndex(namespaceIndex, pdb.metadata.namespace)
            .filter((p) => matches(sel, p.metadata?.labels))
        : []
    ) as Obj[];
    if (!pods.length)
      this.deps.recorder.event(this.asObject(pdb), "Normal", "NoPods", "No matching pods found");
    let expected: number;
    let desired: number;
    const { minAvailable, maxUnavailable } = pdb.spec ?? {};
    if (maxUnavailable == null && typeof minAvailable === "number") {
      expected = pods.length;
      desired = minAvailable;
    } else {
      const controllers = new Map<string, number>();
      const unmanaged: string[] = [];
      for (const p of pods) {
        const s = this.controllerScale(p);
        if (s) controllers.set(s.uid, s.replicas);
        else if (!getControllerOf(p as KObject)) unmanaged.push(p.metadata.name);
        else {
          await this.failSync(pdb, `found no controllers for pod "${p.metadata.name}"`);
          return;
        }
      }
      if (unmanaged.length)
        this.deps.recorder.event(
          this.asObject(pdb),
          "Warning",
          "UnmanagedPods",
          `Pods selected by this PodDisruptionBudget (selector: ${labelSelectorToString(labelSelectorFromMetav1(selector))}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.`,
        );
      expected = [...controllers.values()].reduce((a, b) => a + b, 0);
      if (maxUnavailable != null)
        desired = Math.max(0, expected - scaledValue(maxUnavailable, expected, true));
      else desired = scaledValue(minAvailable ?? 0, expected, true);
    }
    // buildDisruptedPodMap: evictions still waiting for their pod to go, for at most 2 minutes.
    const disrupted: Record<string, string> = {};
    let recheckAt: number | undefined;
    for (const p of pods) {
      const at = pdb.status?.disruptedPods?.[p.metadata.name];
      if (!at || p.metadata.deletionTimestamp) continue;
      const expires = Date.parse(at) + deletionTimeoutMs;
      if (expires <= now.getTime()) continue;
      disrupted[p.metadata.name] = at;
      recheckAt = Math.min(recheckAt ?? Infinity, expires);
    }
    const healthy = pods.filter(
      (p) => !p.metadata.deletionTimestamp && !disrupted[p.metadata.name] && isPodReady(p as KObject),
    ).length;
    let allowed = healthy - desired;
    if (expected <= 0 || allowed <= 0) allowed = 0;
    const status: Obj = {
      ...(pdb.metadata.generation ? { observedGeneration: pdb.metadata.generation } : {}),
      ...(Object.keys(disrupted).length ? { disruptedPods: disrupted } : {}),
      disruptionsAllowed: allowed,
      currentHealthy: healthy,
      desiredHealthy: desired,
      expectedPods: expected,
      conditions: [
        this.condition(
          pdb,
          allowed > 0 ? "True" : "False",
          allowed > 0 ? "SufficientPods" : "InsufficientPods",
          now,
        ),
      ],
    };
    await this.writeStatus(pdb, status);
    if (recheckAt !== undefined) this.requeue.after(key, recheckAt - now.getTime());
  }

  private asObject(pdb: Obj): KObject {
    return { ...pdb, apiVersion: "policy/v1", kind: "PodDisruptionBudget" } as KObject;
  }

  private condition(pdb: Obj, status: string, reason: string, now: Date): Obj {
    const old = ((pdb.status?.conditions ?? []) as Obj[]).find((c) => c.type === "DisruptionAllowed");
    return {
      type: "DisruptionAllowed",
      status,
      observedGeneration: pdb.metadata.generation,
      lastTransitionTime: old && old.status === status ? old.lastTransitionTime : rfc3339(now),
      reason,
      message: "",
    };
  }

  private async failSync(pdb: Obj, why: string): Promise<void> {
    this.deps.recorder.event(
      this.asObject(pdb),
      "Warning",
      "CalculateExpectedPodCountFailed",
      `Failed to calculate the number of expected pods: ${why}`,
    );
    await this.writeStatus(pdb, {
      ...pdb.status,
      disruptionsAllowed: 0,
      conditions: [this.condition(pdb, "False", "SyncFailed", this.deps.clock.now())],
    });
  }

  private async writeStatus(pdb: Obj, status: Obj): Promise<void> {
    const comparable = (s: Obj | undefined) =>
      JSON.stringify({
        ...s,
        conditions: s?.conditions?.map((c: Obj) => ({ ...c, message: c.message ?? "" })),
      });
    if (comparable(status) === comparable(pdb.status)) return;
    try {
      await this.deps.client.update(
        budgetsRef,
        pdb.metadata.namespace,
        pdb.metadata.name,
        { ...pdb, status },
        "status",
      );
    } catch (e) {
      // A conflict (an eviction counted meanwhile) is retried from the informer's next event.
      if (e instanceof StatusError && (e.code === 409 || e.code === 404)) {
        this.queue.add(objectKey(pdb as KObject));
        return;
      }
      throw e;
    }
  }
}
