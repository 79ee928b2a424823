import { test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../../apimachinery/meta.ts";
import { StatusError } from "../../apimachinery/status-error.ts";
import type { ResourceRequest } from "../http/request-info.ts";
import type { GenericStore } from "../registry/generic-store.ts";
import type { Attributes } from "./rules.ts";
import { NodeAuthorizer, nodeIdentity } from "./node-authorizer.ts";
import { NodeGraph, podRefs } from "./node-graph.ts";
import { forbiddenNodeLabels, NodeRestriction } from "./node-restriction.ts";

const nodeA = { name: "system:node:a", groups: ["system:nodes", "system:authenticated"] };
const attrs = (over: Partial<Attributes>): Attributes => ({
  user: nodeA,
  verb: "get",
  isResource: true,
  namespace: "default",
  apiGroup: "",
  resource: "secrets",
  subresource: "",
  name: "",
  path: "",
  ...over,
});

const pod = (name: string, node: string, spec: Record<string, unknown> = {}): KObject => ({
  metadata: { name, namespace: "default", uid: `uid-${name}` },
  spec: { nodeName: node, containers: [{ name: "c" }], ...spec },
});

function graphWith(...pods: KObject[]): NodeGraph {
  const g = new NodeGraph(undefined as never, undefined as never);
  for (const p of pods) g.put(`default/${p.metadata!.name}`, p);
  return g;
}

test("a node identity is system:node:NAME in system:nodes, nothing else", () => {
  assert.equal(nodeIdentity(nodeA), "a");
  assert.equal(nodeIdentity({ name: "system:node:a", groups: [] }), undefined);
  assert.equal(nodeIdentity({ name: "alice", groups: ["system:nodes"] }), undefined);
});

test("a pod's references: its account, pull secrets, env, volumes and projected sources", () => {
  const refs = podRefs(
    pod("p", "a", {
      serviceAccountName: "robot",
      imagePullSecrets: [{ name: "pull" }],
      containers: [
        {
          name: "c",
          env: [{ name: "X", valueFrom: { secretKeyRef: { name: "env-secret", key: "k" } } }],
          envFrom: [{ configMapRef: { name: "env-cm" } }],
        },
      ],
      volumes: [
        { name: "v", secret: { secretName: "vol-secret" } },
        { name: "d", persistentVolumeClaim: { claimName: "data" } },
        { name: "t", projected: { sources: [{ configMap: { name: "kube-root-ca.crt" } }] } },
      ],
    }),
  ).sort();
  assert.deepEqual(refs, [
    "configmap/default/env-cm",
    "configmap/default/kube-root-ca.crt",
    "persistentvolumeclaim/default/data",
    "secret/default/env-secret",
    "secret/default/pull",
    "secret/default/vol-secret",
    "serviceaccount/default/robot",
  ]);
});

test("a node reads only the secrets of pods bound to it, and only by name", () => {
  const g = graphWith(
    pod("mine", "a", { volumes: [{ name: "v", secret: { secretName: "s1" } }] }),
    pod("theirs", "b", { volumes: [{ name: "v", secret: { secretName: "s2" } }] }),
  );
  const authz = new NodeAuthorizer(g);
  assert.equal(authz.authorize(attrs({ name: "s1" }))?.allowed, true);
  assert.equal(authz.authorize(attrs({ verb: "watch", name: "s1" }))?.allowed, true);
  assert.deepEqual(authz.authorize(attrs({ name: "s2" })), {
    allowed: false,
    reason: "no relationship found between node 'a' and this object",
  });
  assert.deepEqual(authz.authorize(attrs({ verb: "list" })), {
    allowed: false,
    reason: "No Object name found",
  });
  assert.deepEqual(authz.authorize(attrs({ verb: "delete", name: "s1" })), {
    allowed: false,
    reason: "can only read resources of this type",
  });
  // The pod moves away (deleted): the relationship goes with it.
  g.put("default/mine", undefined);
  assert.equal(authz.authorize(attrs({ name: "s1" }))?.allowed, false);
  // Users who are not nodes get no opinion.
  assert.equal(authz.authorize(attrs({ user: { name: "alice", groups: [] }, name: "s1" })), undefined);
});

test("tokens only for accounts of the node's pods; leases only its own; the rest by the node rules", () => {
  const authz = new NodeAuthorizer(graphWith(pod("p", "a", { serviceAccountName: "robot" })));
  const token = (name: string) =>
    authz.authorize(attrs({ verb: "create", resource: "serviceaccounts", subresource: "token", name }));
  assert.equal(token("robot")?.allowed, true);
  assert.equal(token("default")?.allowed, false);
  const lease = (over: Partial<Attributes>) =>
    authz.authorize(
      attrs({ apiGroup: "coordination.k8s.io", resource: "leases", namespace: "kube-node-lease", ...over }),
    );
  assert.equal(lease({ verb: "update", name: "a" })?.allowed, true);
  assert.equal(
    lease({ verb: "update", name: "b" })?.reason,
    "can only access node lease with the same name as the requesting node",
  );
  assert.equal(
    lease({ namespace: "default", name: "a" })?.reason,
    'can only access leases in the "kube-node-lease" system namespace',
  );
  assert.equal(
    authz.authorize(attrs({ resource: "pods", subresource: "status", verb: "patch", name: "p" }))?.allowed,
    true,
  );
  // AuthorizeNodeWithSelectors: its own Node by name, pods by its spec.nodeName.
  assert.deepEqual(authz.authorize(attrs({ resource: "nodes", namespace: "", verb: "list" })), {
    allowed: false,
    reason: "node 'a' cannot read '', only its own Node object",
  });
  assert.equal(
    authz.authorize(attrs({ resource: "nodes", namespace: "", verb: "watch", name: "a" }))?.allowed,
    true,
  );
  assert.equal(
    authz.authorize(attrs({ resource: "nodes", namespace: "", verb: "get", name: "b" }))?.allowed,
    false,
  );
  assert.equal(
    authz.authorize(attrs({ resource: "nodes", namespace: "", verb: "create", name: "a" }))?.allowed,
    true,
  );
  assert.deepEqual(authz.authorize(attrs({ resource: "pods", verb: "list" })), {
    allowed: false,
    reason: "can only list/watch pods with spec.nodeName field selector",
  });
  assert.equal(
    authz.authorize({ ...attrs({ resource: "pods", verb: "watch" }), fieldNodeName: "a" })?.allowed,
    true,
  );
  assert.equal(
    authz.authorize({ ...attrs({ resource: "pods", verb: "list" }), fieldNodeName: "b" })?.allowed,
    false,
  );
  assert.equal(authz.authorize(attrs({ resource: "services", verb: "delete", name: "x" }))?.allowed, false);
  assert.equal(
    authz.authorize(attrs({ resource: "deployments", apiGroup: "apps", verb: "list" }))?.allowed,
    false,
  );
});

test("labels a kubelet may not give its node", () => {
  assert.deepEqual(
    forbiddenNodeLabels([
      "kubernetes.io/hostname",
      "node.kubernetes.io/exclude-from-external-load-balancers",
      "node-role.kubernetes.io/control-plane",
      "node-restriction.kubernetes.io/x",
      "example.com/tier",
      "x.k8s.io/y",
    ]),
    ["node-restriction.kubernetes.io/x", "node-role.kubernetes.io/control-plane", "x.k8s.io/y"],
  );
});

function restriction(...pods: KObject[]): NodeRestriction {
  const stored = new Map(pods.map((p) => [p.metadata!.name!, p]));
  const store = { tryGet: (_ns: string, name: string) => Promise.resolve(stored.get(name)) };
  return new NodeRestriction(graphWith(), store as unknown as GenericStore);
}

const info = (over: Partial<ResourceRequest>): ResourceRequest => ({
  isResource: true,
  verb: "patch",
  apiPrefix: "api",
  group: "",
  version: "v1",
  namespace: "",
  resource: "nodes",
  name: "",
  subresource: "",
  rest: [],
  ...over,
});

async function refusal(p: Promise<void>): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof StatusError);
    assert.equal(e.code, 403);
    return e.message;
  }
  assert.fail("expected a 403");
}

