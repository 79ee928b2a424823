import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { KObject } from "../../apimachinery/meta.ts";
import { RecordingClient } from "../../client/fake-client.ts";
import { FakeInformer } from "../../client/fake-informer.ts";
import { silentLogger } from "../../util/logger.ts";
import { ServiceLbController } from "./service-lb-controller.ts";

const lb = (name: string, created: string, port = 80): KObject => ({
  metadata: { namespace: "default", name, creationTimestamp: created },
  spec: { type: "LoadBalancer", ports: [{ port, protocol: "TCP", nodePort: 31000 }] },
});
const node = (name: string, ip: string, ready = true, simulated = false): KObject => ({
  metadata: { name, ...(simulated ? { annotations: { "skiff.dev/simulated": "true" } } : {}) },
  status: {
    conditions: [{ type: "Ready", status: ready ? "True" : "False" }],
    addresses: [{ type: "InternalIP", address: ip }],
  },
});

function setup(services: KObject[]) {
  const client = new RecordingClient();
  const events: string[] = [];
  const c = new ServiceLbController({
    client,
    services: new FakeInformer(services),
    nodes: new FakeInformer([
      node("b", "10.99.5.3"),
      node("a", "10.99.5.2"),
      node("down", "10.99.5.4", false),
      node("sim", "10.0.0.9", true, true),
    ]),
    logger: silentLogger,
    recorder: { event: (_o, type, reason, message) => events.push(`${type} ${reason} ${message}`) },
  });
  return { client, c, events };
}

describe("ServiceLbController", () => {
  test("a LoadBalancer service's status lists the Ready real nodes' addresses", async () => {
    const { client, c, events } = setup([lb("web", "2026-12-05T10:00:00Z")]);
    client.objects.set("/services/default/web", lb("web", "2026-12-05T10:00:00Z"));
    await c.sync("default/web");
    const [patch] = client.actions("patch", "services").map((a) => a.body as any);
    assert.deepEqual(patch.status.loadBalancer.ingress, [{ ip: "10.99.5.2" }, { ip: "10.99.5.3" }]);
    assert.deepEqual(events, ["Normal EnsuredLoadBalancer Ensured load balancer"]);
  });

  test("a later service wanting the same port stays pending with an event naming the holder", async () => {
    const { client, c, events } = setup([
      lb("web", "2026-12-05T10:00:00Z"),
      lb("web2", "2026-12-05T10:05:00Z"),
    ]);
    await c.sync("default/web2");
    assert.equal(client.actions("patch", "services").length, 0);
    assert.deepEqual(events, [
      "Warning SyncLoadBalancerFailed Error syncing load balancer: port 80/TCP on the nodes is already used by service default/web",
    ]);
  });

  test("a service already serving a port keeps it against an older one", async () => {
    const serving = {
      ...lb("web", "2026-12-05T10:05:00Z"),
      status: { loadBalancer: { ingress: [{ ip: "10.99.5.2" }] } },
    };
    const { client, c, events } = setup([serving, lb("older", "2026-12-05T10:00:00Z")]);
    await c.sync("default/older");
    assert.equal(client.actions("patch", "services").length, 0);
    assert.match(events[0], /already used by service default\/web$/);
  });
});
