// Shared by the kubelet's unit tests: a simulated node agent on fake informers, a recording client
// and a fake clock.
import type { KObject } from "../apimachinery/meta.ts";
import { RecordingClient } from "../client/fake-client.ts";
import { FakeInformer } from "../client/fake-informer.ts";
import { FakeClock } from "../util/clock.ts";
import { silentLogger } from "../util/logger.ts";
import { SimulatedNodeAgent } from "./node-agent.ts";

export const flush = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

export function simNode(name: string, annotations: Record<string, string> = {}): KObject {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      uid: `uid-${name}`,
      resourceVersion: "1",
      annotations: { "skiff.dev/simulated": "true", ...annotations },
    },
    spec: {},
  };
}

export function pod(
  name: string,
  opts: { restartPolicy?: string; annotations?: Record<string, string>; containers?: object[] } = {},
): KObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: "default",
      uid: `uid-${name}`,
      resourceVersion: "1",
      annotations: opts.annotations ?? {},
    },
    spec: {
      nodeName: "sim1",
      restartPolicy: opts.restartPolicy ?? "Always",
      terminationGracePeriodSeconds: 30,
      containers: opts.containers ?? [{ name: "c", image: "nginx" }],
    },
    status: { phase: "Pending", qosClass: "BestEffort" },
  };
}

export class Harness {
  readonly clock = new FakeClock();
  readonly client = new RecordingClient();
  readonly nodes = new FakeInformer();
  readonly pods = new FakeInformer();
  readonly agent: SimulatedNodeAgent;

  constructor() {
    this.agent = new SimulatedNodeAgent({
      client: this.client,
      nodes: this.nodes,
      pods: this.pods,
      clock: this.clock,
      logger: silentLogger,
    });
  }

  async addNode(node: KObject): Promise<void> {
    this.client.objects.set(`/nodes//${node.metadata!.name}`, structuredClone(node));
    this.nodes.add(node);
    await this.agent.syncNode(node.metadata!.name!);
    await flush();
  }

  async addPod(p: KObject): Promise<void> {
    this.client.objects.set(`/pods/default/${p.metadata!.name}`, structuredClone(p));
    this.pods.add(p);
    await this.syncPod(p.metadata!.name!);
  }

  /** The pod worker sees the API's pod, then the status manager writes what it computed. */
  async syncPod(name: string): Promise<void> {
    await this.agent.syncPod(`default/${name}`);
    await flush();
    await this.agent.statusManager.sync(`default/${name}`);
    const stored = this.client.objects.get(`/pods/default/${name}`);
    if (stored) this.pods.update(structuredClone(stored));
  }

  async advance(ms: number, podName?: string): Promise<void> {
    this.clock.advance(ms);
    await flush();
    if (podName) await this.syncPod(podName);
  }

  apiPod(name: string): any {
    return this.client.objects.get(`/pods/default/${name}`);
  }

  statusWrites(name: string) {
    return this.client.actions("patch", "pods").filter((c) => c.name === name && c.subresource === "status");
  }
}
