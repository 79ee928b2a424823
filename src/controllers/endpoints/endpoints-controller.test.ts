import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../../apimachinery/meta.ts";
import { StatusError } from "../../apimachinery/status-error.ts";
import { RecordingClient } from "../../client/fake-client.ts";
import { FakeInformer } from "../../client/fake-informer.ts";
import { silentLogger } from "../../util/logger.ts";
import { EndpointsController } from "./endpoints-controller.ts";
import { pod, service } from "./test-fixtures.ts";

function setup(services: KObject[], pods: KObject[], endpoints: KObject[] = []) {
  const client = new RecordingClient();
  const events: string[] = [];
  const inf = {
    services: new FakeInformer(services),
    pods: new FakeInformer(pods),
    endpoints: new FakeInformer(endpoints),
  };
  const c = new EndpointsController({
    client,
    ...inf,
    logger: silentLogger,
    recorder: { event: (_o, type, reason, msg) => events.push(`${type} ${reason} ${msg}`) },
  });
  return { client, c, events, ...inf };
}

const written = (client: RecordingClient): any => {
  const a = client.calls.filter(
    (x) => x.resource === "endpoints" && (x.verb === "create" || x.verb === "update"),
  );
  assert.equal(a.length, 1, `expected one write, got ${a.map((x) => x.verb).join(",")}`);
  return a[0].body;
};

