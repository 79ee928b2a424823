// A built-in metrics.k8s.io/v1beta1 API, as metrics-server serves it (k3s ships metrics-server):
// every resolution period the API server scrapes each real node's kubelet Summary API, and
// answers NodeMetrics and PodMetrics with the CPU rate between the last two scrapes and the
// current working-set memory. `kubectl top` and the HPA controller read it.
import type { KObject } from "../../apimachinery/meta.ts";
import { formatQuantity } from "../../apimachinery/quantity.ts";
import { matches, parseLabelSelector } from "../../apimachinery/selectors/index.ts";
import { StatusError } from "../../apimachinery/status-error.ts";
import type { GroupVersion, ResourceInfo } from "../../api/resources.ts";
import type { Clock } from "../../util/clock.ts";
import { rfc3339 } from "../../util/clock.ts";
import type { Logger } from "../../util/logger.ts";
import type { KubeletConnections } from "../kubelet-connections.ts";
import type { GenericStore } from "../registry/generic-store.ts";

type Obj = Record<string, any>;

export const METRICS_GROUP = "metrics.k8s.io";

const info = (resource: string, kind: string, namespaced: boolean): ResourceInfo => ({
  group: METRICS_GROUP,
  storageVersion: "v1beta1",
  versions: ["v1beta1"],
  resource,
  singular: "",
  kind,
  namespaced,
  shortNames: [],
  categories: [],
  subresources: [],
  verbs: ["get", "list"],
  storagePrefix: `${METRICS_GROUP}/${resource}`,
  hasSpec: false,
});

export const metricsGroupVersion: GroupVersion = {
  group: METRICS_GROUP,
  version: "v1beta1",
  resources: [info("nodes", "NodeMetrics", false), info("pods", "PodMetrics", true)].map((i) => ({
    info: i,
    group: METRICS_GROUP,
    version: "v1beta1",
  })),
};

interface Sample {
  at: number;
  summary: Obj;
}

/** CPU in cores as metrics-server prints it: a nano-core quantity in canonical form. */
function cores(nanoCores: number): string {
  const n = Math.max(0, Math.round(nanoCores));
  if (n % 1_000_000 === 0) return formatQuantity({ milli: BigInt(n / 1_000_000), format: "DecimalSI" });
  return `${n}n`;
}

const bytes = (b: number): string =>
  formatQuantity({ milli: BigInt(Math.max(0, Math.round(b))) * 1000n, format: "BinarySI" });

export interface MetricsApiDeps {
  kubelets: KubeletConnections;
  nodes: GenericStore;
  pods: GenericStore;
  clock: Clock;
  logger: Logger;
  /** --metric-resolution: how often kubelets are scraped (metrics-server's default is 15 s). */
  resolutionMs?: number;
}

export class MetricsApi {
  private readonly deps: MetricsApiDeps;
  private readonly samples = new Map<string, { prev?: Sample; cur: Sample }>();

  constructor(deps: MetricsApiDeps) {
    this.deps = deps;
  }

  async run(signal: AbortSignal): Promise<void> {
    const every = this.deps.resolutionMs ?? 15_000;
    while (!signal.aborted) {
      await this.scrape().catch((e: unknown) =>
        this.deps.logger.warn("metrics scrape failed", { error: (e as Error).message }),
      );
      await new Promise<void>((r) => {
        const t = this.deps.clock.setTimeout(r, every);
        signal.addEventListener("abort", () => (t.cancel(), r()), { once: true });
      });
    }
  }

  async scrape(): Promise<void> {
    const { items } = await this.deps.nodes.list("");
    const live = new Set<string>();
    await Promise.all(
      (items as Obj[]).map(async (node) => {
        const name = node.metadata.name as string;
        if (node.metadata.annotations?.["skiff.dev/simulated"] === "true") return;
        live.add(name);
        try {
          const res = await this.deps.kubelets.get(name, "/stats/summary");
          let text = "";
          for await (const chunk of res) text += String(chunk);
          if (res.statusCode !== 200) throw new Error(`kubelet answered ${res.statusCode}`);
          const cur = { at: this.deps.clock.now().getTime(), summary: JSON.parse(text) as Obj };
          const prev = this.samples.get(name)?.cur;
          this.samples.set(name, { ...(prev ? { prev } : {}), cur });
        } catch (e) {
          this.deps.logger.debug("kubelet scrape failed", { node: name, error: (e as Error).message });
        }
      }),
    );
    for (const n of this.samples.keys()) if (!live.has(n)) this.samples.delete(n);
  }

