import { test } from "node:test";
import assert from "node:assert/strict";
import { infoOf, makeNode, makePod, nodeInfoOf } from "../../test-helpers.ts";
import { NodeResourcesBalancedAllocation } from "./node-resources-balanced-allocation.ts";

test("nodes whose cpu and memory would be used evenly score higher", () => {
  const p = new NodeResourcesBalancedAllocation();
  const pod = infoOf(makePod("p", { cpu: "1", memory: "1Gi" }));
  const even = nodeInfoOf(makeNode("even", { cpu: "4", memory: "4Gi" }));
  const skewed = nodeInfoOf(makeNode("skewed", { cpu: "4", memory: "4Gi" }), [
    makePod("a", { cpu: "2", nodeName: "skewed" }),
  ]);
  assert.equal(p.score(new Map(), pod, even), 100);
  // cpu 3/4, memory 1/4: std 0.25 → 75.
  assert.equal(p.score(new Map(), pod, skewed), 75);
});
