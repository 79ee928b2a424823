import { test } from "node:test";
import assert from "node:assert/strict";
import { infoOf, makeNode, makePod, nodeInfoOf } from "../../test-helpers.ts";
import { PodTopologySpread } from "./pod-topology-spread.ts";

test("pods of one owner prefer the nodes with fewest of their siblings", () => {
  const p = new PodTopologySpread();
  const nodes = [
    nodeInfoOf(makeNode("n1"), [
      makePod("a", { owner: "web", nodeName: "n1" }),
      makePod("b", { owner: "web", nodeName: "n1" }),
    ]),
    nodeInfoOf(makeNode("n2"), [
      makePod("c", { owner: "web", nodeName: "n2" }),
      makePod("x", { owner: "other", nodeName: "n2" }),
    ]),
    nodeInfoOf(makeNode("n3"), [makePod("y", { owner: "other", nodeName: "n3" })]),
  ];
  const pod = infoOf(makePod("new", { owner: "web" }));
  const state = new Map();
  assert.equal(p.preScore(state, pod, nodes, { nodes }), true);
  const scores = nodes.map((n) => p.score(state, pod, n));
  p.normalize(state, pod, nodes, scores);
  assert.ok(scores[2]! > scores[1]! && scores[1]! > scores[0]!, `scores ${scores}`);
  assert.equal(scores[2], 100);
});

test("pods without a controlling owner are not spread", () => {
  const p = new PodTopologySpread();
  const nodes = [nodeInfoOf(makeNode("n1"))];
  assert.equal(p.preScore(new Map(), infoOf(makePod("lone")), nodes, { nodes }), false);
});

test("siblings in the same zone count against every node of that zone", () => {
  const p = new PodTopologySpread();
  const zone = (z: string) => ({ labels: { "topology.kubernetes.io/zone": z } });
  const nodes = [
    nodeInfoOf(makeNode("a1", zone("a")), [makePod("s1", { owner: "web", nodeName: "a1" })]),
    nodeInfoOf(makeNode("a2", zone("a"))),
    nodeInfoOf(makeNode("b1", zone("b"))),
  ];
  const pod = infoOf(makePod("new", { owner: "web" }));
  const state = new Map();
  p.preScore(state, pod, nodes, { nodes });
  const scores = nodes.map((n) => p.score(state, pod, n));
  p.normalize(state, pod, nodes, scores);
  // a2 holds no sibling itself but shares zone a with one; b1 is the best place.
  assert.ok(scores[2]! > scores[1]! && scores[1]! > scores[0]!, `scores ${scores}`);
});