  private window(s: { prev?: Sample; cur: Sample }): string {
    return `${((s.cur.at - (s.prev?.at ?? s.cur.at)) / 1000).toFixed(3).replace(/\.?0+$/, "")}s`;
  }

  /** The CPU rate of a cumulative counter between two scrapes, in nano-cores. */
  private rate(
    prevNs: number | undefined,
    curNs: number,
    s: { prev?: Sample; cur: Sample },
  ): number | undefined {
    if (prevNs === undefined || !s.prev || s.cur.at <= s.prev.at) return undefined;
    return ((curNs - prevNs) / (s.cur.at - s.prev.at)) * 1e3;
  }

  private nodeMetrics(node: Obj): Obj | undefined {
    const s = this.samples.get(node.metadata.name);
    if (!s) return undefined;
    const cpu = this.rate(
      s.prev?.summary.node?.cpu?.usageCoreNanoSeconds,
      s.cur.summary.node?.cpu?.usageCoreNanoSeconds ?? 0,
      s,
    );
    if (cpu === undefined) return undefined;
    return {
      metadata: {
        name: node.metadata.name,
        creationTimestamp: rfc3339(this.deps.clock.now()),
        ...(node.metadata.labels ? { labels: node.metadata.labels } : {}),
      },
      timestamp: rfc3339(new Date(s.cur.at)),
      window: this.window(s),
      usage: { cpu: cores(cpu), memory: bytes(s.cur.summary.node?.memory?.workingSetBytes ?? 0) },
    };
  }

  private podMetrics(pod: Obj): Obj | undefined {
    const node = pod.spec?.nodeName;
    const s = node ? this.samples.get(node) : undefined;
    if (!s) return undefined;
    const find = (summary: Obj | undefined) =>
      ((summary?.pods ?? []) as Obj[]).find(
        (p) => p.podRef?.namespace === pod.metadata.namespace && p.podRef?.name === pod.metadata.name,
      );
    const cur = find(s.cur.summary);
    const prev = find(s.prev?.summary);
    if (!cur || !prev) return undefined;
    const containers: Obj[] = [];
    for (const c of (cur.containers ?? []) as Obj[]) {
      const before = ((prev.containers ?? []) as Obj[]).find((p) => p.name === c.name);
      const cpu = this.rate(before?.cpu?.usageCoreNanoSeconds, c.cpu?.usageCoreNanoSeconds ?? 0, s);
      if (cpu === undefined) return undefined;
      containers.push({
        name: c.name,
        usage: { cpu: cores(cpu), memory: bytes(c.memory?.workingSetBytes ?? 0) },
      });
    }
    return {
      metadata: {
        name: pod.metadata.name,
        namespace: pod.metadata.namespace,
        creationTimestamp: rfc3339(this.deps.clock.now()),
        ...(pod.metadata.labels ? { labels: pod.metadata.labels } : {}),
      },
      timestamp: rfc3339(new Date(s.cur.at)),
      window: this.window(s),
      containers,
    };
  }

  /** GET and LIST of nodes and pods, with label selectors; a missing object is upstream's 404. */
  async serve(resource: string, namespace: string, name: string, query: URLSearchParams): Promise<Obj> {
    const selector = query.get("labelSelector") ? parseLabelSelector(query.get("labelSelector")!) : undefined;
    const kind = resource === "nodes" ? "NodeMetrics" : "PodMetrics";
    const store = resource === "nodes" ? this.deps.nodes : this.deps.pods;
    const build = (o: Obj) => (resource === "nodes" ? this.nodeMetrics(o) : this.podMetrics(o));
    const typed = (m: Obj) => ({ kind, apiVersion: `${METRICS_GROUP}/v1beta1`, ...m });
    if (name) {
      const obj = (await store.tryGet(namespace, name)) as Obj | undefined;
      const m = obj ? build(obj) : undefined;
      if (!m)
        throw new StatusError(404, "NotFound", `${resource}.${METRICS_GROUP} "${name}" not found`, {
          name,
          group: METRICS_GROUP,
          kind: resource,
        });
      return typed(m);
    }
    const { items } = await store.list(namespace);
    const out: Obj[] = [];
    for (const o of items as KObject[]) {
      if (selector && !matches(selector, o.metadata?.labels)) continue;
      const m = build(o as Obj);
      if (m) out.push(typed(m));
    }
    return { kind: `${kind}List`, apiVersion: `${METRICS_GROUP}/v1beta1`, metadata: {}, items: out };
  }
}
