import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SchemaRegistry, moduleOf, packageOf, type Schema } from "./schema-registry.ts";

const reg = SchemaRegistry.installed();
const schema = (name: string): Schema => {
  const s = reg.get(name);
  assert.ok(s, `${name} is not registered`);
  return s;
};
const props = (s: Schema) => s.properties as Record<string, Schema>;

describe("schemas derived from kubernetes-types", () => {
  it("names packages as upstream does", () => {
    assert.equal(packageOf("core/v1"), "io.k8s.api.core.v1");
    assert.equal(packageOf("meta/v1"), "io.k8s.apimachinery.pkg.apis.meta.v1");
    assert.equal(packageOf("api/resource"), "io.k8s.apimachinery.pkg.api.resource");
    assert.equal(moduleOf("", "v1"), "core/v1");
    assert.equal(moduleOf("networking.k8s.io", "v1"), "networking/v1");
  });

  it("Pod: description, group-version-kind and described references", () => {
    assert.equal(reg.ensure("core/v1", "Pod"), "io.k8s.api.core.v1.Pod");
    const pod = schema("io.k8s.api.core.v1.Pod");
    assert.equal(pod.type, "object");
    assert.match(pod.description as string, /^Pod is a collection of containers/);
    assert.deepEqual(pod["x-kubernetes-group-version-kind"], [{ group: "", kind: "Pod", version: "v1" }]);
    assert.deepEqual(Object.keys(props(pod)), ["apiVersion", "kind", "metadata", "spec", "status"]);
    assert.equal(pod.required, undefined);
    assert.deepEqual(props(pod).kind.type, "string");
    assert.deepEqual(props(pod).metadata.allOf, [
      { $ref: "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" },
    ]);
    assert.match(props(pod).metadata.description as string, /^Standard object's metadata/);
  });

  it("Container: required fields, lists with merge keys, maps of quantities", () => {
    const spec = props(schema("io.k8s.api.core.v1.PodSpec"));
    assert.deepEqual(spec.containers.items, { $ref: "#/components/schemas/io.k8s.api.core.v1.Container" });
    assert.equal(spec.containers.type, "array");
    assert.equal(spec.containers["x-kubernetes-patch-merge-key"], "name");
    assert.equal(spec.containers["x-kubernetes-patch-strategy"], "merge");
    assert.equal(spec.volumes["x-kubernetes-patch-strategy"], "merge,retainKeys");
    assert.deepEqual(spec.nodeSelector, {
      description: spec.nodeSelector.description,
      type: "object",
      additionalProperties: { type: "string" },
    });
    assert.deepEqual(spec.terminationGracePeriodSeconds.format, "int64");
    const container = schema("io.k8s.api.core.v1.Container");
    assert.deepEqual(container.required, ["name"]);
    assert.equal(props(container).ports["x-kubernetes-patch-merge-key"], "containerPort");
    const limits = props(schema("io.k8s.api.core.v1.ResourceRequirements")).limits;
    assert.deepEqual(limits.additionalProperties, {
      $ref: "#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity",
    });
    assert.deepEqual(schema("io.k8s.apimachinery.pkg.api.resource.Quantity").oneOf, [
      { type: "string" },
      { type: "number" },
    ]);
    const meta = props(schema("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"));
    assert.deepEqual(meta.creationTimestamp.allOf, [
      { $ref: "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Time" },
    ]);
    const time = schema("io.k8s.apimachinery.pkg.apis.meta.v1.Time");
    assert.equal(time.type, "string");
    assert.equal(time.format, "date-time");
  });

  it("Deployment: int-or-string, required selector and template, retainKeys strategy", () => {
    assert.equal(reg.ensure("apps/v1", "Deployment"), "io.k8s.api.apps.v1.Deployment");
    assert.deepEqual(schema("io.k8s.api.apps.v1.Deployment")["x-kubernetes-group-version-kind"], [
      { group: "apps", kind: "Deployment", version: "v1" },
    ]);
    const spec = schema("io.k8s.api.apps.v1.DeploymentSpec");
    assert.deepEqual(spec.required, ["selector", "template"]);
    assert.equal(props(spec).strategy["x-kubernetes-patch-strategy"], "retainKeys");
    const ru = props(schema("io.k8s.api.apps.v1.RollingUpdateDeployment"));
    assert.deepEqual(ru.maxSurge.allOf, [
      { $ref: "#/components/schemas/io.k8s.apimachinery.pkg.util.intstr.IntOrString" },
    ]);
    const ios = schema("io.k8s.apimachinery.pkg.util.intstr.IntOrString");
    assert.equal(ios.format, "int-or-string");
    assert.equal(ios["x-kubernetes-int-or-string"], true);
  });

  it("closure holds every referenced schema and nothing unreferenced", () => {
    const c = reg.closure([reg.ensure("core/v1", "ConfigMap")]);
    assert.deepEqual(Object.keys(c).slice().sort(), Object.keys(c));
    assert.ok(c["io.k8s.api.core.v1.ConfigMap"]);
    assert.ok(c["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]);
    assert.ok(c["io.k8s.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry"]);
    assert.equal(c["io.k8s.api.core.v1.PodSpec"], undefined);
    const text = JSON.stringify(c);
    for (const m of text.matchAll(/"#\/components\/schemas\/([^"]+)"/g))
      assert.ok(c[m[1]], `dangling $ref ${m[1]}`);
  });

  it("empty Go structs with custom JSON (RawExtension, FieldsV1) are plain objects", () => {
    reg.ensure("meta/v1", "ObjectMeta");
    assert.deepEqual(Object.keys(schema("io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1")).sort(), [
      "description",
      "type",
    ]);
  });
});
