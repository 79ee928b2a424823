import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { decodeProtobufObject } from "./index.ts";

// Each fixture pair is one kubectl command: <name>.pb as kubectl 1.32 sent it (protobuf) and
// <name>.json as kubectl 1.31 sent the same object (JSON). See capture-fixtures.ts.
const dir = new URL("./fixtures/", import.meta.url).pathname;
const names = readdirSync(dir)
  .filter((f) => f.endsWith(".pb"))
  .map((f) => f.slice(0, -3))
  .sort();

test("the fixtures cover the kinds kubectl create sends as protobuf", () => {
  for (const n of [
    "deployment",
    "namespace",
    "configmap",
    "secret-generic",
    "service-nodeport",
    "job",
    "cronjob",
    "quota",
  ]) {
    assert.ok(names.includes(n), `missing fixture ${n}`);
  }
});

for (const name of names) {
  test(`kubectl 1.32 protobuf body decodes to kubectl 1.31's JSON: ${name}`, () => {
    const oracle = JSON.parse(readFileSync(`${dir}${name}.json`, "utf8")) as { body: unknown };
    assert.deepEqual(decodeProtobufObject(readFileSync(`${dir}${name}.pb`)), oracle.body);
  });
}

test("decoded deployment carries the fields the user asked for", () => {
  const d = decodeProtobufObject(readFileSync(`${dir}deployment.pb`)) as any;
  assert.equal(d.kind, "Deployment");
  assert.equal(d.apiVersion, "apps/v1");
  assert.equal(d.spec.replicas, 2);
  assert.deepEqual(d.spec.template.spec.containers[0].ports, [{ containerPort: 80 }]);
  assert.equal(d.metadata.creationTimestamp, null);
});

test("secret data comes back base64-encoded, as in JSON", () => {
  const s = decodeProtobufObject(readFileSync(`${dir}secret-generic.pb`)) as any;
  assert.equal(Buffer.from(s.data.k, "base64").toString(), "v");
});
