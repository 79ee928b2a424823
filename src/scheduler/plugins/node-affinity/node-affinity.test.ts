import { test } from "node:test";
import assert from "node:assert/strict";
import { infoOf, makeNode, makePod, nodeInfoOf } from "../../test-helpers.ts";
import { NodeAffinity } from "./node-affinity.ts";

const required = (terms: unknown[]) => ({
  nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } },
});

function fits(
  podOpts: Parameters<typeof makePod>[1],
  node = makeNode("n1", { labels: { gpu: "true", zone: "a", cores: "8" } }),
) {
  const p = new NodeAffinity();
  const pod = infoOf(makePod("p", podOpts));
  const state = new Map();
  p.preFilter(state, pod);
  return p.filter(state, pod, nodeInfoOf(node));
}

test("nodeSelector must match every label", () => {
  assert.equal(fits({ nodeSelector: { gpu: "true" } }), null);
  const s = fits({ nodeSelector: { gpu: "true", zone: "b" } });
  assert.equal(s?.code, "UnschedulableAndUnresolvable");
  assert.deepEqual(s?.reasons, ["node(s) didn't match Pod's node affinity/selector"]);
  assert.notEqual(fits({ nodeSelector: { gpu: "true" } }, makeNode("n2")), null);
});

test("required node affinity: terms are ORed, expressions ANDed, with every operator", () => {
  const expr = (key: string, operator: string, values?: string[]) =>
    required([{ matchExpressions: [{ key, operator, values }] }]);
  assert.equal(fits({ affinity: expr("zone", "In", ["a", "b"]) }), null);
  assert.notEqual(fits({ affinity: expr("zone", "In", ["c"]) }), null);
  assert.equal(fits({ affinity: expr("zone", "NotIn", ["c"]) }), null);
  assert.equal(fits({ affinity: expr("missing", "NotIn", ["c"]) }), null);
  assert.notEqual(fits({ affinity: expr("zone", "NotIn", ["a"]) }), null);
  assert.equal(fits({ affinity: expr("gpu", "Exists") }), null);
  assert.notEqual(fits({ affinity: expr("gpu", "DoesNotExist") }), null);
  assert.equal(fits({ affinity: expr("missing", "DoesNotExist") }), null);
  assert.equal(fits({ affinity: expr("cores", "Gt", ["4"]) }), null);
  assert.notEqual(fits({ affinity: expr("cores", "Gt", ["8"]) }), null);
  assert.equal(fits({ affinity: expr("cores", "Lt", ["9"]) }), null);
  assert.notEqual(fits({ affinity: expr("zone", "Lt", ["9"]) }), null);
  assert.equal(
    fits({
      affinity: required([
        { matchExpressions: [{ key: "zone", operator: "In", values: ["x"] }] },
        {
          matchExpressions: [
            { key: "gpu", operator: "Exists" },
            { key: "zone", operator: "In", values: ["a"] },
          ],
        },
      ]),
    }),
    null,
  );
  assert.notEqual(
    fits({ affinity: required([{ matchExpressions: [] }]) }),
    null,
    "an empty term matches nothing",
  );
});

test("matchFields selects nodes by metadata.name", () => {
  const byName = (op: string, name: string) =>
    required([{ matchFields: [{ key: "metadata.name", operator: op, values: [name] }] }]);
  assert.equal(fits({ affinity: byName("In", "n1") }), null);
  assert.notEqual(fits({ affinity: byName("In", "n2") }), null);
  assert.equal(fits({ affinity: byName("NotIn", "n2") }), null);
});

test("preferred terms add their weights; scores are normalized to 100", () => {
  const p = new NodeAffinity();
  const pod = infoOf(
    makePod("p", {
      affinity: {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            {
              weight: 80,
              preference: { matchExpressions: [{ key: "disk", operator: "In", values: ["ssd"] }] },
            },
            {
              weight: 20,
              preference: { matchExpressions: [{ key: "zone", operator: "In", values: ["a"] }] },
            },
          ],
        },
      },
    }),
  );
  const nodes = [
    nodeInfoOf(makeNode("both", { labels: { disk: "ssd", zone: "a" } })),
    nodeInfoOf(makeNode("ssd", { labels: { disk: "ssd" } })),
    nodeInfoOf(makeNode("zone", { labels: { zone: "a" } })),
    nodeInfoOf(makeNode("none")),
  ];
  const state = new Map();
  assert.equal(p.preScore(state, pod), true);
  const scores = nodes.map((n) => p.score(state, pod, n));
  assert.deepEqual(scores, [100, 80, 20, 0]);
  p.normalize(state, pod, nodes, scores);
  assert.deepEqual(scores, [100, 80, 20, 0]);
  assert.equal(
    p.preScore(new Map(), infoOf(makePod("plain"))),
    false,
    "no preferences: the score is skipped",
  );
});
