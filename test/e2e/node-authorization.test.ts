// The Node authorizer and NodeRestriction, driven with the real kubectl by two node identities
// (client certificates for system:node:NAME in system:nodes, as a joining agent gets): each node
// writes only its own Node and its own pods, and reads only what its pods use.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startServer, type RunningServer } from "../support/server.ts";
import { Kubectl } from "../support/kubectl.ts";
import { userKubeconfig } from "../support/users.ts";
import { eventually } from "../support/wait.ts";

let server: RunningServer;
let admin: Kubectl;
let nodeA: Kubectl;
let nodeB: Kubectl;

const nodeManifest = (name: string) =>
  JSON.stringify({
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: { "kubernetes.io/hostname": name } },
  });

before(async () => {
  server = await startServer();
  admin = new Kubectl(server.kubeconfig);
  nodeA = new Kubectl(
    userKubeconfig(server.dataDir, server.kubeconfig, "system:node:node-a", ["system:nodes"]),
  );
  nodeB = new Kubectl(
    userKubeconfig(server.dataDir, server.kubeconfig, "system:node:node-b", ["system:nodes"]),
  );
  // Each node registers itself, as a kubelet does.
  await nodeA.ok(["create", "-f", "-"], { input: nodeManifest("node-a") });
  await nodeB.ok(["create", "-f", "-"], { input: nodeManifest("node-b") });
  await eventually("the default service account", async () =>
    (await admin.run(["get", "serviceaccount", "default"])).code === 0 ? true : undefined,
  );
  await admin.ok(["create", "secret", "generic", "s1", "--from-literal=k=v"]);
  await admin.ok(["create", "secret", "generic", "unused", "--from-literal=k=v"]);
  await admin.ok(["create", "-f", "-"], {
    input: JSON.stringify({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p1" },
      spec: {
        nodeName: "node-a",
        containers: [{ name: "c", image: "example.com/app:1" }],
        volumes: [{ name: "s", secret: { secretName: "s1" } }],
      },
    }),
  });
});
after(async () => {
  await server?.stop();
});

/** PUTs the object's status back (as the admin reads it) with `message` set, as `who`. */
async function statusWrite(who: Kubectl, path: string, kind: string, name: string, message = "") {
  const obj = JSON.parse(await admin.ok(["get", kind, name, "-o", "json"]));
  obj.status = { ...obj.status, message };
  return who.run(["replace", "--raw", path, "-f", "-"], { input: JSON.stringify(obj) });
}

async function refused(k: Kubectl, args: string[], message: string): Promise<void> {
  const r = await k.run(args);
  assert.notEqual(r.code, 0, `${args.join(" ")} should be refused`);
  assert.equal(r.stderr.trim(), message);
}

describe("a node writes only its own Node", () => {
  test("a second node's identity cannot label, annotate or report the status of the first node", async () => {
    // kubectl label and annotate read the Node first, which another node may not (1.32+).
    const read =
      'Error from server (Forbidden): nodes "node-a" is forbidden: User "system:node:node-b" cannot get resource "nodes" in API group "" at the cluster scope: node \'node-b\' cannot read \'node-a\', only its own Node object';
    await refused(nodeB, ["label", "node", "node-a", "example.com/x=1"], read);
    await refused(nodeB, ["annotate", "node", "node-a", "x=1"], read);
    // A write that does not read first (a PUT of the whole object) meets NodeRestriction.
    const node = JSON.parse(await admin.ok(["get", "node", "node-a", "-o", "json"]));
    node.metadata.labels = { ...node.metadata.labels, "example.com/x": "1" };
    const put = await nodeB.run(["replace", "--raw", "/api/v1/nodes/node-a", "-f", "-"], {
      input: JSON.stringify(node),
    });
    assert.notEqual(put.code, 0);
    assert.match(put.stderr, /node "node-b" is not allowed to modify node "node-a"/);
    // A status write as a kubelet makes it: a PUT of nodes/status (kubectl's patch --subresource
    // would first GET nodes/status, which nodes may not, upstream as here).
    const status = await statusWrite(nodeB, "/api/v1/nodes/node-a/status", "node", "node-a");
    assert.notEqual(status.code, 0);
    assert.match(status.stderr, /node "node-b" is not allowed to modify node "node-a"/);
    // Deleting a Node is no node's right at all.
    await refused(
      nodeB,
      ["delete", "node", "node-a"],
      'Error from server (Forbidden): nodes "node-a" is forbidden: User "system:node:node-b" cannot delete resource "nodes" in API group "" at the cluster scope',
    );
    const a = JSON.parse(await admin.ok(["get", "node", "node-a", "-o", "json"]));
    assert.equal(a.metadata.labels["example.com/x"], undefined);
    assert.equal(a.metadata.annotations?.x, undefined);
  });

  test("a node changes its own labels, but not node-role ones nor its taints", async () => {
    await nodeA.ok(["label", "node", "node-a", "example.com/x=1"]);
    await refused(
      nodeA,
      ["label", "node", "node-a", "node-role.kubernetes.io/worker="],
      'Error from server (Forbidden): nodes "node-a" is forbidden: is not allowed to modify labels: node-role.kubernetes.io/worker',
    );
    await refused(
      nodeA,
      ["taint", "node", "node-a", "k=v:NoSchedule"],
      'Error from server (Forbidden): nodes "node-a" is forbidden: node "node-a" is not allowed to modify taints',
    );
    const a = JSON.parse(await admin.ok(["get", "node", "node-a", "-o", "json"]));
    assert.equal(a.metadata.labels["example.com/x"], "1");
    assert.equal(a.spec.taints, undefined);
  });
});

