import { test } from "node:test";
import assert from "node:assert/strict";
import { StatusError } from "../status-error.ts";
import {
  checkFieldSelector,
  escapeFieldValue,
  fieldMatches,
  fieldRequirements,
  fieldSelectorToString,
  isFieldSelectorEverything,
  parseFieldSelector,
} from "./field-selector.ts";

const pod = { "metadata.name": "kubia-x", "metadata.namespace": "default", "status.phase": "Running" };

function rejects(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof StatusError);
    assert.equal(e.code, 400);
    assert.equal(e.reason, "BadRequest");
    assert.equal(e.message, message);
    return true;
  });
}

test("=, == and != with comma as AND", () => {
  assert.ok(fieldMatches(parseFieldSelector("status.phase=Running"), pod));
  assert.ok(fieldMatches(parseFieldSelector("status.phase==Running"), pod));
  assert.ok(!fieldMatches(parseFieldSelector("status.phase!=Running"), pod));
  assert.ok(fieldMatches(parseFieldSelector("metadata.namespace!=kube-system,status.phase=Running"), pod));
  assert.ok(!fieldMatches(parseFieldSelector("metadata.namespace!=default,status.phase=Running"), pod));
});

test("== is reported as =; requirements come in sorted term order", () => {
  assert.deepEqual(fieldRequirements(parseFieldSelector("status.phase==Running,metadata.name!=a")), [
    { field: "metadata.name", operator: "!=", value: "a" },
    { field: "status.phase", operator: "=", value: "Running" },
  ]);
});

test("a missing field reads as the empty string", () => {
  assert.ok(fieldMatches(parseFieldSelector("spec.nodeName="), pod));
  assert.ok(!fieldMatches(parseFieldSelector("spec.nodeName=node-1"), pod));
  assert.ok(fieldMatches(parseFieldSelector("spec.nodeName!=node-1"), pod));
});

test("empty selectors and empty terms select everything", () => {
  assert.ok(isFieldSelectorEverything(parseFieldSelector("")));
  assert.ok(isFieldSelectorEverything(parseFieldSelector(",,")));
  assert.ok(fieldMatches(parseFieldSelector(""), {}));
});

test("escaped commas, equals and backslashes are part of the value", () => {
  const sel = parseFieldSelector("metadata.name=a\\,b\\=c\\\\d,status.phase=Running");
  assert.deepEqual(sel.requirements[0], { field: "metadata.name", operator: "=", value: "a,b=c\\d" });
  assert.ok(fieldMatches(sel, { "metadata.name": "a,b=c\\d", "status.phase": "Running" }));
  assert.equal(escapeFieldValue("a,b=c\\d"), "a\\,b\\=c\\\\d");
  assert.equal(fieldSelectorToString(sel), "metadata.name=a\\,b\\=c\\\\d,status.phase=Running");
});

test("the first operator splits a term", () => {
  assert.deepEqual(parseFieldSelector("a!=b").requirements, [{ field: "a", operator: "!=", value: "b" }]);
  assert.deepEqual(parseFieldSelector("a==b").requirements, [{ field: "a", operator: "=", value: "b" }]);
  assert.deepEqual(parseFieldSelector("a=\\=b").requirements, [{ field: "a", operator: "=", value: "=b" }]);
});

test("malformed selectors are 400 BadRequest with upstream's messages", () => {
  rejects(
    () => parseFieldSelector("status.phase"),
    "invalid selector: 'status.phase'; can't understand 'status.phase'",
  );
  rejects(() => parseFieldSelector("a=b,c"), "invalid selector: 'a=b,c'; can't understand 'c'");
  rejects(() => parseFieldSelector("a=b=c"), "invalid field selector: unescaped character in value: 61");
  rejects(() => parseFieldSelector("a=b\\x"), "invalid field selector: invalid escape sequence: \\x");
  rejects(() => parseFieldSelector("a=b\\"), "invalid field selector: invalid escape sequence: \\");
});

test("unsupported field labels are rejected", () => {
  const sel = parseFieldSelector("foo=bar");
  rejects(
    () => checkFieldSelector(sel, ["metadata.name", "metadata.namespace", "spec.nodeName"]),
    "field label not supported: foo",
  );
  rejects(
    () => checkFieldSelector(parseFieldSelector("foo.bar=baz"), ["metadata.name", "metadata.namespace"]),
    '"foo.bar" is not a known field selector: only "metadata.name", "metadata.namespace"',
  );
  checkFieldSelector(parseFieldSelector("metadata.name=x"), ["metadata.name", "metadata.namespace"]);
});
