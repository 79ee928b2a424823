import { test } from "node:test";
import assert from "node:assert/strict";
import { infoOf, makeNode, makePod, nodeInfoOf } from "../../test-helpers.ts";
import { NodeResourcesFit } from "./node-resources-fit.ts";

test("requests must fit in allocatable minus what pods on the node already request", () => {
  const p = new NodeResourcesFit();
  const node = nodeInfoOf(makeNode("n1", { cpu: "2", memory: "4Gi" }), [
    makePod("a", { cpu: "1500m", memory: "1Gi", nodeName: "n1" }),
  ]);
  assert.equal(p.filter(new Map(), infoOf(makePod("fits", { cpu: "500m", memory: "3Gi" })), node), null);
  const s = p.filter(new Map(), infoOf(makePod("big", { cpu: "600m", memory: "3073Mi" })), node);
  assert.equal(s?.code, "Unschedulable");
  assert.deepEqual(s?.reasons, ["Insufficient cpu", "Insufficient memory"]);
});

test("the pod count is limited by allocatable pods, even for pods without requests", () => {
  const p = new NodeResourcesFit();
  const node = nodeInfoOf(makeNode("n1", { pods: "2" }), [
    makePod("a", { nodeName: "n1" }),
    makePod("b", { nodeName: "n1" }),
  ]);
  assert.deepEqual(p.filter(new Map(), infoOf(makePod("c")), node)?.reasons, ["Too many pods"]);
});

test("extended resources must be advertised by the node", () => {
  const p = new NodeResourcesFit();
  const pod = infoOf(
    makePod("gpu", {
      extra: { containers: [{ name: "m", image: "x", resources: { requests: { "nvidia.com/gpu": "1" } } }] },
    }),
  );
  assert.deepEqual(p.filter(new Map(), pod, nodeInfoOf(makeNode("n1")))?.reasons, [
    "Insufficient nvidia.com/gpu",
  ]);
});

test("init containers count at their peak, not summed", () => {
  const p = new NodeResourcesFit();
  const pod = infoOf(
    makePod("init", {
      extra: {
        initContainers: [{ name: "i", image: "x", resources: { requests: { cpu: "3" } } }],
        containers: [{ name: "m", image: "x", resources: { requests: { cpu: "1" } } }],
      },
    }),
  );
  assert.equal(pod.requests.milliCPU, 3000);
  assert.equal(p.filter(new Map(), pod, nodeInfoOf(makeNode("n1", { cpu: "3" }))), null);
  assert.deepEqual(p.filter(new Map(), pod, nodeInfoOf(makeNode("n2", { cpu: "2" })))?.reasons, [
    "Insufficient cpu",
  ]);
});

test("LeastAllocated prefers emptier nodes, counting request-less containers as 100m and 200Mi", () => {
  const p = new NodeResourcesFit();
  const pod = infoOf(makePod("p"));
  const empty = nodeInfoOf(makeNode("empty", { cpu: "1", memory: "2000Mi" }));
  const busy = nodeInfoOf(makeNode("busy", { cpu: "1", memory: "2000Mi" }), [
    makePod("a", { cpu: "500m", memory: "1000Mi", nodeName: "busy" }),
  ]);
  // empty: cpu (1000-100)/1000 → 90, memory (2000-200)/2000 → 90.
  assert.equal(p.score(new Map(), pod, empty), 90);
  // busy: cpu (1000-600)/1000 → 40, memory (2000-1200)/2000 → 40.
  assert.equal(p.score(new Map(), pod, busy), 40);
});
