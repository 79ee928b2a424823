// The horizontal pod autoscaler controller (pkg/controller/podautoscaler/horizontal.go): every
// sync period each HPA reads its target's scale, asks the metrics API for its pods' usage,
// computes the replica count each metric wants, stabilizes and rate-limits it as its behavior
// says, writes the scale, and records upstream's conditions, events and status.
import type { KObject } from "../../apimachinery/meta.ts";
import { formatQuantity, parseQuantity } from "../../apimachinery/quantity.ts";
import { StatusError } from "../../apimachinery/status-error.ts";
import { defaultScaleDown, defaultScaleUp } from "../../api/defaults/autoscaling.ts";
import type { EventRecorder } from "../../client/event-recorder.ts";
import { objectKey } from "../../client/informer.ts";
import type { ApiClient, SharedInformer } from "../../client/interface.ts";
import { runWorkers, WorkQueue } from "../../client/workqueue.ts";
import { rfc3339, type Clock } from "../../util/clock.ts";
import type { Logger } from "../../util/logger.ts";
import { refFor, refForKind } from "../refs.ts";
import { ClockRequeue } from "../util/clock-requeue.ts";
import { MetricsError, resourceReplicas } from "./replica-calculator.ts";

type Obj = Record<string, any>;

const hpaRef = refFor("autoscaling", "horizontalpodautoscalers");
const podsRef = refFor("", "pods");

export interface HorizontalControllerDeps {
  client: ApiClient;
  hpas: SharedInformer;
  clock: Clock;
  logger: Logger;
  recorder: EventRecorder;
  /** --horizontal-pod-autoscaler-sync-period (15 s upstream). */
  syncPeriodMs?: number;
  /** --horizontal-pod-autoscaler-downscale-stabilization (5 m upstream), for HPAs without a behavior. */
  downscaleStabilizationMs?: number;
}

interface Recommendation {
  at: number;
  replicas: number;
}

interface ScaleEvent {
  at: number;
  delta: number;
}

export class HorizontalController {
  private readonly deps: HorizontalControllerDeps;
  private readonly queue = new WorkQueue();
  private readonly requeue: ClockRequeue;
  private readonly recommendations = new Map<string, Recommendation[]>();
  private readonly scaleEvents = new Map<string, ScaleEvent[]>();

  constructor(deps: HorizontalControllerDeps) {
    this.deps = deps;
    this.requeue = new ClockRequeue(deps.clock, this.queue);
    const add = (h: KObject) => this.queue.add(objectKey(h));
    deps.hpas.on({
      add,
      update: (h, old) => {
        if (h.metadata?.generation !== old.metadata?.generation) add(h);
      },
      delete: (h) => {
        this.recommendations.delete(objectKey(h));
        this.scaleEvents.delete(objectKey(h));
      },
    });
  }

  private get period(): number {
    return this.deps.syncPeriodMs ?? 15_000;
  }

  async run(signal: AbortSignal): Promise<void> {
    await this.deps.hpas.waitForSync();
    signal.addEventListener("abort", () => this.requeue.stop());
    await runWorkers(
      this.queue,
      2,
      (k) => this.sync(k),
      signal,
      (key, err) =>
        this.deps.logger.warn("horizontal pod autoscaler sync failed", {
          hpa: key,
          error: (err as Error).message,
        }),
    );
  }

