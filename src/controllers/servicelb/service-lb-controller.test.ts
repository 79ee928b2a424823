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

const reserving = (n: KObject, ports: string): KObject => ({
  ...n,
  metadata: { ...n.metadata, annotations: { "skiff.dev/reserved-ports": ports } },
});

function setup(services: KObject[], opts: { pool?: string[]; nodes?: KObject[] } = {}) {
  const client = new RecordingClient();
  for (const svc of services)
    client.objects.set(`/services/default/${svc.metadata!.name}`, structuredClone(svc));
  const events: string[] = [];
  const c = new ServiceLbController({
    client,
    services: new FakeInformer(services),
    nodes: new FakeInformer(
      opts.nodes ?? [
        node("b", "10.99.5.3"),
        node("a", "10.99.5.2"),
        node("down", "10.99.5.4", false),
        node("sim", "10.0.0.9", true, true),
      ],
    ),
    logger: silentLogger,
    recorder: { event: (_o, type, reason, message) => events.push(`${type} ${reason} ${message}`) },
    pool: opts.pool,
  });
  return { client, c, events };
}

const patched = (client: RecordingClient) =>
  client.actions("patch", "services").map((a) => (a.body as any).status.loadBalancer.ingress);

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

  test("nodes whose Ingress holds the port do not serve it; if none can, the service waits with the reason", async () => {
    const nodes = [reserving(node("a", "10.99.5.2"), "80/TCP,443/TCP"), node("b", "10.99.5.3")];
    const one = setup([lb("web", "2026-12-05T10:00:00Z")], { nodes });
    await one.c.sync("default/web");
    assert.deepEqual(patched(one.client), [[{ ip: "10.99.5.3" }]]);
    const all = [reserving(node("a", "10.99.5.2"), "80/TCP"), reserving(node("b", "10.99.5.3"), "80/TCP")];
    const none = setup([lb("web", "2026-12-05T10:00:00Z")], { nodes: all });
    await none.c.sync("default/web");
    assert.equal(none.client.actions("patch", "services").length, 0);
    assert.deepEqual(none.events, [
      "Warning SyncLoadBalancerFailed Error syncing load balancer: port 80/TCP is used by the Ingress controller on every node",
    ]);
    const other = setup([lb("web", "2026-12-05T10:00:00Z", 8080)], { nodes: all });
    await other.c.sync("default/web");
    assert.deepEqual(patched(other.client), [[{ ip: "10.99.5.2" }, { ip: "10.99.5.3" }]]);
  });

  test("a port another program holds on every node leaves the service waiting, in both modes", async () => {
    const taken = (n: KObject): KObject => ({
      ...n,
      metadata: { ...n.metadata, annotations: { "skiff.dev/unavailable-ports": "80/TCP" } },
    });
    const half = setup([lb("web", "2026-12-05T10:00:00Z")], {
      nodes: [taken(node("a", "10.99.5.2")), node("b", "10.99.5.3")],
    });
    await half.c.sync("default/web");
    assert.deepEqual(patched(half.client), [[{ ip: "10.99.5.3" }]]);
    for (const pool of [undefined, ["10.99.9.1"]]) {
      const all = setup([lb("web", "2026-12-05T10:00:00Z")], {
        nodes: [taken(node("a", "10.99.5.2")), taken(node("b", "10.99.5.3"))],
        pool,
      });
      await all.c.sync("default/web");
      assert.equal(all.client.actions("patch", "services").length, 0);
      assert.deepEqual(all.events, [
        "Warning SyncLoadBalancerFailed Error syncing load balancer: no node can take port 80/TCP: another program holds it (see the FailedToListen events)",
      ]);
    }
  });

  test("with a pool each service gets its own address, the one it asks for, and waits when none is left", async () => {
    const pool = ["10.99.9.1", "10.99.9.2"];
    const held = {
      ...lb("first", "2026-12-05T10:00:00Z"),
      status: { loadBalancer: { ingress: [{ ip: "10.99.9.1" }] } },
    };
    const second = lb("second", "2026-12-05T10:01:00Z");
    const third = lb("third", "2026-12-05T10:02:00Z");
    const { client, c, events } = setup([held, second, third], { pool });
    await c.sync("default/first");
    await c.sync("default/second");
    await c.sync("default/third");
    // The same port 80 is no clash: the addresses differ.
    assert.deepEqual(patched(client), [[{ ip: "10.99.9.2" }]]);
    assert.deepEqual(events, [
      "Normal EnsuredLoadBalancer Ensured load balancer",
      "Warning SyncLoadBalancerFailed Error syncing load balancer: no addresses left in the address pool (2 in all)",
    ]);
    const asks = (ip: string) => ({
      ...lb("asks", "2026-12-05T10:03:00Z"),
      spec: { ...lb("x", "").spec!, loadBalancerIP: ip },
    });
    const outside = setup([asks("10.1.1.1")], { pool });
    await outside.c.sync("default/asks");
    assert.match(outside.events[0]!, /requested address 10\.1\.1\.1 is not in the address pool$/);
    const taken = setup([held, asks("10.99.9.1")], { pool });
    await taken.c.sync("default/asks");
    assert.match(taken.events[0]!, /address 10\.99\.9\.1 is already used by service default\/first$/);
    const free = setup([held, asks("10.99.9.2")], { pool });
    await free.c.sync("default/asks");
    assert.deepEqual(patched(free.client), [[{ ip: "10.99.9.2" }]]);
  });

  test("a service that stops being a LoadBalancer gives its addresses back", async () => {
    const was = {
      metadata: { namespace: "default", name: "web" },
      spec: { type: "ClusterIP", ports: [{ port: 80 }] },
      status: { loadBalancer: { ingress: [{ ip: "10.99.5.2" }] } },
    };
    const { client, c } = setup([was]);
    await c.sync("default/web");
    assert.deepEqual(
      client.actions("patch", "services").map((a) => (a.body as any).status.loadBalancer.ingress),
      [null],
    );
  });
});
