import { test } from "node:test";
import assert from "node:assert/strict";
import { infoOf, makeNode, makePod, nodeInfoOf } from "../../test-helpers.ts";
import { TaintToleration } from "./taint-toleration.ts";
import { toleratesTaint } from "./tolerations.ts";

test("NoSchedule and NoExecute taints reject pods that do not tolerate them, naming the taint", () => {
  const p = new TaintToleration();
  const notReady = nodeInfoOf(
    makeNode("n1", { taints: [{ key: "node.kubernetes.io/not-ready", effect: "NoExecute" }] }),
  );
  const s = p.filter(new Map(), infoOf(makePod("a")), notReady);
  assert.equal(s?.code, "UnschedulableAndUnresolvable");
  assert.deepEqual(s?.reasons, ["node(s) had untolerated taint {node.kubernetes.io/not-ready: }"]);
  const dedicated = nodeInfoOf(
    makeNode("n2", { taints: [{ key: "dedicated", value: "gpu", effect: "NoSchedule" }] }),
  );
  assert.deepEqual(p.filter(new Map(), infoOf(makePod("a")), dedicated)?.reasons, [
    "node(s) had untolerated taint {dedicated: gpu}",
  ]);
  const tolerant = infoOf(
    makePod("b", { tolerations: [{ key: "dedicated", operator: "Equal", value: "gpu" }] }),
  );
  assert.equal(p.filter(new Map(), tolerant, dedicated), null);
  const prefer = nodeInfoOf(makeNode("n3", { taints: [{ key: "x", effect: "PreferNoSchedule" }] }));
  assert.equal(p.filter(new Map(), infoOf(makePod("a")), prefer), null);
});

test("toleration matching follows v1.Toleration.ToleratesTaint", () => {
  const taint = { key: "k", value: "v", effect: "NoSchedule" };
  assert.equal(toleratesTaint({ operator: "Exists" }, taint), true);
  assert.equal(toleratesTaint({ key: "k", operator: "Exists", effect: "NoExecute" }, taint), false);
  assert.equal(toleratesTaint({ key: "k", value: "v" }, taint), true);
  assert.equal(toleratesTaint({ key: "k", value: "w" }, taint), false);
  assert.equal(toleratesTaint({ key: "other", operator: "Exists" }, taint), false);
});

test("nodes with fewer untolerated PreferNoSchedule taints score higher", () => {
  const p = new TaintToleration();
  const pod = infoOf(
    makePod("a", { tolerations: [{ key: "tolerated", operator: "Exists", effect: "PreferNoSchedule" }] }),
  );
  const nodes = [
    nodeInfoOf(makeNode("clean")),
    nodeInfoOf(makeNode("one", { taints: [{ key: "x", effect: "PreferNoSchedule" }] })),
    nodeInfoOf(
      makeNode("two", {
        taints: [
          { key: "x", effect: "PreferNoSchedule" },
          { key: "y", effect: "PreferNoSchedule" },
          { key: "tolerated", effect: "PreferNoSchedule" },
        ],
      }),
    ),
  ];
  const state = new Map();
  p.preScore(state, pod);
  const scores = nodes.map((n) => p.score(state, pod, n));
  assert.deepEqual(scores, [0, 1, 2]);
  p.normalize(state, pod, nodes, scores);
  assert.deepEqual(scores, [100, 50, 0]);
});
