import { test } from "node:test";
import assert from "node:assert/strict";
import { defaultFramework } from "./framework.ts";
import { GenericScheduler, numFeasibleNodesToFind } from "./generic-scheduler.ts";
import { infoOf, makeNode, makePod, nodeInfoOf } from "./test-helpers.ts";

test("small clusters are searched whole; large ones by an adaptive share of at least 100 nodes", () => {
  assert.equal(numFeasibleNodesToFind(50), 50);
  assert.equal(numFeasibleNodesToFind(100), 100);
  assert.equal(numFeasibleNodesToFind(1000), 420);
  assert.equal(numFeasibleNodesToFind(5000), 500);
  assert.equal(numFeasibleNodesToFind(6000), 300);
  assert.equal(numFeasibleNodesToFind(1000, 100), 1000);
  assert.equal(numFeasibleNodesToFind(150, 10), 100);
});

test("successive pods start filtering where the last one stopped, so every node gets its turn", () => {
  const nodes = Array.from({ length: 1000 }, (_, i) => nodeInfoOf(makeNode(`n${i}`)));
  const g = new GenericScheduler(defaultFramework(), () => 0);
  const first = g.schedule(infoOf(makePod("a")), { nodes });
  const second = g.schedule(infoOf(makePod("b")), { nodes });
  assert.equal(first.node !== undefined && first.evaluated, 420);
  assert.equal(second.node !== undefined && second.feasible, 420);
  // All 1000 nodes score the same: the tie goes to a node inside each pod's own window.
  const index = (o: typeof first) => Number(o.node!.slice(1));
  assert.ok(index(first) < 420, `first ${first.node}`);
  assert.ok(index(second) >= 420 && index(second) < 840, `second ${second.node}`);
});
