import { test } from "node:test";
import assert from "node:assert/strict";
import { infoOf, makeNode, makePod, nodeInfoOf } from "../../test-helpers.ts";
import { NodeName } from "./node-name.ts";

test("a pod naming a node fits only that node; a pod naming none fits any", () => {
  const p = new NodeName();
  const n1 = nodeInfoOf(makeNode("n1"));
  const n2 = nodeInfoOf(makeNode("n2"));
  const named = infoOf(makePod("a", { nodeName: "n1" }));
  assert.equal(p.filter(new Map(), named, n1), null);
  assert.deepEqual(p.filter(new Map(), named, n2), {
    code: "UnschedulableAndUnresolvable",
    plugin: "NodeName",
    reasons: ["node(s) didn't match the requested node name"],
  });
  assert.equal(p.filter(new Map(), infoOf(makePod("b")), n2), null);
});
