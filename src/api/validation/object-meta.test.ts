import assert from "node:assert/strict";
import { test } from "node:test";
import { validateCreate, validateStatusUpdate, validateUpdate } from "./index.ts";
import { clone, messages, pod, service, storedPod } from "./test-fixtures.ts";

const subdomainMsg =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const nameRegexMsg =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

test("name or generateName is required", () => {
  const p = pod((o) => delete o.metadata.name);
  assert.deepEqual(messages(validateCreate("", "Pod", p)), [
    "metadata.name: Required value: name or generateName is required",
  ]);
});

test("pod names must be DNS-1123 subdomains", () => {
  const p = pod((o) => (o.metadata.name = "Foo_bar"));
  assert.deepEqual(messages(validateCreate("", "Pod", p)), [
    `metadata.name: Invalid value: "Foo_bar": ${subdomainMsg}`,
  ]);
});

test("names longer than 253 characters are rejected", () => {
  const long = "a".repeat(254);
  const p = pod((o) => (o.metadata.name = long));
  assert.deepEqual(messages(validateCreate("", "Pod", p)), [
    `metadata.name: Invalid value: "${long}": must be no more than 253 characters`,
  ]);
});

test("a generateName may end in a dash but must otherwise be a valid name", () => {
  const ok = pod((o) => {
    delete o.metadata.name;
    o.metadata.generateName = "kubia-";
    o.metadata.name = "kubia-x7k2p";
  });
  assert.deepEqual(validateCreate("", "Pod", ok), []);
  const bad = pod((o) => (o.metadata.generateName = "Kubia-"));
  assert.deepEqual(messages(validateCreate("", "Pod", bad)), [
    `metadata.generateName: Invalid value: "Kubia-": ${subdomainMsg}`,
  ]);
});

test("namespace names are DNS labels: no dots", () => {
  const ns = { metadata: { name: "custom.namespace" }, spec: { finalizers: ["kubernetes"] } };
  assert.deepEqual(messages(validateCreate("", "Namespace", ns)), [
    'metadata.name: Invalid value: "custom.namespace": must not contain dots',
  ]);
  const upper = { metadata: { name: "Custom" } };
  assert.deepEqual(messages(validateCreate("", "Namespace", upper)), [
    `metadata.name: Invalid value: "Custom": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
  ]);
});

test("service names are DNS-1035 labels: they must start with a letter", () => {
  const s = service((o) => (o.metadata.name = "1kubia"));
  assert.deepEqual(messages(validateCreate("", "Service", s)), [
    `metadata.name: Invalid value: "1kubia": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`,
  ]);
});

test("namespaced kinds need a namespace; cluster-scoped kinds may not have one", () => {
  const p = pod((o) => delete o.metadata.namespace);
  assert.deepEqual(messages(validateCreate("", "Pod", p)), ["metadata.namespace: Required value"]);
  const node = { metadata: { name: "node1", namespace: "default" } };
  assert.deepEqual(messages(validateCreate("", "Node", node)), [
    "metadata.namespace: Forbidden: not allowed on this type",
  ]);
});

test("label keys and values follow the qualified-name and label-value syntax", () => {
  const badKey = pod((o) => (o.metadata.labels = { "bad key": "x" }));
  assert.deepEqual(messages(validateCreate("", "Pod", badKey)), [
    `metadata.labels: Invalid value: "bad key": ${nameRegexMsg}`,
  ]);
  const badPrefix = pod((o) => (o.metadata.labels = { "Example.com/app": "x" }));
  assert.deepEqual(messages(validateCreate("", "Pod", badPrefix)), [
    `metadata.labels: Invalid value: "Example.com/app": prefix part ${subdomainMsg}`,
  ]);
  const badValue = pod((o) => (o.metadata.labels = { env: "foo bar" }));
  assert.deepEqual(messages(validateCreate("", "Pod", badValue)), [
    `metadata.labels: Invalid value: "foo bar": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
  ]);
  const tooMany = pod((o) => (o.metadata.labels = { "a/b/c": "x" }));
  assert.match(
    messages(validateCreate("", "Pod", tooMany))[0],
    /^metadata\.labels: Invalid value: "a\/b\/c": a qualified name must consist of/,
  );
});