describe("EndpointsController.sync", () => {
  test("ready pods are addresses, unready ones notReadyAddresses; no IP or terminating: left out", async () => {
    const { client, c } = setup(
      [service("kubia")],
      [
        pod("b", { ip: "10.42.0.6" }),
        pod("a", { ip: "10.42.0.5", node: "node-2" }),
        pod("c", { ip: "10.42.0.7", ready: false }),
        pod("no-ip"),
        pod("going", { ip: "10.42.0.8", deleting: true }),
        pod("other", { ip: "10.42.0.9", labels: { app: "other" } }),
      ],
    );
    await c.sync("default/kubia");
    const ep = written(client);
    assert.equal(client.actions("create", "endpoints").length, 1);
    assert.equal(ep.metadata.name, "kubia");
    assert.deepEqual(ep.subsets, [
      {
        addresses: [
          {
            ip: "10.42.0.5",
            nodeName: "node-2",
            targetRef: { kind: "Pod", namespace: "default", name: "a", uid: "uid-a" },
          },
          {
            ip: "10.42.0.6",
            nodeName: "node-1",
            targetRef: { kind: "Pod", namespace: "default", name: "b", uid: "uid-b" },
          },
        ],
        notReadyAddresses: [
          {
            ip: "10.42.0.7",
            nodeName: "node-1",
            targetRef: { kind: "Pod", namespace: "default", name: "c", uid: "uid-c" },
          },
        ],
        ports: [{ port: 8080, protocol: "TCP" }],
      },
    ]);
    assert.equal(
      ep.metadata.annotations["endpoints.kubernetes.io/last-change-trigger-time"],
      "2024-01-01T00:00:00Z",
    );
  });

  test("publishNotReadyAddresses and the tolerate-unready annotation publish unready and terminating pods", async () => {
    for (const svc of [
      service("kubia", { publishNotReadyAddresses: true }),
      service(
        "kubia",
        {},
        { annotations: { "service.alpha.kubernetes.io/tolerate-unready-endpoints": "true" } },
      ),
    ]) {
      const { client, c } = setup(
        [svc],
        [pod("a", { ip: "10.42.0.5", ready: false }), pod("b", { ip: "10.42.0.6", deleting: true })],
      );
      await c.sync("default/kubia");
      const ep = written(client);
      assert.deepEqual(
        ep.subsets[0].addresses.map((a: any) => a.ip),
        ["10.42.0.5", "10.42.0.6"],
      );
      assert.equal(ep.subsets[0].notReadyAddresses, undefined);
    }
  });

  test("a named targetPort resolves per pod; pods with the same ports share a subset", async () => {
    const svc = service("kubia", {
      ports: [
        { name: "http", port: 80, protocol: "TCP", targetPort: "http" },
        { name: "https", port: 443, protocol: "TCP", targetPort: 8443 },
      ],
    });
    const { client, c } = setup(
      [svc],
      [
        pod("a", { ip: "10.42.0.5", ports: [{ name: "http", containerPort: 8080 }] }),
        pod("b", { ip: "10.42.0.6", ports: [{ name: "http", containerPort: 8080 }] }),
        pod("c", { ip: "10.42.0.7", ports: [{ name: "http", containerPort: 9090 }] }),
        pod("d", { ip: "10.42.0.8" }),
      ],
    );
    await c.sync("default/kubia");
    const subsets = written(client)
      .subsets.map(
        (s: any) =>
          `${(s.addresses ?? []).map((a: any) => a.ip).join(",")} -> ${s.ports.map((p: any) => `${p.name}:${p.port}`).join(",")}`,
      )
      .sort();
    // As upstream's RepackSubsets: one subset per distinct set of addresses sharing ports.
    assert.deepEqual(subsets, [
      "10.42.0.5,10.42.0.6 -> http:8080",
      "10.42.0.5,10.42.0.6,10.42.0.7,10.42.0.8 -> https:8443",
      "10.42.0.7 -> http:9090",
    ]);
  });

  test("a selectorless service's Endpoints are the user's and are never touched", async () => {
    const userEp = {
      apiVersion: "v1",
      kind: "Endpoints",
      metadata: { name: "external-service", namespace: "default" },
      subsets: [{ addresses: [{ ip: "11.11.11.11" }, { ip: "22.22.22.22" }], ports: [{ port: 80 }] }],
    };
    const { client, c } = setup(
      [service("external-service", { selector: undefined })],
      [pod("a", { ip: "10.42.0.5" })],
      [userEp],
    );
    await c.sync("default/external-service");
    assert.deepEqual(client.calls, []);
  });

  test("a deleted service's Endpoints are deleted", async () => {
    const { client, c } = setup([], []);
    await c.sync("default/kubia");
    assert.deepEqual(
      client.actions("delete", "endpoints").map((a) => a.name),
      ["kubia"],
    );
  });

  test("nothing is written when the Endpoints already say the same", async () => {
    const { client, c, endpoints } = setup([service("kubia")], [pod("a", { ip: "10.42.0.5" })]);
    await c.sync("default/kubia");
    const stored = [...client.objects.values()][0];
    endpoints.add(stored);
    client.calls.length = 0;
    await c.sync("default/kubia");
    assert.deepEqual(client.calls, []);
  });

  test("a service without ready pods gets an Endpoints object without subsets; headless is labelled", async () => {
    const { client, c } = setup(
      [service("kubia-headless", { clusterIP: "None" }, { labels: { app: "kubia" } })],
      [],
    );
    await c.sync("default/kubia-headless");
    const ep = written(client);
    assert.equal(ep.subsets, undefined);
    assert.deepEqual(ep.metadata.labels, { app: "kubia", "service.kubernetes.io/headless": "" });
  });

  test("a failed update is reported as an event on the service and retried", async () => {
    const { client, c, endpoints, events } = setup([service("kubia")], [pod("a", { ip: "10.42.0.5" })]);
    endpoints.add({
      apiVersion: "v1",
      kind: "Endpoints",
      metadata: { name: "kubia", namespace: "default", resourceVersion: "3" },
    });
    client.fail("update", "endpoints", new StatusError(409, "Conflict", "the object has been modified"));
    await assert.rejects(c.sync("default/kubia"));
    assert.deepEqual(events, [
      "Warning FailedToUpdateEndpoint Failed to update endpoint for service default/kubia: the object has been modified",
    ]);
  });

  test("more than maxCapacity addresses are truncated and annotated", async () => {
    const pods = Array.from({ length: 5 }, (_, i) => pod(`p${i}`, { ip: `10.42.0.${10 + i}` }));
    const client = new RecordingClient();
    const c = new EndpointsController({
      client,
      services: new FakeInformer([service("kubia")]),
      pods: new FakeInformer(pods),
      endpoints: new FakeInformer(),
      logger: silentLogger,
      recorder: { event: () => {} },
      maxCapacity: 3,
    });
    await c.sync("default/kubia");
    const ep = written(client);
    assert.equal(ep.subsets[0].addresses.length, 3);
    assert.equal(ep.metadata.annotations["endpoints.kubernetes.io/over-capacity"], "truncated");
  });
});

describe("EndpointsController events", () => {
  test("pod changes that matter enqueue the services selecting the pod", () => {
    const { c, pods } = setup([service("kubia"), service("other", { selector: { app: "other" } })], []);
    const before = c.queue.length;
    const p = pod("a", { ip: "10.42.0.5", ready: false });
    pods.add(p);
    // The services were queued by their own adds (constructor-time cache fill fires no handlers).
    assert.equal(c.queue.length, before + 1);
    assert.deepEqual(
      c.servicesFor(p).map((s) => s.metadata?.name),
      ["kubia"],
    );
  });
});
