import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { StatusError } from "../../apimachinery/status-error.ts";
import { decodeProtobufObject, type ProtobufDecodeTarget } from "./index.ts";
import { encode, envelope } from "./wire-writer.ts";

const deployment: ProtobufDecodeTarget = { apiVersion: "apps/v1", kind: "Deployment" };
const PREFIX = [0x6b, 0x38, 0x73, 0x00];

function failure(body: Uint8Array, target?: ProtobufDecodeTarget): StatusError {
  try {
    decodeProtobufObject(body, target);
  } catch (e) {
    assert.ok(e instanceof StatusError, `not a StatusError: ${String(e)}`);
    return e;
  }
  assert.fail("decoding succeeded");
}

test("a kind Kubernetes does not have is a 400 worded like kube-apiserver's", () => {
  const e = failure(envelope("apps/v1", "deployment", [[1, [[1, "x"]]]]), deployment);
  assert.equal(e.code, 400);
  assert.equal(e.reason, "BadRequest");
  assert.equal(
    e.message,
    'deployment in version "v1" cannot be handled as a Deployment: no kind "deployment" is registered for version "apps/v1" in scheme "pkg/api/legacyscheme/scheme.go:30"',
  );
});

test("a served kind without a protobuf schema is a 415, not a misread object", () => {
  const e = failure(envelope("v1", "Node", [[1, [[1, "n"]]]]));
  assert.equal(e.code, 415);
  assert.equal(e.reason, "UnsupportedMediaType");
});

test("a missing kind or apiVersion is taken from the endpoint, as upstream's copyKindDefaults does", () => {
  const d = decodeProtobufObject(envelope("", "", [[1, [[1, "web"]]]]), deployment);
  assert.equal(d.kind, "Deployment");
  assert.equal(d.apiVersion, "apps/v1");
  const e = failure(envelope("apps/v1", "", []));
  assert.equal(e.message, `Object 'Kind' is missing in 'runtime.TypeMeta{APIVersion:"apps/v1", Kind:""}'`);
});

test("bodies that are not protobuf are 400s naming the expected type", () => {
  assert.equal(
    failure(new Uint8Array(), deployment).message,
    "the object provided is unrecognized (must be of type Deployment): empty data (<empty>)",
  );
  assert.equal(
    failure(new TextEncoder().encode('{"kind":"Deployment"}'), deployment).message,
    'the object provided is unrecognized (must be of type Deployment): provided data does not appear to be a protobuf message, expected prefix [107 56 115 0] ({"kind":"Deployment"})',
  );
  assert.equal(failure(Uint8Array.from(PREFIX)).message, "empty body");
});

test("truncated and corrupt messages are 400s with the generated decoder's wording", () => {
  const whole = envelope("apps/v1", "Deployment", [[1, [[1, "web"]]]]);
  const cut = failure(whole.subarray(0, whole.length - 6), deployment);
  assert.equal(cut.code, 400);
  assert.match(
    cut.message,
    /^the object provided is unrecognized \(must be of type Deployment\): unexpected EOF \(6b387300/,
  );

  // the envelope is fine, the Deployment inside is cut short
  const inner = encode([
    [
      1,
      [
        [1, "apps/v1"],
        [2, "Deployment"],
      ],
    ],
    [2, Uint8Array.from([0x0a, 0x05, 0x0a])],
  ]);
  assert.equal(
    failure(Uint8Array.from([...PREFIX, ...inner]), deployment).message,
    'Deployment in version "v1" cannot be handled as a Deployment: unexpected EOF',
  );

  const wrongType = envelope("apps/v1", "Deployment", [[2, [[1, "three"]]]]);
  assert.equal(failure(wrongType).message, "proto: wrong wireType = 2 for field Replicas");

  const overflow = Uint8Array.from([...PREFIX, 0x08, ...new Array<number>(11).fill(0xff)]);
  assert.equal(failure(overflow).message, "proto: integer overflow");

  const badQuantity = envelope("v1", "ResourceQuota", [
    [
      2,
      [
        [
          1,
          encode([
            [1, "cpu"],
            [2, [[1, "lots"]]],
          ]),
        ],
      ],
    ],
  ]);
  assert.match(failure(badQuantity).message, /^quantities must match the regular expression/);
});

test("random corruption of real kubectl bodies never escapes as anything but a StatusError", () => {
  const dir = new URL("./fixtures/", import.meta.url).pathname;
  const bodies = readdirSync(dir)
    .filter((f) => f.endsWith(".pb"))
    .map((f) => readFileSync(dir + f));
  let seed = 42;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  let failures = 0;
  for (let i = 0; i < 5000; i++) {
    const body = Uint8Array.from(bodies[rand(bodies.length)]);
    for (let j = rand(4) + 1; j > 0; j--) body[4 + rand(body.length - 4)] = rand(256);
    const cut = rand(3) === 0 ? body.subarray(0, rand(body.length + 1)) : body;
    try {
      decodeProtobufObject(cut, deployment);
    } catch (e) {
      assert.ok(e instanceof StatusError, `iteration ${i}: ${String(e)}`);
      assert.ok(e.code === 400 || e.code === 415, `iteration ${i}: ${e.code}`);
      failures++;
    }
  }
  assert.ok(failures > 1000, "corruption should usually be detected");
});
