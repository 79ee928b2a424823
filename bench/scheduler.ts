// Scheduler throughput: 1,000 nodes and 10,000 pending pods in fake informers, bindings recorded by a
// RecordingClient that echoes each binding back through the pod informer as the API server would.
// Run: node bench/scheduler.ts [--nodes N] [--pods N]
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import type { KObject } from "../src/apimachinery/meta.ts";
import { EventRecorder } from "../src/client/event-recorder.ts";
import { RecordingClient } from "../src/client/fake-client.ts";
import { FakeInformer } from "../src/client/fake-informer.ts";
import type { ResourceRef } from "../src/client/rest-client.ts";
import { Scheduler } from "../src/scheduler/scheduler.ts";
import { makeNode, makePod } from "../src/scheduler/test-helpers.ts";
import { realClock } from "../src/util/clock.ts";
import { silentLogger } from "../src/util/logger.ts";

const { values } = parseArgs({ options: { nodes: { type: "string" }, pods: { type: "string" } } });
const nodeCount = Number(values.nodes ?? 1000);
const podCount = Number(values.pods ?? 10_000);

const podInf = new FakeInformer();
const nodeInf = new FakeInformer();
let bound = 0;
let done: () => void = () => {};
const allBound = new Promise<void>((r) => (done = r));

class EchoingClient extends RecordingClient {
  override async create(
    ref: ResourceRef,
    namespace: string,
    obj: unknown,
    sub?: { name: string; subresource: string },
  ): Promise<KObject> {
    const out = await super.create(ref, namespace, obj, sub);
    if (sub?.subresource === "binding") {
      const pod = podInf.get(`${namespace}/${sub.name}`)!;
      const node = (obj as { target: { name: string } }).target.name;
      setImmediate(() => podInf.update({ ...pod, spec: { ...(pod as any).spec, nodeName: node } }));
      if (++bound === podCount) done();
    }
    return out;
  }
}

const client = new EchoingClient();
for (let i = 0; i < nodeCount; i++) {
  nodeInf.add(
    makeNode(`node-${i}`, {
      cpu: "32",
      memory: "256Gi",
      pods: "110",
      labels: { "topology.kubernetes.io/zone": `zone-${i % 3}` },
    }),
  );
}
// Ten ReplicaSets' worth of pods with small requests, as the scale test creates.
for (let i = 0; i < podCount; i++) {
  podInf.add(makePod(`pod-${i}`, { cpu: "10m", memory: "16Mi", owner: `rs-${i % 10}` }));
}

const scheduler = new Scheduler({
  client,
  pods: podInf,
  nodes: nodeInf,
  clock: realClock,
  logger: silentLogger,
  recorder: new EventRecorder({ client, component: "default-scheduler", clock: realClock }),
});
const ac = new AbortController();
const start = performance.now();
const running = scheduler.run(ac.signal);
await allBound;
const seconds = (performance.now() - start) / 1000;
ac.abort();
await running;

const perNode = new Map<string, number>();
for (const c of client.actions("create", "pods")) {
  const n = (c.body as { target: { name: string } }).target.name;
  perNode.set(n, (perNode.get(n) ?? 0) + 1);
}
const counts = [...perNode.values()];
console.log(
  `${podCount} pods on ${nodeCount} nodes in ${seconds.toFixed(2)} s: ${Math.round(podCount / seconds)} pods/s ` +
    `(pods per node min ${Math.min(...counts)} max ${Math.max(...counts)}; ${cpus().length} cpus, ${cpus()[0]?.model})`,
);
