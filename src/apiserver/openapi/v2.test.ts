import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { WIRE_BYTES, WireReader } from "../protobuf/wire-reader.ts";
import { openApiV2 } from "./index.ts";
import type { Schema } from "./schema-registry.ts";

const POD = "io.k8s.api.core.v1.Pod";
const OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

/** Every length-delimited field `no` of a message. */
function subs(buf: Uint8Array, no: number): Uint8Array[] {
  const r = new WireReader(buf);
  const out: Uint8Array[] = [];
  for (let f = r.next("test"); f; f = r.next("test"))
    if (f.field === no && f.wireType === WIRE_BYTES) out.push(f.bytes);
  return out;
}
const text = (b: Uint8Array | undefined) => (b ? new TextDecoder().decode(b) : undefined);
/** NamedX { name = 1; value = 2 } entries of a repeated field, by name. */
function named(buf: Uint8Array, no: number): Map<string, Uint8Array> {
  return new Map(subs(buf, no).map((e) => [text(subs(e, 1)[0])!, subs(e, 2)[0]]));
}

describe("OpenAPI v2", () => {
  const v2 = openApiV2();
  const doc = JSON.parse(v2.json) as Schema & {
    definitions: Record<string, Schema & { properties: Record<string, Schema> }>;
    paths: Record<string, Record<string, Schema & { parameters?: Schema[] }>>;
  };

  it("is Swagger 2.0 with v2 references only", () => {
    assert.equal(doc.swagger, "2.0");
    assert.doesNotMatch(v2.json, /#\/components\//);
    assert.doesNotMatch(v2.json, /"requestBody"/);
  });

  it("references wrapped in allOf become bare references, as kubectl's reader needs", () => {
    const meta = doc.definitions[POD].properties.metadata;
    assert.equal(meta.$ref, `#/definitions/${OBJECT_META}`);
    assert.equal(meta.allOf, undefined);
    assert.deepEqual(doc.definitions[POD]["x-kubernetes-group-version-kind"], [
      { group: "", kind: "Pod", version: "v1" },
    ]);
  });

  it("keeps the patch metadata apply merges lists by", () => {
    const containers = doc.definitions["io.k8s.api.core.v1.PodSpec"].properties.containers;
    assert.equal(containers["x-kubernetes-patch-merge-key"], "name");
    assert.equal(containers["x-kubernetes-patch-strategy"], "merge");
  });

  it("turns a request body into a body parameter with the operation's media types", () => {
    const post = doc.paths["/api/v1/namespaces/{namespace}/pods"].post;
    const body = post.parameters?.find((p) => p.in === "body");
    assert.deepEqual(body?.schema, { $ref: `#/definitions/${POD}` });
    assert.deepEqual(post.consumes, ["*/*"]);
    const patch = doc.paths["/api/v1/namespaces/{namespace}/pods/{name}"].patch;
    assert.ok((patch.consumes as string[]).includes("application/strategic-merge-patch+json"));
    const query = post.parameters?.find((p) => p.name === "dryRun");
    assert.equal(query?.type, "string");
    assert.equal(query?.schema, undefined);
  });

  it("encodes the same document as gnostic's protobuf", () => {
    const proto = new Uint8Array(v2.proto);
    assert.equal(text(subs(proto, 1)[0]), "2.0");
    const definitions = named(subs(proto, 9)[0], 1);
    assert.equal(definitions.size, Object.keys(doc.definitions).length);
    const pod = definitions.get(POD)!;
    const props = named(subs(pod, 25)[0], 1);
    assert.equal(text(subs(props.get("metadata")!, 1)[0]), `#/definitions/${OBJECT_META}`);
    // type = 22: TypeItem { value = 1 }
    assert.equal(text(subs(subs(pod, 22)[0], 1)[0]), "object");
    // vendor_extension = 31: NamedAny { name; value: Any { yaml = 2 } }
    const ext = named(pod, 31);
    assert.deepEqual(JSON.parse(text(subs(ext.get("x-kubernetes-group-version-kind")!, 2)[0])!), [
      { group: "", kind: "Pod", version: "v1" },
    ]);
    const paths = named(subs(proto, 8)[0], 2);
    assert.equal(paths.size, Object.keys(doc.paths).length);
    // post = 4: Operation { operation_id = 5 }
    const post = subs(paths.get("/api/v1/namespaces/{namespace}/pods")!, 4)[0];
    assert.equal(text(subs(post, 5)[0]), doc.paths["/api/v1/namespaces/{namespace}/pods"].post.operationId);
  });

  it("is built once", () => {
    assert.equal(openApiV2(), v2);
    assert.match(v2.hash, /^[0-9A-F]{128}$/);
  });
});
