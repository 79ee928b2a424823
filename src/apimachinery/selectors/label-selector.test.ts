import { test } from "node:test";
import assert from "node:assert/strict";
import { StatusError } from "../status-error.ts";
import {
  isEverything,
  labelSelectorFromMetav1,
  labelSelectorFromSet,
  labelSelectorToString,
  matches,
  parseLabelSelector,
} from "./label-selector.ts";

const manual = { creation_method: "manual", env: "prod" };
const v2 = { creation_method: "manual", env: "debug" };
const rcPod = { run: "kubia" };
const none = undefined;

function select(s: string): string[] {
  const sel = parseLabelSelector(s);
  const pods: Record<string, Record<string, string> | undefined> = { manual, v2, rcPod, none };
  return Object.entries(pods)
    .filter(([, l]) => matches(sel, l))
    .map(([n]) => n);
}

function badRequest(s: string, message: string): void {
  assert.throws(
    () => parseLabelSelector(s),
    (e: unknown) => {
      assert.ok(e instanceof StatusError);
      assert.equal(e.code, 400);
      assert.equal(e.reason, "BadRequest");
      assert.equal(e.message, message);
      return true;
    },
  );
}

test("equality: =, == and !=", () => {
  assert.deepEqual(select("creation_method=manual"), ["manual", "v2"]);
  assert.deepEqual(select("env==debug"), ["v2"]);
  // != also matches objects without the label, as upstream.
  assert.deepEqual(select("creation_method!=manual"), ["rcPod", "none"]);
});

test("set-based: in and notin", () => {
  assert.deepEqual(select("env in (prod,devel)"), ["manual"]);
  assert.deepEqual(select("env notin (prod,devel)"), ["v2", "rcPod", "none"]);
  assert.deepEqual(select("env in (prod, debug)"), ["manual", "v2"]);
});

test("existence: key and !key", () => {
  assert.deepEqual(select("env"), ["manual", "v2"]);
  assert.deepEqual(select("!env"), ["rcPod", "none"]);
});

test("comma is AND and whitespace is ignored between tokens", () => {
  assert.deepEqual(select("creation_method=manual,env=prod"), ["manual"]);
  assert.deepEqual(select("  creation_method = manual ,  env  notin ( prod )  "), ["v2"]);
  assert.deepEqual(select("app=pc,rel=beta"), []);
});

test("the empty selector selects everything", () => {
  const sel = parseLabelSelector("");
  assert.ok(isEverything(sel));
  assert.ok(matches(sel, undefined));
  assert.ok(isEverything(parseLabelSelector("   ")));
  assert.ok(!isEverything(parseLabelSelector("a")));
});

test("empty values: a=, a in (), a in (,b)", () => {
  assert.ok(matches(parseLabelSelector("a="), { a: "" }));
  assert.ok(!matches(parseLabelSelector("a="), {}));
  assert.ok(matches(parseLabelSelector("a in ()"), { a: "" }));
  const sel = parseLabelSelector("a in (,b)");
  assert.deepEqual(sel.requirements[0].values, ["", "b"]);
});

test("in and notin are values in value position", () => {
  assert.ok(matches(parseLabelSelector("x in (in,notin)"), { x: "notin" }));
  assert.ok(matches(parseLabelSelector("x=in"), { x: "in" }));
});

test("gt and lt compare integers", () => {
  assert.ok(matches(parseLabelSelector("replicas>2"), { replicas: "3" }));
  assert.ok(!matches(parseLabelSelector("replicas>2"), { replicas: "2" }));
  assert.ok(matches(parseLabelSelector("replicas<2"), { replicas: "-1" }));
  assert.ok(!matches(parseLabelSelector("replicas<2"), { replicas: "x" }));
  assert.ok(!matches(parseLabelSelector("replicas<2"), {}));
});

test("parsed selectors print sorted by key as upstream", () => {
  assert.equal(labelSelectorToString(parseLabelSelector("z=1,a in (y,x,x),!b,c")), "a in (x,y),!b,c,z=1");
  assert.equal(labelSelectorToString(parseLabelSelector("a==b,c!=d,e>3")), "a==b,c!=d,e>3");
});

