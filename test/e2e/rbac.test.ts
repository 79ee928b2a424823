// RBAC as upstream enforces it, driven with the real kubectl by users holding client certificates:
// the bootstrap roles and their aggregation, refusals worded as upstream's, `kubectl auth can-i`,
// impersonation, and the guard that keeps users from granting what they do not hold.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startServer, type RunningServer } from "../support/server.ts";
import { Kubectl } from "../support/kubectl.ts";
import { userKubeconfig } from "../support/users.ts";

let server: RunningServer;
let admin: Kubectl;
let alice: Kubectl; // view in "team"
let carol: Kubectl; // admin in "carols"
let bob: Kubectl; // nothing
before(async () => {
  server = await startServer();
  admin = new Kubectl(server.kubeconfig);
  await admin.ok(["create", "namespace", "team"]);
  await admin.ok(["create", "namespace", "carols"]);
  await admin.ok(["create", "rolebinding", "alice-view", "--clusterrole=view", "--user=alice", "-n", "team"]);
  await admin.ok([
    "create",
    "rolebinding",
    "carol-admin",
    "--clusterrole=admin",
    "--user=carol",
    "-n",
    "carols",
  ]);
  await admin.ok(["create", "configmap", "shared", "-n", "team", "--from-literal=k=v"]);
  alice = new Kubectl(userKubeconfig(server.dataDir, server.kubeconfig, "alice", ["devs"]));
  carol = new Kubectl(userKubeconfig(server.dataDir, server.kubeconfig, "carol"));
  bob = new Kubectl(userKubeconfig(server.dataDir, server.kubeconfig, "bob"));
});
after(async () => {
  await server?.stop();
});

async function refused(k: Kubectl, args: string[], message: string): Promise<void> {
  const r = await k.run(args);
  assert.notEqual(r.code, 0, `${args.join(" ")} should be refused`);
  assert.equal(r.stderr.trim(), message);
}