test("NodeRestriction: a node writes only its own Node and its own pods' status", async () => {
  const r = restriction(pod("mine", "a"), pod("theirs", "b"));
  await r.admit("a", info({ name: "a", subresource: "status" }), undefined);
  assert.equal(
    await refusal(r.admit("a", info({ name: "b", subresource: "status" }), undefined)),
    'nodes "b" is forbidden: node "a" is not allowed to modify node "b"',
  );
  assert.equal(
    await refusal(r.admit("a", info({ verb: "create" }), { metadata: { name: "b" } })),
    'nodes "b" is forbidden: node "a" is not allowed to modify node "b"',
  );
  const podInfo = (name: string, over: Partial<ResourceRequest> = {}) =>
    info({ resource: "pods", namespace: "default", name, subresource: "status", ...over });
  await r.admit("a", podInfo("mine"), undefined);
  assert.equal(
    await refusal(r.admit("a", podInfo("theirs"), undefined)),
    'pods "theirs" is forbidden: node "a" can only update pod status for pods with spec.nodeName set to itself',
  );
  assert.equal(
    await refusal(r.admit("a", podInfo("theirs", { verb: "delete", subresource: "" }), undefined)),
    'pods "theirs" is forbidden: node "a" can only delete pods with spec.nodeName set to itself',
  );
  assert.equal(
    await refusal(r.admit("a", podInfo("", { verb: "create", subresource: "" }), pod("new", "a"))),
    'pods "new" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "a" can only create mirror pods',
  );
  const gone = await r.admit("a", podInfo("missing"), undefined).catch((e: StatusError) => e.code);
  assert.equal(gone, 404);
});

