import assert from "node:assert/strict";
import { test } from "node:test";
import {
  isConfigMapKey,
  isDNS1123Label,
  isIPv6,
  isQualifiedName,
  isValidPathSegmentName,
  isValidPortName,
  nameIsDNSSubdomain,
  regexError,
} from "./formats.ts";
import { goLabelSelector, goStringMap, goTime } from "./go-value.ts";

test("regex errors list examples the way Go's RegexError joins them", () => {
  assert.equal(regexError("m", "f"), "m (regex used for validation is 'f')");
  assert.equal(regexError("m", "f", "a", "b"), "m (e.g. 'a',  or 'b', regex used for validation is 'f')");
});

test("DNS labels: 63 characters, no dots", () => {
  assert.deepEqual(isDNS1123Label("a".repeat(63)), []);
  assert.deepEqual(isDNS1123Label("a".repeat(64)), ["must be no more than 63 characters"]);
  assert.deepEqual(isDNS1123Label("a.b"), ["must not contain dots"]);
});

test("qualified names allow one DNS-subdomain prefix", () => {
  assert.deepEqual(isQualifiedName("kubernetes.io/hostname"), []);
  assert.deepEqual(isQualifiedName("/x"), ["prefix part must be non-empty"]);
  assert.deepEqual(isQualifiedName("x/"), [
    "name part must be non-empty",
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
  ]);
});

test("IANA port names", () => {
  assert.deepEqual(isValidPortName("http"), []);
  assert.deepEqual(isValidPortName("web--ui"), ["must not contain consecutive hyphens"]);
  assert.deepEqual(isValidPortName("a-very-long-port-name"), ["must be no more than 15 characters"]);
  assert.deepEqual(isValidPortName("-http"), ["must not begin or end with a hyphen"]);
});

test("config keys may not be '.' or start with '..'", () => {
  assert.deepEqual(isConfigMapKey("."), ["must not be '.'"]);
  assert.deepEqual(isConfigMapKey("app.properties"), []);
});

test("generate names are checked with a trailing dash masked", () => {
  assert.deepEqual(nameIsDNSSubdomain("kubia-", true), []);
  assert.equal(nameIsDNSSubdomain("kubia-", false).length, 1);
});

test("path segment names", () => {
  assert.deepEqual(isValidPathSegmentName("."), ["may not be '.'"]);
  assert.deepEqual(isValidPathSegmentName("a%b/c"), ["may not contain '/'", "may not contain '%'"]);
});

test("IPv6 parsing", () => {
  assert.ok(isIPv6("fd00::1"));
  assert.ok(isIPv6("::ffff:10.0.0.1"));
  assert.ok(!isIPv6("fd00::1::2"));
  assert.ok(!isIPv6("10.0.0.1"));
});

test("Go renderings of bad values", () => {
  assert.equal(goStringMap({ b: "2", a: "1" }).goString, 'map[string]string{"a":"1", "b":"2"}');
  assert.equal(goStringMap(undefined).goString, "map[string]string(nil)");
  assert.equal(
    goLabelSelector({ matchExpressions: [{ key: "app", operator: "In", values: ["kubia"] }] }).goString,
    'v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:"app", Operator:"In", Values:[]string{"kubia"}}}}',
  );
  assert.equal(goTime("2024-05-01T10:00:00Z").goString, "2024-05-01 10:00:00 +0000 UTC");
});
