import assert from "node:assert/strict";
import { test } from "node:test";
import { evalCelWith } from "../crd/cel-validation.ts";
import { authorizerValue, registerCelAuthorizer, type AuthzQuestion } from "./authz.ts";

const asked: AuthzQuestion[] = [];
const handle = registerCelAuthorizer((q) => {
  asked.push(q);
  const allowed = q.isResource ? q.resource === "pods" && q.verb === "list" : q.path === "/healthz";
  return { allowed, reason: allowed ? "" : "no rule" };
});
const authorizer = authorizerValue(
  handle,
  { name: "jane", groups: ["dev"] },
  { group: "apps", resource: "deployments", subresource: "", namespace: "team", name: "web" },
);
const run = (expr: string) => {
  const r = evalCelWith(expr, {}, { authorizer });
  if (r.error !== undefined) throw new Error(r.error);
  return r.value;
};

test("resource checks ask the authorizer for the request's user", () => {
  assert.equal(run("authorizer.group('').resource('pods').namespace('team').check('list').allowed()"), true);
  assert.deepEqual(
    { ...asked.pop()!, user: undefined },
    {
      user: undefined,
      verb: "list",
      isResource: true,
      apiGroup: "",
      resource: "pods",
      subresource: "",
      namespace: "team",
      name: "",
      path: "",
    },
  );
  assert.equal(run("authorizer.group('').resource('secrets').check('get').allowed()"), false);
  assert.equal(run("authorizer.group('').resource('secrets').check('get').reason()"), "no rule");
  assert.equal(run("authorizer.path('/healthz').check('GET').allowed()"), true);
  assert.equal(asked.pop()!.verb, "get");
});

test("requestResource is the request's own resource; serviceAccount asks for another identity", () => {
  assert.equal(run("authorizer.requestResource.check('delete').allowed()"), false);
  const q = asked.pop()!;
  assert.deepEqual(
    [q.apiGroup, q.resource, q.namespace, q.name, q.user.name],
    ["apps", "deployments", "team", "web", "jane"],
  );
  run("authorizer.serviceAccount('team', 'bot').group('').resource('pods').check('list').allowed()");
  const sa = asked.pop()!;
  assert.equal(sa.user.name, "system:serviceaccount:team:bot");
  assert.ok(sa.user.groups.includes("system:serviceaccounts:team"));
});