describe("bootstrap policy", () => {
  test("upstream's roles and bindings exist, with admin, edit and view aggregated", async () => {
    const roles = await admin.ok(["get", "clusterroles", "-o", "name"]);
    for (const r of [
      "cluster-admin",
      "admin",
      "edit",
      "view",
      "system:discovery",
      "system:basic-user",
      "system:public-info-viewer",
    ])
      assert.match(roles, new RegExp(`^clusterrole\\.rbac\\.authorization\\.k8s\\.io/${r}$`, "m"), r);
    const masters = JSON.parse(await admin.ok(["get", "clusterrolebinding", "cluster-admin", "-o", "json"]));
    assert.deepEqual(masters.subjects, [
      { apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "system:masters" },
    ]);
    const view = JSON.parse(await admin.ok(["get", "clusterrole", "view", "-o", "json"]));
    assert.equal(view.metadata.labels["rbac.authorization.k8s.io/aggregate-to-edit"], "true");
    assert.ok(
      view.rules.some((r: any) => r.resources?.includes("pods") && r.verbs.includes("list")),
      "view gathered system:aggregate-to-view's rules",
    );
  });

  test("a ClusterRole labelled aggregate-to-view extends view, edit and admin", async () => {
    await admin.ok(["apply", "-f", "-"], {
      input: `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: leases-view
  labels:
    rbac.authorization.k8s.io/aggregate-to-view: "true"
rules:
- apiGroups: [coordination.k8s.io]
  resources: [leases]
  verbs: [get, list, watch]
`,
    });
    for (const role of ["view", "edit", "admin"]) {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const rules = JSON.parse(await admin.ok(["get", "clusterrole", role, "-o", "jsonpath={.rules}"]));
        if (rules.some((r: any) => r.apiGroups?.includes("coordination.k8s.io") && r.verbs.length === 3))
          break;
        if (Date.now() > deadline) assert.fail(`${role} did not gather leases-view`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    assert.equal((await alice.ok(["auth", "can-i", "list", "leases", "-n", "team"])).trim(), "yes");
    assert.match(await alice.ok(["get", "leases", "-n", "team"]), /^$|No resources/);
  });
});

describe("a user with view in one namespace", () => {
  test("reads there", async () => {
    assert.match(await alice.ok(["get", "configmaps", "-n", "team"]), /^shared\s+1\s+/m);
    assert.match(
      await alice.ok(["auth", "whoami"]),
      /Username\s+alice\nGroups\s+\[devs system:authenticated\]/,
    );
  });

  test("is refused writes there and everything elsewhere, in upstream's words", async () => {
    await refused(
      alice,
      ["create", "configmap", "x", "-n", "team"],
      'error: failed to create configmap: configmaps is forbidden: User "alice" cannot create resource "configmaps" in API group "" in the namespace "team"',
    );
    await refused(
      alice,
      ["delete", "configmap", "shared", "-n", "team"],
      'Error from server (Forbidden): configmaps "shared" is forbidden: User "alice" cannot delete resource "configmaps" in API group "" in the namespace "team"',
    );
    await refused(
      alice,
      ["get", "secrets", "-n", "team"],
      'Error from server (Forbidden): secrets is forbidden: User "alice" cannot list resource "secrets" in API group "" in the namespace "team"',
    );
    await refused(
      alice,
      ["get", "pods", "-n", "default"],
      'Error from server (Forbidden): pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"',
    );
    await refused(
      alice,
      ["get", "nodes"],
      'Error from server (Forbidden): nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at the cluster scope',
    );
    await refused(
      alice,
      ["get", "deployments.apps", "-n", "default", "web"],
      'Error from server (Forbidden): deployments.apps "web" is forbidden: User "alice" cannot get resource "deployments" in API group "apps" in the namespace "default"',
    );
    await refused(
      alice,
      ["get", "--raw", "/metrics"],
      'Error from server (Forbidden): forbidden: User "alice" cannot get path "/metrics"',
    );
    // Nothing was written.
    assert.doesNotMatch(await admin.ok(["get", "configmaps", "-n", "team", "-o", "name"]), /configmap\/x$/m);
  });

  test("a user with no bindings still discovers the API and reviews itself, and nothing more", async () => {
    assert.match(await bob.ok(["api-versions"]), /^apps\/v1$/m);
    assert.equal((await bob.run(["auth", "can-i", "get", "pods"])).stdout.trim(), "no");
    await refused(
      bob,
      ["get", "namespaces"],
      'Error from server (Forbidden): namespaces is forbidden: User "bob" cannot list resource "namespaces" in API group "" at the cluster scope',
    );
  });
});

describe("kubectl auth can-i", () => {
  const table: Array<[string, string[], "yes" | "no"]> = [
    ["alice", ["list", "pods", "-n", "team"], "yes"],
    ["alice", ["get", "pods/log", "-n", "team"], "yes"],
    ["alice", ["create", "pods", "-n", "team"], "no"],
    ["alice", ["get", "secrets", "-n", "team"], "no"],
    ["alice", ["list", "pods", "-n", "default"], "no"],
    ["alice", ["watch", "deployments.apps", "-n", "team"], "yes"],
    ["alice", ["get", "/api"], "yes"],
    ["alice", ["get", "/metrics"], "no"],
    ["carol", ["create", "pods", "-n", "carols"], "yes"],
    ["carol", ["create", "pods/exec", "-n", "carols"], "yes"],
    ["carol", ["create", "roles", "-n", "carols"], "yes"],
    ["carol", ["delete", "namespaces"], "no"],
    ["bob", ["list", "pods", "-n", "team"], "no"],
    ["bob", ["create", "selfsubjectaccessreviews.authorization.k8s.io"], "yes"],
  ];
  for (const [who, args, want] of table)
    test(`${who}: ${args.join(" ")} → ${want}`, async () => {
      const k = who === "alice" ? alice : who === "carol" ? carol : bob;
      const r = await k.run(["auth", "can-i", ...args]);
      assert.equal(r.stdout.trim(), want, r.stderr);
      assert.equal(r.code, want === "yes" ? 0 : 1);
    });

  test("the admin may do anything, and every kubectl minor asks the same way", async () => {
    assert.equal((await admin.ok(["auth", "can-i", "*", "*"])).trim(), "yes");
    for (const minor of [27, 33]) {
      const k = new Kubectl(alice.kubeconfig, minor);
      assert.equal((await k.ok(["auth", "can-i", "list", "pods", "-n", "team"])).trim(), "yes", `1.${minor}`);
    }
  });

  test("--list shows the rules the user holds in a namespace", async () => {
    const out = await alice.ok(["auth", "can-i", "--list", "-n", "team"]);
    assert.match(out, /^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs$/m);
    assert.match(out, /^pods\s+\[\]\s+\[\]\s+\[get list watch\]$/m);
    assert.match(out, /^\s+\[\/api\/\*\]\s+\[\]\s+\[get\]$/m);
  });
});

test("kubectl auth reconcile creates roles and bindings, then adds the rules they miss", async () => {
  const manifest = (verbs: string) => `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: rec, namespace: team}
rules:
- apiGroups: [""]
  resources: [configmaps]
  verbs: [${verbs}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: rec, namespace: team}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: rec}
subjects:
- {kind: User, apiGroup: rbac.authorization.k8s.io, name: erin}
`;
  assert.match(
    await admin.ok(["auth", "reconcile", "-f", "-"], { input: manifest("get") }),
    /role\.rbac\.authorization\.k8s\.io\/rec reconciled/,
  );
  assert.equal(
    (await admin.run(["auth", "can-i", "delete", "configmaps", "-n", "team", "--as=erin"])).stdout.trim(),
    "no",
  );
  await admin.ok(["auth", "reconcile", "-f", "-"], { input: manifest("get, delete") });
  assert.equal(
    (await admin.ok(["auth", "can-i", "delete", "configmaps", "-n", "team", "--as=erin"])).trim(),
    "yes",
  );
});

describe("impersonation", () => {
  test("the admin acts as another user with --as and --as-group", async () => {
    assert.equal(
      (await admin.ok(["auth", "can-i", "list", "pods", "-n", "team", "--as=alice"])).trim(),
      "yes",
    );
    assert.match(
      await admin.ok(["auth", "whoami", "--as=dave", "--as-group=qa"]),
      /Username\s+dave\nGroups\s+\[qa system:authenticated\]/,
    );
    await refused(
      admin,
      ["get", "secrets", "-n", "team", "--as=alice"],
      'Error from server (Forbidden): secrets is forbidden: User "alice" cannot list resource "secrets" in API group "" in the namespace "team"',
    );
  });

  test("a user without the impersonate verb may not", async () => {
    await refused(
      alice,
      ["get", "pods", "-n", "team", "--as=carol"],
      'Error from server (Forbidden): users "carol" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope',
    );
  });
});

describe("privilege escalation", () => {
  test("a role may only grant what its author holds", async () => {
    await carol.ok(["create", "role", "reader", "--verb=get,list", "--resource=pods", "-n", "carols"]);
    await refused(
      carol,
      ["create", "role", "nodes", "--verb=get,list", "--resource=nodes", "--verb=delete", "-n", "carols"],
      'Error from server (Forbidden): roles.rbac.authorization.k8s.io "nodes" is forbidden: user "carol" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["nodes"], Verbs:["get" "list" "delete"]}',
    );
  });

  test("a binding may only bind a role whose rights its author holds, and one that exists", async () => {
    await carol.ok(["create", "rolebinding", "bob-view", "--clusterrole=view", "--user=bob", "-n", "carols"]);
    assert.equal((await bob.ok(["auth", "can-i", "list", "pods", "-n", "carols"])).trim(), "yes");
    await refused(
      carol,
      ["create", "rolebinding", "bob-all", "--clusterrole=cluster-admin", "--user=bob", "-n", "carols"],
      'error: failed to create rolebinding: rolebindings.rbac.authorization.k8s.io "bob-all" is forbidden: user "carol" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:["*"], Resources:["*"], Verbs:["*"]}\n{NonResourceURLs:["*"], Verbs:["*"]}',
    );
    await refused(
      carol,
      ["create", "rolebinding", "bob-none", "--clusterrole=nonesuch", "--user=bob", "-n", "carols"],
      'error: failed to create rolebinding: rolebindings.rbac.authorization.k8s.io "bob-none" is forbidden: clusterroles.rbac.authorization.k8s.io "nonesuch" not found',
    );
    const bindings = await admin.ok(["get", "rolebindings", "-n", "carols", "-o", "name"]);
    assert.doesNotMatch(bindings, /bob-all|bob-none/);
  });

  test("a binding's roleRef cannot change, and bad subjects are refused with upstream's 422", async () => {
    const r = await admin.run([
      "patch",
      "rolebinding",
      "alice-view",
      "-n",
      "team",
      "-p",
      '{"roleRef":{"name":"edit"}}',
    ]);
    assert.notEqual(r.code, 0);
    assert.match(
      r.stderr,
      /The RoleBinding "alice-view" is invalid: roleRef: Invalid value: rbac\.RoleRef\{APIGroup:"rbac\.authorization\.k8s\.io", Kind:"ClusterRole", Name:"edit"\}: cannot change roleRef/,
    );
    const bad = await admin.run(["create", "-f", "-"], {
      input: `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: bad}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: x}
subjects:
- {kind: ServiceAccount, name: sa}
- {kind: Robot, name: r2}
`,
    });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /roleRef\.kind: Unsupported value: "Role": supported values: "ClusterRole"/);
    assert.match(bad.stderr, /subjects\[0\]\.namespace: Required value/);
    assert.match(bad.stderr, /subjects\[1\]\.kind: Unsupported value: "Robot"/);
  });
});