describe("a node reads only what its pods use", () => {
  test("the secret a pod on node-a mounts is readable by node-a only", async () => {
    assert.equal((await nodeA.ok(["get", "secret", "s1", "-o", "jsonpath={.data.k}"])).trim(), "dg==");
    await refused(
      nodeB,
      ["get", "secret", "s1"],
      'Error from server (Forbidden): secrets "s1" is forbidden: User "system:node:node-b" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node \'node-b\' and this object',
    );
    await refused(
      nodeA,
      ["get", "secret", "unused"],
      'Error from server (Forbidden): secrets "unused" is forbidden: User "system:node:node-a" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node \'node-a\' and this object',
    );
    await refused(
      nodeA,
      ["get", "secrets"],
      'Error from server (Forbidden): secrets is forbidden: User "system:node:node-a" cannot list resource "secrets" in API group "" in the namespace "default": No Object name found',
    );
    // A watch of the one secret, as the kubelet's watch-based secret manager makes it.
    const one = await nodeA.ok(["get", "secrets", "--field-selector=metadata.name=s1", "-o", "name"]);
    assert.equal(one.trim(), "secret/s1");
  });

  test("auth can-i answers for nodes as the chain decides", async () => {
    const can = async (node: string, what: string) =>
      (
        await admin.run(["auth", "can-i", "get", what, `--as=system:node:${node}`, "--as-group=system:nodes"])
      ).stdout.trim();
    assert.equal(await can("node-a", "secret/s1"), "yes");
    assert.equal(
      await can("node-b", "secret/s1"),
      "no - no relationship found between node 'node-b' and this object",
    );
    assert.equal(
      await can("node-b", "pods"),
      "no - no relationship found between node 'node-b' and this object",
    );
    assert.equal(await can("node-a", "node/node-a"), "yes");
    assert.equal(
      await can("node-a", "node/node-b"),
      "no - node 'node-a' cannot read 'node-b', only its own Node object",
    );
  });

  test("AuthorizeNodeWithSelectors: a node reads only its own Node and lists only the pods bound to it", async () => {
    assert.equal((await nodeA.ok(["get", "node", "node-a", "-o", "name"])).trim(), "node/node-a");
    const other = await nodeA.run(["get", "node", "node-b"]);
    assert.equal(
      other.stderr.trim(),
      'Error from server (Forbidden): nodes "node-b" is forbidden: User "system:node:node-a" cannot get resource "nodes" in API group "" at the cluster scope: node \'node-a\' cannot read \'node-b\', only its own Node object',
    );
    const all = await nodeA.run(["get", "nodes"]);
    assert.match(
      all.stderr,
      /cannot list resource "nodes" in API group "" at the cluster scope: node 'node-a' cannot read '', only its own Node object/,
    );
    const pods = await nodeA.run(["get", "pods", "-A"]);
    assert.match(
      pods.stderr,
      /cannot list resource "pods" in API group "" at the cluster scope: can only list\/watch pods with spec.nodeName field selector/,
    );
    const mine = await nodeA.ok([
      "get",
      "pods",
      "-A",
      "--field-selector",
      "spec.nodeName=node-a",
      "-o",
      "name",
    ]);
    assert.match(mine, /^pod\/p1$/m);
    const theirs = await nodeA.run(["get", "pods", "-A", "--field-selector", "spec.nodeName=node-b"]);
    assert.notEqual(theirs.code, 0);
    assert.equal((await nodeA.ok(["get", "pod", "p1", "-o", "name"])).trim(), "pod/p1");
  });

  test("tokens only for the accounts of the node's pods, bound to those pods", async () => {
    const uid = (await admin.ok(["get", "pod", "p1", "-o", "jsonpath={.metadata.uid}"])).trim();
    const bound = ["--bound-object-kind=Pod", "--bound-object-name=p1", `--bound-object-uid=${uid}`];
    const token = await nodeA.ok(["create", "token", "default", ...bound]);
    assert.match(token.trim(), /^ey[\w-]+\.[\w-]+\.[\w-]+$/);
    await refused(
      nodeA,
      ["create", "token", "default"],
      'error: failed to create token: serviceaccounts "default" is forbidden: node requested token not bound to a pod',
    );
    await refused(
      nodeB,
      ["create", "token", "default", ...bound],
      'error: failed to create token: serviceaccounts "default" is forbidden: User "system:node:node-b" cannot create resource "serviceaccounts/token" in API group "" in the namespace "default": no relationship found between node \'node-b\' and this object',
    );
  });
});

