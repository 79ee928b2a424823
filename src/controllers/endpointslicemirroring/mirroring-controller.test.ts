import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { KObject } from "../../apimachinery/meta.ts";
import { RecordingClient } from "../../client/fake-client.ts";
import { FakeInformer } from "../../client/fake-informer.ts";
import { silentLogger } from "../../util/logger.ts";
import { EndpointSliceMirroringController } from "./mirroring-controller.ts";

const service = (selector?: Record<string, string>): KObject => ({
  metadata: { namespace: "default", name: "external-service", uid: "svc-uid" },
  spec: { ports: [{ port: 80 }], ...(selector ? { selector } : {}) },
});
const endpoints = (labels?: Record<string, string>): KObject =>
  ({
    metadata: {
      namespace: "default",
      name: "external-service",
      uid: "ep-uid",
      ...(labels ? { labels } : {}),
    },
    subsets: [
      {
        addresses: [{ ip: "11.11.11.11" }, { ip: "22.22.22.22" }],
        notReadyAddresses: [{ ip: "33.33.33.33" }],
        ports: [{ port: 80 }],
      },
    ],
  }) as KObject;

function setup(svcs: KObject[], eps: KObject[], slices: KObject[] = []) {
  const client = new RecordingClient();
  const c = new EndpointSliceMirroringController({
    client,
    services: new FakeInformer(svcs),
    endpoints: new FakeInformer(eps),
    slices: new FakeInformer(slices),
    logger: silentLogger,
  });
  return { client, c };
}

describe("EndpointSliceMirroringController", () => {
  test("a selector-less service's Endpoints become a slice with the same addresses, owned by the Endpoints", async () => {
    const { client, c } = setup([service()], [endpoints({ team: "a" })]);
    await c.sync("default/external-service");
    const [slice] = client.actions("create", "endpointslices").map((a) => a.body as any);
    assert.equal(slice.metadata.generateName, "external-service-");
    assert.deepEqual(slice.metadata.labels, {
      team: "a",
      "kubernetes.io/service-name": "external-service",
      "endpointslice.kubernetes.io/managed-by": "endpointslicemirroring-controller.k8s.io",
    });
    assert.equal(slice.metadata.ownerReferences[0].kind, "Endpoints");
    assert.equal(slice.metadata.ownerReferences[0].uid, "ep-uid");
    assert.deepEqual(slice.ports, [{ name: "", port: 80, protocol: "TCP" }]);
    assert.deepEqual(
      slice.endpoints.map((e: any) => [e.addresses[0], e.conditions.ready]),
      [
        ["11.11.11.11", true],
        ["22.22.22.22", true],
        ["33.33.33.33", false],
      ],
    );
  });

  test("services with a selector, Endpoints marked skip-mirror, and Endpoints without a service are not mirrored", async () => {
    for (const [svcs, eps] of [
      [[service({ app: "kubia" })], [endpoints()]],
      [[service()], [endpoints({ "endpointslice.kubernetes.io/skip-mirror": "true" })]],
      [[], [endpoints()]],
    ] as Array<[KObject[], KObject[]]>) {
      const { client, c } = setup(svcs, eps);
      await c.sync("default/external-service");
      assert.equal(client.actions("create").length, 0);
    }
  });

  test("a mirrored slice follows changed addresses and goes with its Endpoints", async () => {
    const mirrored: KObject = {
      metadata: {
        namespace: "default",
        name: "external-service-abcde",
        labels: {
          "kubernetes.io/service-name": "external-service",
          "endpointslice.kubernetes.io/managed-by": "endpointslicemirroring-controller.k8s.io",
        },
      },
      addressType: "IPv4",
      endpoints: [
        { addresses: ["11.11.11.11"], conditions: { ready: true, serving: true, terminating: false } },
      ],
      ports: [{ name: "", port: 80, protocol: "TCP" }],
    } as KObject;
    const { client, c } = setup([service()], [endpoints()], [mirrored]);
    await c.sync("default/external-service");
    const [upd] = client.actions("update", "endpointslices").map((a) => a.body as any);
    assert.equal(upd.endpoints.length, 3);
    const gone = setup([service()], [], [mirrored]);
    await gone.c.sync("default/external-service");
    assert.equal(gone.client.actions("delete", "endpointslices").length, 1);
  });
});
