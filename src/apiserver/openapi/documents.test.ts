import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { servedGroupVersions } from "../../api/resources.ts";
import { openApiV3Document, openApiV3DocumentJson, openApiV3Root } from "./index.ts";

type Doc = {
  openapi: string;
  info: unknown;
  paths: Record<string, Record<string, any>>;
  components: { schemas: Record<string, any> };
};
const doc = (p: string) => openApiV3Document(p) as Doc;

describe("OpenAPI v3 documents", () => {
  it("the root lists every served group-version with a content hash", () => {
    const root = openApiV3Root();
    const expected = servedGroupVersions().map((gv) =>
      gv.group ? `apis/${gv.group}/${gv.version}` : `api/${gv.version}`,
    );
    assert.deepEqual(Object.keys(root.paths), expected);
    for (const [p, { serverRelativeURL }] of Object.entries(root.paths)) {
      const d = openApiV3DocumentJson(p)!;
      assert.equal(serverRelativeURL, `/openapi/v3/${p}?hash=${d.hash}`);
      assert.match(d.hash, /^[0-9A-F]{128}$/);
    }
  });

  it("unknown documents are undefined", () => {
    assert.equal(openApiV3Document("apis/nosuch.io/v1"), undefined);
  });

  it("api/v1 has upstream's URL templates with PATCH carrying fieldValidation and the kind", () => {
    const d = doc("api/v1");
    assert.equal(d.openapi, "3.0.0");
    assert.deepEqual(d.info, { title: "Kubernetes", version: "v1.32.0" });
    for (const p of [
      "/api/v1/namespaces/{namespace}/pods",
      "/api/v1/namespaces/{namespace}/pods/{name}",
      "/api/v1/pods",
      "/api/v1/watch/namespaces/{namespace}/pods",
      "/api/v1/namespaces/{namespace}/pods/{name}/status",
      "/api/v1/namespaces/{namespace}/pods/{name}/binding",
      "/api/v1/nodes/{name}",
      "/api/v1/namespaces/{name}/finalize",
    ]) {
      assert.ok(d.paths[p], `missing ${p}`);
    }
    const item = d.paths["/api/v1/namespaces/{namespace}/pods/{name}"];
    assert.deepEqual(Object.keys(item).sort(), ["delete", "get", "parameters", "patch", "put"]);
    assert.deepEqual(item.patch["x-kubernetes-group-version-kind"], {
      group: "",
      version: "v1",
      kind: "Pod",
    });
    assert.equal(item.patch["x-kubernetes-action"], "patch");
    assert.ok(item.patch.parameters.some((x: any) => x.name === "fieldValidation" && x.in === "query"));
    assert.equal(
      item.get.responses["200"].content["application/json"].schema.$ref,
      "#/components/schemas/io.k8s.api.core.v1.Pod",
    );
    assert.equal(d.paths["/api/v1/namespaces/{namespace}/pods"].get.operationId, "listCoreV1NamespacedPod");
    // bindings can only be created: no item path, no list
    assert.equal(d.paths["/api/v1/namespaces/{namespace}/bindings/{name}"], undefined);
    assert.ok(d.paths["/api/v1/namespaces/{namespace}/bindings"].post);
    // every $ref resolves inside the document
    for (const m of JSON.stringify(d).matchAll(/"#\/components\/schemas\/([^"]+)"/g))
      assert.ok(d.components.schemas[m[1]], m[1]);
  });

  it("apps/v1 scale subresource answers autoscaling/v1 Scale", () => {
    const scale = doc("apis/apps/v1").paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"];
    assert.deepEqual(scale.patch["x-kubernetes-group-version-kind"], {
      group: "autoscaling",
      version: "v1",
      kind: "Scale",
    });
    assert.ok(doc("apis/apps/v1").components.schemas["io.k8s.api.autoscaling.v1.Scale"]);
  });

  it("legacy group-versions carry their own kinds", () => {
    const beta2 = doc("apis/apps/v1beta2").components.schemas["io.k8s.api.apps.v1beta2.Deployment"];
    assert.deepEqual(beta2["x-kubernetes-group-version-kind"], [
      { group: "apps", kind: "Deployment", version: "v1beta2" },
    ]);
    const cj = doc("apis/batch/v1beta1").components.schemas["io.k8s.api.batch.v1beta1.CronJob"];
    assert.deepEqual(cj["x-kubernetes-group-version-kind"], [
      { group: "batch", kind: "CronJob", version: "v1beta1" },
    ]);
    const ext = doc("apis/extensions/v1beta1");
    const backend = ext.components.schemas["io.k8s.api.extensions.v1beta1.IngressBackend"];
    assert.deepEqual(Object.keys(backend.properties), ["resource", "serviceName", "servicePort"]);
    const patch = ext.paths["/apis/extensions/v1beta1/namespaces/{namespace}/ingresses/{name}"].patch;
    assert.deepEqual(patch["x-kubernetes-group-version-kind"], {
      group: "extensions",
      version: "v1beta1",
      kind: "Ingress",
    });
    for (const m of JSON.stringify(ext).matchAll(/"#\/components\/schemas\/([^"]+)"/g))
      assert.ok(ext.components.schemas[m[1]], m[1]);
  });
});
