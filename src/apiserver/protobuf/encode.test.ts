import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { decodeProtobufObject } from "./index.ts";
import { encodeProtobufObject, encodeWatchFrame, protobufMessageOf } from "./encode.ts";
import { parseGoDuration } from "./encode-message.ts";
import { WireReader } from "./wire-reader.ts";

const dir = new URL("./fixtures/", import.meta.url).pathname;
const names = readdirSync(dir)
  .filter((f) => f.endsWith(".json"))
  .map((f) => f.slice(0, -5));

// The decoder reads protobuf as Go's generated Unmarshal does, so what the encoder writes must
// come back as the same JSON: the fixtures are objects kubectl sent.
for (const name of names) {
  test(`encoded protobuf decodes back to the same object: ${name}`, () => {
    const body = (JSON.parse(readFileSync(`${dir}${name}.json`, "utf8")) as { body: Record<string, unknown> })
      .body;
    const bytes = encodeProtobufObject(body);
    assert.ok(bytes, `no message for ${String(body.kind)}`);
    assert.deepEqual(decodeProtobufObject(bytes), body);
  });
}

test("a pod with times, quantities, int-or-strings, inline sources and maps round-trips", () => {
  const pod = {
    kind: "Pod",
    apiVersion: "v1",
    metadata: {
      name: "web",
      namespace: "default",
      uid: "0c5f5b8e-1111-4222-8333-444455556666",
      resourceVersion: "42",
      creationTimestamp: "2026-12-07T15:21:41Z",
      labels: { b: "2", a: "1", é: "ü" },
      ownerReferences: [
        {
          apiVersion: "apps/v1",
          kind: "ReplicaSet",
          name: "web-1",
          uid: "u",
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
      managedFields: [
        {
          manager: "kubectl",
          operation: "Update",
          apiVersion: "v1",
          time: "2026-12-07T15:21:41Z",
          fieldsType: "FieldsV1",
          fieldsV1: { "f:metadata": { "f:labels": { ".": {} } } },
        },
      ],
    },
    spec: {
      containers: [
        {
          name: "c",
          image: "busybox",
          resources: { limits: { cpu: "500m", memory: "64Mi" } },
          env: [{ name: "K", valueFrom: { secretKeyRef: { name: "s", key: "k", optional: false } } }],
          livenessProbe: { httpGet: { path: "/", port: 8080, scheme: "HTTP" }, periodSeconds: 10 },
          readinessProbe: { tcpSocket: { port: "http" } },
          securityContext: { runAsUser: -1 },
        },
      ],
      volumes: [{ name: "v", configMap: { name: "cm", defaultMode: 420 } }],
      restartPolicy: "Always",
    },
    status: { phase: "Running", startTime: "2026-12-07T15:21:42Z" },
  };
  assert.deepEqual(decodeProtobufObject(encodeProtobufObject(pod)!), pod);
});

test("Secret data is bytes on the wire and base64 in JSON", () => {
  const secret = {
    kind: "Secret",
    apiVersion: "v1",
    metadata: { name: "s", creationTimestamp: null },
    data: { k: Buffer.from([0, 255, 1]).toString("base64") },
    type: "Opaque",
  };
  const bytes = encodeProtobufObject(secret)!;
  assert.ok(Buffer.from(bytes).includes(Buffer.from([0, 255, 1])));
  assert.deepEqual(decodeProtobufObject(bytes), secret);
});

test("lists, Status and custom kinds", () => {
  assert.equal(protobufMessageOf("v1", "PodList"), "k8s.io.api.core.v1.PodList");
  assert.equal(protobufMessageOf("v1", "Status"), "k8s.io.apimachinery.pkg.apis.meta.v1.Status");
  assert.equal(protobufMessageOf("rbac.authorization.k8s.io/v1", "Role"), "k8s.io.api.rbac.v1.Role");
  assert.equal(
    protobufMessageOf("metrics.k8s.io/v1beta1", "PodMetrics"),
    "k8s.io.metrics.pkg.apis.metrics.v1beta1.PodMetrics",
  );
  assert.equal(protobufMessageOf("stable.example.com/v1", "Widget"), undefined);
  assert.equal(protobufMessageOf("apiextensions.k8s.io/v1", "CustomResourceDefinition"), undefined);
  assert.equal(encodeProtobufObject({ kind: "Widget", apiVersion: "stable.example.com/v1" }), undefined);
});

test("a micro time keeps its microseconds; a duration is nanoseconds", () => {
  const lease = {
    kind: "Lease",
    apiVersion: "coordination.k8s.io/v1",
    metadata: { name: "l" },
    spec: { holderIdentity: "me", renewTime: "2026-12-07T15:21:41.123456Z" },
  };
  const bytes = encodeProtobufObject(lease)!;
  // Time{seconds: 1796657701, nanos: 123456000}
  const seconds = Math.floor(Date.parse("2026-12-07T15:21:41Z") / 1000);
  const r = new WireReader(bytes, 4);
  let raw: Uint8Array | undefined;
  for (let f = r.next("Unknown"); f; f = r.next("Unknown")) if (f.field === 2) raw = f.bytes;
  const spec = fieldOf(fieldOf(raw!, 2), 4); // LeaseSpec.renewTime
  const t = new WireReader(spec);
  assert.equal(t.next("Time")!.varint, BigInt(seconds));
  assert.equal(t.next("Time")!.varint, 123456000n);
  assert.equal(parseGoDuration("1m30.5s"), 90.5e9);
  assert.equal(parseGoDuration("15s"), 15e9);
  assert.equal(parseGoDuration("-2h"), -7200e9);
  assert.equal(parseGoDuration("x"), 0);
});

test("a watch frame is a length, then a bare WatchEvent whose object is an enveloped object", () => {
  const inner = encodeProtobufObject({ kind: "ConfigMap", apiVersion: "v1", metadata: { name: "a" } })!;
  const frame = encodeWatchFrame("ADDED", inner);
  assert.equal(new DataView(frame.buffer, frame.byteOffset).getUint32(0), frame.length - 4);
  // The event itself is bare (the raw stream serializer); only its object has the envelope.
  const event = frame.subarray(4);
  assert.equal(Buffer.from(fieldOf(event, 1)).toString(), "ADDED");
  const object = fieldOf(fieldOf(event, 2), 1);
  assert.deepEqual(decodeProtobufObject(object), {
    kind: "ConfigMap",
    apiVersion: "v1",
    metadata: { name: "a", creationTimestamp: null },
  });
});

function fieldOf(buf: Uint8Array, n: number): Uint8Array {
  const r = new WireReader(buf);
  for (let f = r.next("m"); f; f = r.next("m")) if (f.field === n) return f.bytes;
  throw new Error(`no field ${n}`);
}