test("NodeRestriction: its taints and kubernetes.io labels stay as they are", () => {
  const r = restriction();
  const node = (labels: Record<string, string>, taints: unknown[] = []): KObject => ({
    metadata: { name: "a", labels },
    spec: { taints },
  });
  r.admitNodeUpdate("a", node({ "example.com/x": "1" }), node({}));
  assert.throws(
    () => r.admitNodeUpdate("a", node({ "node-role.kubernetes.io/worker": "" }), node({})),
    /nodes "a" is forbidden: is not allowed to modify labels: node-role.kubernetes.io\/worker/,
  );
  assert.throws(
    () => r.admitNodeUpdate("a", node({}, []), node({}, [{ key: "k", effect: "NoSchedule" }])),
    /node "a" is not allowed to modify taints/,
  );
});

test("NodeRestriction: tokens only bound to the node's own pods", async () => {
  const r = restriction(pod("mine", "a"), pod("theirs", "b"));
  const tokenInfo = info({
    verb: "create",
    resource: "serviceaccounts",
    namespace: "default",
    name: "default",
    subresource: "token",
  });
  const bound = (name: string, uid = `uid-${name}`) => ({
    spec: { boundObjectRef: { apiVersion: "v1", kind: "Pod", name, uid } },
  });
  await r.admit("a", tokenInfo, bound("mine"));
  assert.match(
    await refusal(r.admit("a", tokenInfo, { spec: {} })),
    /node requested token not bound to a pod$/,
  );
  assert.match(
    await refusal(r.admit("a", tokenInfo, bound("theirs"))),
    /node requested token bound to a pod scheduled on a different node$/,
  );
  assert.match(
    await refusal(r.admit("a", tokenInfo, bound("mine", "other"))),
    /does not match the UID in record/,
  );
});
