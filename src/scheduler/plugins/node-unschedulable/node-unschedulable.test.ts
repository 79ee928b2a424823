import { test } from "node:test";
import assert from "node:assert/strict";
import { infoOf, makeNode, makePod, nodeInfoOf } from "../../test-helpers.ts";
import { NodeUnschedulable } from "./node-unschedulable.ts";

test("a cordoned node rejects pods unless they tolerate node.kubernetes.io/unschedulable", () => {
  const p = new NodeUnschedulable();
  const cordoned = nodeInfoOf(makeNode("n1", { unschedulable: true }));
  const s = p.filter(new Map(), infoOf(makePod("a")), cordoned);
  assert.equal(s?.code, "UnschedulableAndUnresolvable");
  assert.deepEqual(s?.reasons, ["node(s) were unschedulable"]);
  const tolerant = infoOf(
    makePod("b", {
      tolerations: [{ key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule" }],
    }),
  );
  assert.equal(p.filter(new Map(), tolerant, cordoned), null);
  assert.equal(p.filter(new Map(), infoOf(makePod("c")), nodeInfoOf(makeNode("n2"))), null);
});