  private event(hpa: Obj, type: "Normal" | "Warning", reason: string, message: string): void {
    this.deps.recorder.event(
      { ...hpa, apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler" } as KObject,
      type,
      reason,
      message,
    );
  }

  async sync(key: string): Promise<void> {
    const cached = this.deps.hpas.get(key) as Obj | undefined;
    if (!cached) return;
    try {
      await this.reconcile(structuredClone(cached));
    } finally {
      if (this.deps.hpas.get(key)) this.requeue.after(key, this.period);
    }
  }

  private scalePath(hpa: Obj): string | undefined {
    const ref = hpa.spec?.scaleTargetRef ?? {};
    const r = refForKind(ref.apiVersion ?? "apps/v1", ref.kind ?? "");
    if (!r) return undefined;
    const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
    return `${base}/namespaces/${hpa.metadata.namespace}/${r.resource}/${ref.name}/scale`;
  }

  private async reconcile(hpa: Obj): Promise<void> {
    const now = this.deps.clock.now();
    const ref = hpa.spec?.scaleTargetRef ?? {};
    const conditions: Obj[] = [];
    const setCondition = (type: string, status: string, reason: string, message: string) => {
      const old = ((hpa.status?.conditions ?? []) as Obj[]).find((c) => c.type === type);
      const c = {
        type,
        status,
        lastTransitionTime: old?.status === status ? old.lastTransitionTime : rfc3339(now),
        reason,
        message,
      };
      const i = conditions.findIndex((x) => x.type === type);
      if (i >= 0) conditions[i] = c;
      else conditions.push(c);
    };
    const path = this.scalePath(hpa);
    let scale: Obj;
    try {
      if (!path)
        throw new Error(
          `no matches for kind "${ref.kind}" in group "${String(ref.apiVersion ?? "").split("/")[0]}"`,
        );
      scale = await this.deps.client.request<Obj>("GET", path);
    } catch (e) {
      const msg = `the HPA controller was unable to get the target's current scale: ${(e as Error).message}`;
      setCondition("AbleToScale", "False", "FailedGetScale", msg);
      this.event(hpa, "Warning", "FailedGetScale", (e as Error).message);
      await this.writeStatus(hpa, { ...hpa.status, conditions });
      return;
    }
    setCondition(
      "AbleToScale",
      "True",
      "SucceededGetScale",
      "the HPA controller was able to get the target's current scale",
    );
    const current: number = scale.spec?.replicas ?? 0;
    const min: number = hpa.spec?.minReplicas ?? 1;
    const max: number = hpa.spec?.maxReplicas;
    const status: Obj = {
      ...(hpa.metadata.generation ? { observedGeneration: hpa.metadata.generation } : {}),
      ...(hpa.status?.lastScaleTime ? { lastScaleTime: hpa.status.lastScaleTime } : {}),
      currentReplicas: current,
      desiredReplicas: current,
    };
    if (current === 0 && min !== 0) {
      setCondition(
        "ScalingActive",
        "False",
        "ScalingDisabled",
        "scaling is disabled since the replica count of the target is zero",
      );
      await this.writeStatus(hpa, { ...status, desiredReplicas: 0, conditions });
      return;
    }
    // computeReplicasForMetrics: the largest count any metric asks for.
    let proposal = 0;
    let reasonMetric = "";
    const currentMetrics: Obj[] = [];
    const errors: string[] = [];
    for (const metric of (hpa.spec?.metrics ?? []) as Obj[]) {
      try {
        const r = await this.replicasForMetric(
          hpa,
          metric,
          current,
          scale.status?.selector ?? "",
          now.getTime(),
        );
        currentMetrics.push(r.status);
        if (r.replicas > proposal) {
          proposal = r.replicas;
          reasonMetric = r.description;
        }
      } catch (e) {
        errors.push((e as Error).message);
        currentMetrics.push({ type: metric.type });
      }
    }
    if (errors.length && proposal === 0) {
      const first = errors[0]!;
      const what = (hpa.spec?.metrics?.[0]?.resource?.name as string | undefined) ?? "metric";
      setCondition(
        "ScalingActive",
        "False",
        "FailedGetResourceMetric",
        `the HPA was unable to compute the replica count: failed to get ${what} utilization: ${first}`,
      );
      this.event(hpa, "Warning", "FailedGetResourceMetric", `failed to get ${what} utilization: ${first}`);
      this.event(
        hpa,
        "Warning",
        "FailedComputeMetricsReplicas",
        `invalid metrics (${errors.length} invalid out of ${hpa.spec?.metrics?.length ?? 0}), first error is: failed to get ${what} resource metric value: failed to get ${what} utilization: ${first}`,
      );
      await this.writeStatus(hpa, { ...status, conditions });
      return;
    }
    setCondition(
      "ScalingActive",
      "True",
      "ValidMetricFound",
      `the HPA was able to successfully calculate a replica count from ${reasonMetric}`,
    );
    const desired = this.normalize(
      hpa,
      objectKey(hpa as KObject),
      current,
      proposal,
      min,
      max,
      now.getTime(),
      setCondition,
    );
    if (desired !== current) {
      try {
        await this.deps.client.request("PUT", path!, {
          body: { ...scale, spec: { ...scale.spec, replicas: desired } },
        });
      } catch (e) {
        setCondition(
          "AbleToScale",
          "False",
          "FailedUpdateScale",
          `the HPA controller was unable to update the target scale: ${(e as Error).message}`,
        );
        this.event(
          hpa,
          "Warning",
          "FailedRescale",
          `New size: ${desired}; reason: ${reasonMetric} ${desired > current ? "above" : "below"} target; error: ${(e as Error).message}`,
        );
        await this.writeStatus(hpa, { ...status, currentMetrics, conditions });
        return;
      }
      this.recordScale(objectKey(hpa as KObject), desired - current, now.getTime());
      setCondition(
        "AbleToScale",
        "True",
        "SucceededRescale",
        `the HPA controller was able to update the target scale to ${desired}`,
      );
      this.event(
        hpa,
        "Normal",
        "SuccessfulRescale",
        `New size: ${desired}; reason: ${desired > current ? `${reasonMetric} above target` : "All metrics below target"}`,
      );
      status.lastScaleTime = rfc3339(now);
    } else if (!conditions.some((c) => c.type === "AbleToScale" && c.reason === "ScaleDownStabilized"))
      setCondition("AbleToScale", "True", "ReadyForNewScale", "recommended size matches current size");
    status.desiredReplicas = desired;
    await this.writeStatus(hpa, {
      ...status,
      ...(currentMetrics.length ? { currentMetrics } : {}),
      conditions,
    });
  }

  private async replicasForMetric(
    hpa: Obj,
    metric: Obj,
    current: number,
    selector: string,
    now: number,
  ): Promise<{ replicas: number; status: Obj; description: string }> {
    if (metric.type !== "Resource")
      throw new MetricsError(`metrics of type ${metric.type} are not served by this cluster`);
    const name: string = metric.resource?.name;
    const target = metric.resource?.target ?? {};
    const ns = hpa.metadata.namespace;
    const pods = (await this.deps.client.list(podsRef, ns, { labelSelector: selector })).items as Obj[];
    const metrics = await this.deps.client.request<Obj>(
      "GET",
      `/apis/metrics.k8s.io/v1beta1/namespaces/${ns}/pods`,
      { query: { labelSelector: selector } },
    );
    const usage = new Map<string, bigint>();
    for (const m of (metrics.items ?? []) as Obj[]) {
      let sum = 0n;
      for (const c of (m.containers ?? []) as Obj[]) sum += parseQuantity(c.usage?.[name])?.milli ?? 0n;
      usage.set(m.metadata.name, sum);
    }
    if (target.type === "AverageValue") {
      if (!usage.size)
        throw new MetricsError(
          `unable to get metrics for resource ${name}: no metrics returned from resource metrics API`,
        );
      const total = [...usage.values()].reduce((a, b) => a + b, 0n);
      const want = parseQuantity(target.averageValue)?.milli ?? 1n;
      const ratio = Number(total) / Number(want) / current;
      const replicas = Math.abs(1 - ratio) <= 0.1 ? current : Math.ceil(Number(total) / Number(want));
      const average = total / BigInt(usage.size);
      return {
        replicas,
        status: {
          type: "Resource",
          resource: {
            name,
            current: { averageValue: formatQuantity({ milli: average, format: "DecimalSI" }) },
          },
        },
        description: `${name} resource`,
      };
    }
    const r = resourceReplicas(current, target.averageUtilization, name, pods, usage, now);
    return {
      replicas: r.replicas,
      status: {
        type: "Resource",
        resource: {
          name,
          current: {
            averageValue: formatQuantity({
              milli: r.rawAverage,
              format: name === "memory" ? "BinarySI" : "DecimalSI",
            }),
            averageUtilization: r.utilization,
          },
        },
      },
      description: `${name} resource utilization (percentage of request)`,
    };
  }

  private recordScale(key: string, delta: number, at: number): void {
    const events = (this.scaleEvents.get(key) ?? []).filter((e) => at - e.at < 30 * 60_000);
    events.push({ at, delta });
    this.scaleEvents.set(key, events);
  }

  /** normalizeDesiredReplicasWithBehaviors: stabilization windows, then the scaling policies, then min and max. */
  private normalize(
    hpa: Obj,
    key: string,
    current: number,
    proposal: number,
    min: number,
    max: number,
    now: number,
    setCondition: (type: string, status: string, reason: string, message: string) => void,
  ): number {
    const behavior = hpa.spec?.behavior;
    const up = behavior?.scaleUp ?? defaultScaleUp();
    const down = behavior?.scaleDown ?? {
      ...defaultScaleDown(),
      stabilizationWindowSeconds: (this.deps.downscaleStabilizationMs ?? 300_000) / 1000,
    };
    const recs = this.recommendations.get(key) ?? [];
    recs.push({ at: now, replicas: proposal });
    const keep = Math.max(up.stabilizationWindowSeconds ?? 0, down.stabilizationWindowSeconds ?? 300) * 1000;
    this.recommendations.set(
      key,
      recs.filter((r) => now - r.at <= keep),
    );
    // Up: the lowest recommendation in the up window; down: the highest in the down window.
    const within = (s: number) => recs.filter((r) => now - r.at <= s * 1000).map((r) => r.replicas);
    const upFloor = Math.min(...within(up.stabilizationWindowSeconds ?? 0), proposal);
    const downCeil = Math.max(...within(down.stabilizationWindowSeconds ?? 300), proposal);
    let stabilized = current;
    if (proposal > current) stabilized = Math.max(current, upFloor);
    else if (proposal < current) stabilized = Math.min(current, downCeil);
    if (stabilized !== proposal)
      setCondition(
        "AbleToScale",
        "True",
        "ScaleDownStabilized",
        "recent recommendations were higher than current one, applying the highest recent recommendation",
      );
    // The policies: how far one period may move, counted from the replicas a period ago.
    const events = this.scaleEvents.get(key) ?? [];
    const changedWithin = (seconds: number, sign: number) =>
      events
        .filter((e) => now - e.at <= seconds * 1000 && Math.sign(e.delta) === sign)
        .reduce((a, e) => a + Math.abs(e.delta), 0);
    let desired = stabilized;
    if (stabilized > current) {
      const limits = (up.policies as Obj[]).map((p) => {
        const start = current - changedWithin(p.periodSeconds, 1);
        return p.type === "Pods" ? start + p.value : Math.ceil(start * (1 + p.value / 100));
      });
      const limit =
        up.selectPolicy === "Min"
          ? Math.min(...limits)
          : up.selectPolicy === "Disabled"
            ? current
            : Math.max(...limits);
      desired = Math.min(stabilized, limit);
    } else if (stabilized < current) {
      const limits = (down.policies as Obj[]).map((p) => {
        const start = current + changedWithin(p.periodSeconds, -1);
        return p.type === "Pods" ? start - p.value : Math.floor(start * (1 - p.value / 100));
      });
      const limit =
        down.selectPolicy === "Min"
          ? Math.max(...limits)
          : down.selectPolicy === "Disabled"
            ? current
            : Math.min(...limits);
      desired = Math.max(stabilized, limit);
    }
    if (desired > max) {
      setCondition(
        "ScalingLimited",
        "True",
        "TooManyReplicas",
        "the desired replica count is more than the maximum replica count",
      );
      return max;
    }
    if (desired < min) {
      setCondition(
        "ScalingLimited",
        "True",
        "TooFewReplicas",
        "the desired replica count is less than the minimum replica count",
      );
      return min;
    }
    setCondition(
      "ScalingLimited",
      "False",
      "DesiredWithinRange",
      "the desired count is within the acceptable range",
    );
    return desired;
  }

  private async writeStatus(hpa: Obj, status: Obj): Promise<void> {
    if (JSON.stringify(status) === JSON.stringify(hpa.status)) return;
    try {
      await this.deps.client.update(
        hpaRef,
        hpa.metadata.namespace,
        hpa.metadata.name,
        { ...hpa, status },
        "status",
      );
    } catch (e) {
      if (!(e instanceof StatusError) || (e.code !== 409 && e.code !== 404)) throw e;
    }
  }
}
