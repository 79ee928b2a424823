// Memory and CPU of the simulated node agent carrying many nodes and pods, on shared fake informers
// and an in-memory API (no server: what is measured is the agent alone). The in-memory API mirrors
// every write back into the informers, as a watch would.
// Run: node --expose-gc bench/simulated-nodes.ts [--nodes 1000] [--pods-per-node 10] [--seconds 30]
import { cpus } from "node:os";
import type { KObject } from "../src/apimachinery/meta.ts";
import { notFound } from "../src/apimachinery/status-error.ts";
import { FakeInformer } from "../src/client/fake-informer.ts";
import type { ApiClient } from "../src/client/interface.ts";
import type { ResourceRef } from "../src/client/rest-client.ts";
import { SimulatedNodeAgent } from "../src/kubelet/node-agent.ts";
import { realClock } from "../src/util/clock.ts";
import { silentLogger } from "../src/util/logger.ts";

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

const nodeCount = arg("nodes", 1000);
const podsPerNode = arg("pods-per-node", 10);
const seconds = arg("seconds", 30);

const nodes = new FakeInformer();
const pods = new FakeInformer();
const leases = new Map<string, KObject>();
const counts: Record<string, number> = {};
let rv = 1;
const count = (k: string) => (counts[k] = (counts[k] ?? 0) + 1);

/** Just enough of the API for the agent, answering from the informers' caches. */
const api: ApiClient = {
  async get(ref: ResourceRef, ns: string, name: string) {
    count(`get ${ref.resource}`);
    const o = ref.resource === "leases" ? leases.get(name) : undefined;
    if (!o) throw notFound({ group: ref.group, resource: ref.resource }, name);
    return o;
  },
  async list() {
    return { metadata: { resourceVersion: String(rv) }, items: [] };
  },
  async create(ref: ResourceRef, _ns: string, obj: unknown) {
    count(`create ${ref.resource}`);
    const o = { ...(obj as KObject) };
    o.metadata = { ...o.metadata, resourceVersion: String(++rv) };
    if (ref.resource === "leases") leases.set(o.metadata.name!, o);
    return o;
  },
  async update(ref: ResourceRef, _ns: string, name: string, obj: unknown) {
    count(`update ${ref.resource}`);
    const o = { ...(obj as KObject) };
    o.metadata = { ...o.metadata, resourceVersion: String(++rv) };
    if (ref.resource === "leases") leases.set(name, o);
    return o;
  },
  async patch(ref: ResourceRef, ns: string, name: string, patch: unknown, _t?: string, sub?: string) {
    count(`patch ${ref.resource}${sub ? "/" + sub : ""}`);
    const inf = ref.resource === "pods" ? pods : nodes;
    const key = ns ? `${ns}/${name}` : name;
    const cur = inf.get(key);
    if (!cur) throw notFound({ group: ref.group, resource: ref.resource }, name);
    const p = patch as { spec?: object; status?: object };
    const next: KObject = {
      ...cur,
      metadata: { ...cur.metadata, resourceVersion: String(++rv) },
      spec: p.spec ? { ...(cur.spec as object), ...p.spec } : cur.spec,
      status: p.status ? { ...(cur.status as object), ...p.status } : cur.status,
    };
    // The watch event arrives a moment after the response, as from a real server.
    setImmediate(() => inf.update(next));
    return next;
  },
  async delete(_ref: ResourceRef, _ns: string, name: string) {
    return { metadata: { name } };
  },
  async request<T>() {
    return {} as T;
  },
  watch() {
    return Promise.resolve();
  },
};

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
const gc = () => (globalThis as { gc?: () => void }).gc?.();

async function until(what: string, pred: () => boolean, timeoutMs = 120_000): Promise<number> {
  const start = performance.now();
  while (!pred()) {
    if (performance.now() - start > timeoutMs) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return performance.now() - start;
}

async function main(): Promise<void> {
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  const agent = new SimulatedNodeAgent({ client: api, nodes, pods, clock: realClock, logger: silentLogger });
  const stop = new AbortController();
  const running = agent.run(stop.signal);

  const cpu0 = process.cpuUsage();
  for (let i = 0; i < nodeCount; i++)
    nodes.add({
      apiVersion: "v1",
      kind: "Node",
      metadata: {
        name: `sim-${i}`,
        uid: `node-${i}`,
        resourceVersion: String(++rv),
        annotations: { "skiff.dev/simulated": "true" },
      },
      spec: {},
    });
  const nodesMs = await until("nodes Ready", () => (counts["patch nodes/status"] ?? 0) >= nodeCount);

  for (let i = 0; i < nodeCount * podsPerNode; i++)
    pods.add({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: `p-${i}`, namespace: "bench", uid: `pod-${i}`, resourceVersion: String(++rv) },
      spec: {
        nodeName: `sim-${i % nodeCount}`,
        restartPolicy: "Always",
        containers: [{ name: "c", image: "nginx" }],
      },
      status: { phase: "Pending", qosClass: "BestEffort" },
    });
  const total = nodeCount * podsPerNode;
  const runningCount = () =>
    pods.list().filter((p) => (p.status as { phase?: string }).phase === "Running").length;
  const podsMs = await until("pods Running", () => runningCount() === total);
  const cpuStart = process.cpuUsage(cpu0);

  gc();
  const heapLoaded = process.memoryUsage().heapUsed;
  const before = { ...counts };
  const steady0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const steadyCpu = process.cpuUsage(steady0);
  const wallMs = performance.now() - t0;
  gc();
  const heapEnd = process.memoryUsage().heapUsed;
  stop.abort();
  await running;

  const rate = (k: string) => (((counts[k] ?? 0) - (before[k] ?? 0)) / (wallMs / 1000)).toFixed(1);
  const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
  console.log(
    `simulated node agent: ${nodeCount} nodes, ${total} pods — ${cpus()[0]?.model ?? "?"} x${cpus().length}, node ${process.version}`,
  );
  console.log(`  all nodes Ready (lease + status posted): ${nodesMs.toFixed(0)} ms`);
  console.log(`  all pods Running (status written):       ${podsMs.toFixed(0)} ms`);
  console.log(`  CPU while starting:                      ${cpuMs(cpuStart).toFixed(0)} ms`);
  console.log(
    `  heap: empty ${mb(heap0)}, loaded ${mb(heapLoaded)} (${mb((heapLoaded - heap0) / nodeCount)} per node incl. pods), after ${seconds}s ${mb(heapEnd)}`,
  );
  console.log(
    `  steady state: CPU ${((cpuMs(steadyCpu) / wallMs) * 100).toFixed(1)}% of one core, lease renewals ${rate("update leases")}/s, node status ${rate("patch nodes/status")}/s, pod status ${rate("patch pods/status")}/s`,
  );
  if (!(globalThis as { gc?: unknown }).gc) console.log("  (run with --expose-gc for steadier heap numbers)");
}

await main();
