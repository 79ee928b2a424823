import { test } from "node:test";
import assert from "node:assert/strict";
import { RecordingClient } from "../../client/fake-client.ts";
import { ensureKubernetesService } from "./kubernetes-service.ts";

const opts = { serviceIP: "10.43.0.1", endpointIP: "192.168.1.10", port: 6443 };

test("makes the kubernetes service, endpoints and slice, then leaves them alone", async () => {
  const c = new RecordingClient();
  await ensureKubernetesService(c, opts);
  const created = c.actions("create");
  assert.deepEqual(
    created.map((a) => a.resource),
    ["services", "endpoints", "endpointslices"],
  );
  const svc: any = created[0].body;
  assert.equal(svc.metadata.namespace, "default");
  assert.deepEqual(svc.metadata.labels, { component: "apiserver", provider: "kubernetes" });
  assert.equal(svc.spec.clusterIP, "10.43.0.1");
  assert.deepEqual(svc.spec.ports, [{ name: "https", port: 443, protocol: "TCP", targetPort: 6443 }]);
  const ep: any = created[1].body;
  assert.deepEqual(ep.subsets, [
    { addresses: [{ ip: "192.168.1.10" }], ports: [{ name: "https", port: 6443, protocol: "TCP" }] },
  ]);
  const slice: any = created[2].body;
  assert.equal(slice.metadata.labels["kubernetes.io/service-name"], "kubernetes");
  assert.deepEqual(slice.endpoints, [{ addresses: ["192.168.1.10"], conditions: { ready: true } }]);

  c.calls.length = 0;
  await ensureKubernetesService(c, opts);
  assert.deepEqual(c.actions("create"), []);
  assert.deepEqual(c.actions("update"), []);
});

test("recreates the service after it was deleted and fixes drifted endpoints", async () => {
  const c = new RecordingClient();
  await ensureKubernetesService(c, opts);
  await c.delete(
    { group: "", version: "v1", resource: "services", namespaced: true },
    "default",
    "kubernetes",
  );
  c.calls.length = 0;
  await ensureKubernetesService(c, { ...opts, endpointIP: "192.168.1.11" });
  assert.deepEqual(
    c.actions("create").map((a) => a.resource),
    ["services"],
  );
  assert.deepEqual(
    c.actions("update").map((a) => a.resource),
    ["endpoints", "endpointslices"],
  );
});
