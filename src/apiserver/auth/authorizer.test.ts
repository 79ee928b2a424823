import { test } from "node:test";
import assert from "node:assert/strict";
import { type Attributes, forbiddenMessage, ruleAllows } from "./authorizer.ts";
import { parseTokenFile, TokenAuthenticator } from "../authn.ts";

const req = (over: Partial<Attributes>): Attributes => ({
  user: { name: "alice", groups: ["system:authenticated"] },
  verb: "get",
  isResource: true,
  namespace: "team",
  apiGroup: "",
  resource: "pods",
  subresource: "",
  name: "",
  path: "",
  ...over,
});

test("rules match verbs, groups, resources, subresources and names as upstream's RuleAllows", () => {
  const pods = { verbs: ["get", "list"], apiGroups: [""], resources: ["pods"] };
  assert.ok(ruleAllows(req({}), pods));
  assert.ok(!ruleAllows(req({ verb: "delete" }), pods));
  assert.ok(!ruleAllows(req({ apiGroup: "apps" }), pods));
  assert.ok(!ruleAllows(req({ subresource: "log" }), pods), "pods does not grant pods/log");
  assert.ok(
    ruleAllows(req({ subresource: "log" }), { verbs: ["get"], apiGroups: [""], resources: ["pods/log"] }),
  );
  assert.ok(
    ruleAllows(req({ subresource: "status" }), { verbs: ["get"], apiGroups: [""], resources: ["*/status"] }),
  );
  assert.ok(
    ruleAllows(req({ apiGroup: "apps", resource: "deployments" }), {
      verbs: ["*"],
      apiGroups: ["*"],
      resources: ["*"],
    }),
  );
  const named = { verbs: ["get"], apiGroups: [""], resources: ["pods"], resourceNames: ["web"] };
  assert.ok(ruleAllows(req({ name: "web" }), named));
  assert.ok(!ruleAllows(req({ name: "db" }), named));
  assert.ok(!ruleAllows(req({ verb: "list" }), { ...named, verbs: ["list"] }), "a list has no name to match");
});

test("non-resource URLs match exactly or by a trailing star", () => {
  const rule = { verbs: ["get"], nonResourceURLs: ["/healthz", "/apis/*"] };
  const at = (path: string) => req({ isResource: false, path, namespace: "", resource: "" });
  assert.ok(ruleAllows(at("/healthz"), rule));
  assert.ok(ruleAllows(at("/apis/apps/v1"), rule));
  assert.ok(!ruleAllows(at("/metrics"), rule));
  assert.ok(!ruleAllows(at("/healthz"), { verbs: ["get"], apiGroups: [""], resources: ["*"] }));
});

test("refusals are worded as upstream's forbiddenMessage", () => {
  assert.equal(
    forbiddenMessage(req({ verb: "list" })),
    'User "alice" cannot list resource "pods" in API group "" in the namespace "team"',
  );
  assert.equal(
    forbiddenMessage(req({ namespace: "", resource: "nodes", subresource: "proxy" })),
    'User "alice" cannot get resource "nodes/proxy" in API group "" at the cluster scope',
  );
  assert.equal(
    forbiddenMessage(req({ isResource: false, path: "/metrics" })),
    'User "alice" cannot get path "/metrics"',
  );
});

test("a token file's lines become users with groups; bad lines name their number", () => {
  const users = parseTokenFile('t1,alice,u1,"devs,qa"\n\nt2,bob,u2\n');
  assert.deepEqual(users, [
    { token: "t1", user: { name: "alice", uid: "u1", groups: ["devs", "qa"] } },
    { token: "t2", user: { name: "bob", uid: "u2", groups: [] } },
  ]);
  assert.throws(() => parseTokenFile("t1,alice\n"), /line 1: must have at least 3 columns/);
  const a = new TokenAuthenticator();
  for (const u of users) a.add(u.token, u.user);
  assert.equal(a.lookup("t1")?.name, "alice");
  assert.equal(a.lookup("t3"), undefined);
});