test("annotation keys ignore case, and all annotations together stay under 256 KiB", () => {
  const mixed = pod((o) => (o.metadata.annotations = { "mycompany.com/SomeAnnotation": "foo bar" }));
  assert.deepEqual(validateCreate("", "Pod", mixed), []);
  const big = pod((o) => (o.metadata.annotations = { big: "x".repeat(256 * 1024) }));
  const errs = validateCreate("", "Pod", big);
  assert.equal(errs.length, 1);
  assert.equal(errs[0].field, "metadata.annotations");
  assert.equal(errs[0].type, "FieldValueTooLong");
});

test("unprefixed finalizers must be standard ones", () => {
  const p = pod((o) => (o.metadata.finalizers = ["custom", "example.com/cleanup", "foregroundDeletion"]));
  assert.deepEqual(messages(validateCreate("", "Pod", p)), [
    'metadata.finalizers[0]: Invalid value: "custom": name is neither a standard finalizer name nor is it fully qualified',
  ]);
});

test("owner references need apiVersion, kind, name and uid, and at most one controller", () => {
  const p = pod((o) => {
    o.metadata.ownerReferences = [
      { apiVersion: "v1", kind: "ReplicationController", name: "kubia", uid: "", controller: true },
      { apiVersion: "apps/v1", kind: "ReplicaSet", name: "kubia", uid: "u2", controller: true },
    ];
  });
  const msgs = messages(validateCreate("", "Pod", p));
  assert.equal(msgs[0], 'metadata.ownerReferences.uid: Invalid value: "": must not be empty');
  assert.match(
    msgs[1],
    /^metadata\.ownerReferences: Invalid value: .*: Only one reference can have Controller set to true\. Found "true" in references for ReplicationController\/kubia and ReplicaSet\/kubia$/,
  );
});

test("names must be usable as URL path segments (checked for every kind)", () => {
  const ev = {
    metadata: { name: "a/b", namespace: "default" },
    involvedObject: { kind: "Pod", name: "kubia", namespace: "default" },
    reason: "Started",
  };
  assert.deepEqual(messages(validateCreate("", "Event", ev)), [
    "metadata.name: Invalid value: \"a/b\": may not contain '/'",
  ]);
  const dot = { ...ev, metadata: { name: "..", namespace: "default" } };
  assert.deepEqual(messages(validateCreate("", "Event", dot)), [
    "metadata.name: Invalid value: \"..\": may not be '..'",
  ]);
});

test("updates may not change name, namespace, uid or creationTimestamp, and need a resourceVersion", () => {
  const old = storedPod();
  const renamed = clone(old);
  renamed.metadata.name = "other";
  assert.deepEqual(messages(validateUpdate("", "Pod", renamed, old)), [
    'metadata.name: Invalid value: "other": field is immutable',
  ]);
  const moved = clone(old);
  moved.metadata.namespace = "custom-namespace";
  assert.deepEqual(messages(validateUpdate("", "Pod", moved, old)), [
    'metadata.namespace: Invalid value: "custom-namespace": field is immutable',
  ]);
  const newUid = clone(old);
  newUid.metadata.uid = "uid-2";
  assert.deepEqual(messages(validateUpdate("", "Pod", newUid, old)), [
    'metadata.uid: Invalid value: "uid-2": field is immutable',
  ]);
  const reborn = clone(old);
  reborn.metadata.creationTimestamp = "2024-06-01T00:00:00Z";
  const errs = validateUpdate("", "Pod", reborn, old);
  assert.equal(errs.length, 1);
  assert.equal(errs[0].field, "metadata.creationTimestamp");
  assert.equal(errs[0].detail, "field is immutable");
  assert.equal(String(errs[0].value), "2024-06-01 00:00:00 +0000 UTC");
  const noRv = clone(old);
  delete noRv.metadata.resourceVersion;
  assert.deepEqual(messages(validateUpdate("", "Pod", noRv, old)), [
    'metadata.resourceVersion: Invalid value: "": must be specified for an update',
  ]);
});

test("no finalizers may be added once deletion started", () => {
  const old = storedPod((p) => (p.metadata.deletionTimestamp = "2024-05-02T00:00:00Z"));
  const next = clone(old);
  next.metadata.finalizers = ["example.com/hold"];
  assert.deepEqual(messages(validateUpdate("", "Pod", next, old)), [
    'metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"example.com/hold"}',
  ]);
});

test("status writes check metadata rules too", () => {
  const old = storedPod();
  const next = clone(old);
  next.metadata.labels = { "bad key": "x" };
  assert.equal(
    messages(validateStatusUpdate("", "Pod", next, old))[0],
    `metadata.labels: Invalid value: "bad key": ${nameRegexMsg}`,
  );
});
