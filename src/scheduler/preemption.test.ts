import assert from "node:assert/strict";
import { test } from "node:test";
import { defaultFramework } from "./framework.ts";
import { preempt } from "./preemption.ts";
import { infoOf, makeNode, makePod, nodeInfoOf } from "./test-helpers.ts";
import { status } from "./types.ts";

const fit = status("Unschedulable", "NodeResourcesFit", "Insufficient cpu");

test("preemption evicts the fewest, least important pods that make room", () => {
  const fw = defaultFramework();
  const n1 = nodeInfoOf(makeNode("n1", { cpu: "2" }), [
    makePod("low-a", { cpu: "600m", nodeName: "n1", priority: 1 }),
    makePod("low-b", { cpu: "600m", nodeName: "n1", priority: 5 }),
    makePod("same", { cpu: "600m", nodeName: "n1", priority: 100 }),
  ]);
  const pod = infoOf(makePod("vip", { cpu: "700m", priority: 100 }));
  const r = preempt(pod, [n1], new Map([["n1", fit]]), fw.filters, new Map());
  assert.ok("candidate" in r);
  // Evicting low-a alone frees enough: low-b (more important) is given back.
  assert.deepEqual(
    r.candidate.victims.map((v) => v.name),
    ["low-a"],
  );
});

test("a node with nothing of lower priority, or a pod that may not preempt, gets upstream's message", () => {
  const fw = defaultFramework();
  const n1 = nodeInfoOf(makeNode("n1", { cpu: "1" }), [
    makePod("peer", { cpu: "1", nodeName: "n1", priority: 100 }),
  ]);
  const pod = infoOf(makePod("vip", { cpu: "700m", priority: 100 }));
  const r = preempt(pod, [n1], new Map([["n1", fit]]), fw.filters, new Map());
  assert.deepEqual(r, {
    message: "preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.",
  });
  const never = infoOf(makePod("vip", { cpu: "700m", priority: 1000 }));
  never.pod.spec!.preemptionPolicy = "Never";
  assert.deepEqual(preempt(never, [n1], new Map([["n1", fit]]), fw.filters, new Map()), {
    message: "preemption: not eligible due to preemptionPolicy=Never.",
  });
});
