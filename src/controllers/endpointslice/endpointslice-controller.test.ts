import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../../apimachinery/meta.ts";
import { RecordingClient } from "../../client/fake-client.ts";
import { FakeInformer } from "../../client/fake-informer.ts";
import { silentLogger } from "../../util/logger.ts";
import { pod, service } from "../endpoints/test-fixtures.ts";
import { EndpointSliceController } from "./endpointslice-controller.ts";

function setup(services: KObject[], pods: KObject[], slices: KObject[] = []) {
  const client = new RecordingClient();
  const inf = {
    services: new FakeInformer(services),
    pods: new FakeInformer(pods),
    slices: new FakeInformer(slices),
  };
  const c = new EndpointSliceController({
    client,
    ...inf,
    logger: silentLogger,
    recorder: { event: () => {} },
  });
  /** What the informer would see after the writes: the client's objects. */
  const catchUp = () => {
    for (const o of client.objects.values()) inf.slices.add(o);
    for (const s of inf.slices.list())
      if (![...client.objects.values()].some((o) => o.metadata?.name === s.metadata?.name))
        inf.slices.delete(s);
  };
  return { client, c, catchUp, ...inf };
}

const creates = (c: RecordingClient): any[] => c.actions("create", "endpointslices").map((a) => a.body);

describe("EndpointSliceController.sync", () => {
  test("a service's pods become an IPv4 slice owned by the service", async () => {
    const { client, c } = setup([service("kubia")], [pod("a", { ip: "10.42.0.5" })]);
    await c.sync("default/kubia");
    const [slice] = creates(client);
    assert.equal(slice.metadata.generateName, "kubia-");
    assert.deepEqual(slice.metadata.labels, {
      "kubernetes.io/service-name": "kubia",
      "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
    });
    assert.deepEqual(slice.metadata.ownerReferences, [
      {
        apiVersion: "v1",
        kind: "Service",
        name: "kubia",
        uid: "svc-kubia",
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    assert.equal(slice.addressType, "IPv4");
    assert.deepEqual(slice.ports, [{ name: "", port: 8080, protocol: "TCP" }]);
    assert.deepEqual(slice.endpoints, [
      {
        addresses: ["10.42.0.5"],
        conditions: { ready: true, serving: true, terminating: false },
        targetRef: { kind: "Pod", namespace: "default", name: "a", uid: "uid-a" },
        nodeName: "node-1",
      },
    ]);
  });

  test("conditions follow readiness and termination; publishNotReadyAddresses makes all ready", async () => {
    const pods = [
      pod("unready", { ip: "10.42.0.5", ready: false }),
      pod("going", { ip: "10.42.0.6", deleting: true }),
    ];
    const { client, c } = setup([service("kubia")], pods);
    await c.sync("default/kubia");
    const conds = (s: any) =>
      s.endpoints.map(
        (e: any) =>
          `${e.targetRef.name}:${e.conditions.ready}/${e.conditions.serving}/${e.conditions.terminating}`,
      );
    assert.deepEqual(conds(creates(client)[0]), ["unready:false/false/false", "going:false/true/true"]);
    const p = setup([service("kubia", { publishNotReadyAddresses: true })], pods);
    await p.c.sync("default/kubia");
    assert.deepEqual(conds(creates(p.client)[0]), ["unready:true/false/false", "going:true/true/true"]);
  });

  test("at most 100 endpoints per slice", async () => {
    const pods = Array.from({ length: 250 }, (_, i) =>
      pod(`p${i}`, { ip: `10.42.${Math.floor(i / 200)}.${i % 200}` }),
    );
    const { client, c } = setup([service("kubia")], pods);
    await c.sync("default/kubia");
    assert.deepEqual(
      creates(client).map((s) => s.endpoints.length),
      [100, 100, 50],
    );
  });

  test("nothing is written when the slices are up to date; a pod leaving updates its slice", async () => {
    const { client, c, catchUp, pods } = setup(
      [service("kubia")],
      [pod("a", { ip: "10.42.0.5" }), pod("b", { ip: "10.42.0.6" })],
    );
    await c.sync("default/kubia");
    catchUp();
    client.calls.length = 0;
    await c.sync("default/kubia");
    assert.deepEqual(client.calls, []);
    pods.delete(pod("b"));
    await c.sync("default/kubia");
    const updates = client.actions("update", "endpointslices");
    assert.equal(updates.length, 1);
    assert.deepEqual(
      (updates[0].body as any).endpoints.map((e: any) => e.addresses[0]),
      ["10.42.0.5"],
    );
    assert.deepEqual(client.actions("create"), []);
  });

  test("a service without endpoints keeps one empty slice", async () => {
    const { client, c } = setup([service("kubia")], []);
    await c.sync("default/kubia");
    const [slice] = creates(client);
    assert.deepEqual(slice.endpoints, []);
    assert.equal(slice.ports, undefined);
  });

  test("a cache that has not seen the last create does not lead to a second create", async () => {
    const { client, c, catchUp } = setup([service("kubia")], [pod("a", { ip: "10.42.0.5" })]);
    await c.sync("default/kubia");
    await c.sync("default/kubia");
    assert.equal(creates(client).length, 1);
    catchUp();
    await c.sync("default/kubia");
    assert.equal(creates(client).length, 1);
  });

  test("a deleted service's managed slices go; other slices (the kubernetes one) stay", async () => {
    const managed = {
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      addressType: "IPv4",
      metadata: {
        name: "kubia-abcde",
        namespace: "default",
        labels: {
          "kubernetes.io/service-name": "kubia",
          "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
        },
      },
    };
    const foreign = {
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      addressType: "IPv4",
      metadata: {
        name: "kubernetes",
        namespace: "default",
        labels: { "kubernetes.io/service-name": "kubernetes" },
      },
    };
    const { client, c } = setup([], [], [managed, foreign]);
    await c.sync("default/kubia");
    await c.sync("default/kubernetes");
    assert.deepEqual(
      client.actions("delete").map((a) => a.name),
      ["kubia-abcde"],
    );
  });

  test("selectorless and ExternalName services get no slices from this controller", async () => {
    const { client, c } = setup(
      [
        service("external-service", { selector: undefined }),
        service("ext", { type: "ExternalName", externalName: "x.example.com" }),
      ],
      [pod("a", { ip: "10.42.0.5" })],
    );
    await c.sync("default/external-service");
    await c.sync("default/ext");
    assert.deepEqual(client.calls, []);
  });
});