describe("a node writes only its own pods", () => {
  test("another node's pod: no status, no delete, no eviction", async () => {
    const theirs = await statusWrite(nodeB, "/api/v1/namespaces/default/pods/p1/status", "pod", "p1", "x");
    assert.notEqual(theirs.code, 0);
    assert.match(
      theirs.stderr,
      /node "node-b" can only update pod status for pods with spec.nodeName set to itself/,
    );
    await refused(
      nodeB,
      ["delete", "pod", "p1", "--wait=false"],
      'Error from server (Forbidden): pods "p1" is forbidden: node "node-b" can only delete pods with spec.nodeName set to itself',
    );
    const mine = await statusWrite(nodeA, "/api/v1/namespaces/default/pods/p1/status", "pod", "p1", "mine");
    assert.equal(mine.code, 0, mine.stderr);
    assert.equal((await admin.ok(["get", "pod", "p1", "-o", "jsonpath={.status.message}"])).trim(), "mine");
  });

  test("a node creates only mirror pods, and only bound to itself", async () => {
    const manifest = (annotations: Record<string, string>, nodeName: string) =>
      JSON.stringify({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "static-web", annotations },
        spec: { nodeName, automountServiceAccountToken: false, containers: [{ name: "c", image: "web:1" }] },
      });
    const plain = await nodeA.run(["create", "-f", "-"], { input: manifest({}, "node-a") });
    assert.equal(
      plain.stderr.trim(),
      'Error from server (Forbidden): error when creating "STDIN": pods "static-web" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "node-a" can only create mirror pods',
    );
    const r = await nodeA.run(["create", "-f", "-"], {
      input: manifest({ "kubernetes.io/config.mirror": "x" }, "node-b"),
    });
    assert.match(
      r.stderr,
      /pods "static-web" is forbidden: node "node-a" can only create pods with spec.nodeName set to itself/,
    );
    await nodeA.ok(["create", "-f", "-"], {
      input: manifest({ "kubernetes.io/config.mirror": "x" }, "node-a"),
    });
  });

  test("leases: each node its own, in kube-node-lease", async () => {
    const lease = (name: string) =>
      JSON.stringify({
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: { name, namespace: "kube-node-lease" },
        spec: { holderIdentity: name, leaseDurationSeconds: 40 },
      });
    await nodeA.ok(["create", "-f", "-"], { input: lease("node-a") });
    const r = await nodeB.run(["create", "-f", "-"], { input: lease("node-a-2") });
    assert.match(
      r.stderr,
      /leases.coordination.k8s.io "node-a-2" is forbidden: can only access node lease with the same name as the requesting node/,
    );
    await refused(
      nodeB,
      ["get", "lease", "node-a", "-n", "kube-node-lease"],
      'Error from server (Forbidden): leases.coordination.k8s.io "node-a" is forbidden: User "system:node:node-b" cannot get resource "leases" in API group "coordination.k8s.io" in the namespace "kube-node-lease": can only access node lease with the same name as the requesting node',
    );
  });
});