test("syntax errors are 400 BadRequest with upstream's messages", () => {
  badRequest("a=b c", "found 'c', expected: ',' or 'end of string'");
  badRequest("!a=b", "found '=', expected: ',' or 'end of string'");
  badRequest("a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt");
  badRequest("a,", "found '', expected: identifier after ','");
  badRequest(",a", "found ',', expected: !, identifier, or 'end of string'");
  badRequest("a in b", "unable to parse requirement: found 'b' expected: '('");
  badRequest("a in (b", "unable to parse requirement: found '', expected: ',' or ')'");
  badRequest("a in (=)", "unable to parse requirement: found '=', expected: ',', ')' or identifier");
  badRequest("a=(", "unable to parse requirement: found '(', expected: identifier");
  badRequest("!", "unable to parse requirement: found '', expected: identifier");
  badRequest("a (", "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt");
});

test("invalid keys and values quote upstream's validation messages", () => {
  badRequest(
    "app:monolith",
    "unable to parse requirement: <nil>: Invalid value: \"app:monolith\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
  );
  badRequest(
    "app.kubernetes_io/name=x",
    "unable to parse requirement: <nil>: Invalid value: \"app.kubernetes_io/name\": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
  );
  badRequest(
    "a=b$",
    "unable to parse requirement: values[0][a]: Invalid value: \"b$\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
  );
  badRequest(
    "a>b",
    "unable to parse requirement: values[0]: Invalid value: \"b\": for 'Gt', 'Lt' operators, the value must be an integer",
  );
});

test("metav1 selectors: matchLabels and matchExpressions are ANDed", () => {
  // kubia-replicaset-matchexpressions.yaml
  const sel = labelSelectorFromMetav1({
    matchExpressions: [{ key: "app", operator: "In", values: ["kubia"] }],
  });
  assert.ok(matches(sel, { app: "kubia" }));
  assert.ok(!matches(sel, { app: "other" }));

  const all = labelSelectorFromMetav1({
    matchLabels: { app: "kubia" },
    matchExpressions: [
      { key: "env", operator: "NotIn", values: ["dev"] },
      { key: "tier", operator: "Exists" },
      { key: "canary", operator: "DoesNotExist" },
    ],
  });
  assert.ok(matches(all, { app: "kubia", tier: "web" }));
  assert.ok(!matches(all, { app: "kubia", tier: "web", env: "dev" }));
  assert.ok(!matches(all, { app: "kubia" }));
  assert.ok(!matches(all, { app: "kubia", tier: "web", canary: "1" }));
  assert.equal(labelSelectorToString(all), "app=kubia,!canary,env notin (dev),tier");
});

test("a nil metav1 selector matches nothing; an empty one matches everything", () => {
  assert.ok(!matches(labelSelectorFromMetav1(undefined), {}));
  assert.ok(!matches(labelSelectorFromMetav1(null), { app: "kubia" }));
  assert.ok(matches(labelSelectorFromMetav1({}), { app: "kubia" }));
  assert.ok(isEverything(labelSelectorFromMetav1({ matchLabels: {}, matchExpressions: [] })));
});

test("Scale status.selector strings as upstream formats them", () => {
  assert.equal(labelSelectorToString({ matchLabels: { app: "kubia" } }), "app=kubia");
  assert.equal(labelSelectorToString({ matchLabels: { tier: "web", app: "kubia" } }), "app=kubia,tier=web");
  assert.equal(
    labelSelectorToString({ matchExpressions: [{ key: "app", operator: "In", values: ["kubia", "b"] }] }),
    "app in (b,kubia)",
  );
  assert.equal(labelSelectorToString(labelSelectorFromSet({ run: "kubia" })), "run=kubia");
});

test("invalid metav1 selectors are rejected", () => {
  assert.throws(
    () => labelSelectorFromMetav1({ matchExpressions: [{ key: "a", operator: "Gt", values: ["1"] }] }),
    { message: '"Gt" is not a valid label selector operator' },
  );
  assert.throws(
    () => labelSelectorFromMetav1({ matchExpressions: [{ key: "a", operator: "In", values: [] }] }),
    {
      message: "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty",
    },
  );
  assert.throws(
    () => labelSelectorFromMetav1({ matchExpressions: [{ key: "a", operator: "Exists", values: ["x"] }] }),
    {
      message: 'values: Invalid value: []string{"x"}: values set must be empty for exists and does not exist',
    },
  );
});

test("an empty labels set selects everything", () => {
  assert.ok(isEverything(labelSelectorFromSet({})));
  assert.ok(matches(labelSelectorFromSet({ app: "kubia" }), { app: "kubia", x: "y" }));
  assert.ok(!matches(labelSelectorFromSet({ app: "kubia" }), { x: "y" }));
});
