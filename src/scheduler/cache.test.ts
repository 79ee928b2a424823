import { test } from "node:test";
import assert from "node:assert/strict";
import { SchedulerCache } from "./cache.ts";
import { podInfo } from "./pod-info.ts";
import { makeNode, makePod } from "./test-helpers.ts";

const zoned = (name: string, zone: string) =>
  makeNode(name, { labels: { "topology.kubernetes.io/zone": zone } });
const bound = (name: string, node: string) =>
  podInfo(makePod(name, { owner: "web", nodeName: node, cpu: "1" }));

test("node totals follow bound, assumed and forgotten pods", () => {
  const c = new SchedulerCache();
  c.setNode(makeNode("n1"));
  c.addOrUpdatePod(bound("a", "n1"));
  const b = podInfo(makePod("b", { cpu: "1" }));
  c.assumePod(b, "n1");
  assert.equal(c.getNode("n1")!.requested.milliCPU, 2000);
  assert.equal(c.isAssumed("default/b"), true);
  // The informer reports the binding: the assumption is replaced, not counted twice.
  c.addOrUpdatePod(bound("b", "n1"));
  assert.equal(c.isAssumed("default/b"), false);
  assert.equal(c.getNode("n1")!.requested.milliCPU, 2000);
  const d = podInfo(makePod("d", { cpu: "1" }));
  c.assumePod(d, "n1");
  c.forgetPod("default/d");
  assert.equal(c.getNode("n1")!.requested.milliCPU, 2000);
  c.removePod("default/a");
  assert.equal(c.getNode("n1")!.pods.size, 1);
});

test("pods on a deleted node stay accounted until they go, but the node is no longer offered", () => {
  const c = new SchedulerCache();
  c.setNode(makeNode("n1"));
  c.addOrUpdatePod(bound("a", "n1"));
  c.removeNode("n1");
  assert.equal(c.nodes.length, 0);
  c.setNode(makeNode("n1"));
  assert.equal(c.getNode("n1")!.pods.size, 1);
});

test("per-owner zone totals follow pods and node relabelling", () => {
  const c = new SchedulerCache();
  c.setNode(zoned("a1", "a"));
  c.setNode(zoned("b1", "b"));
  c.addOrUpdatePod(bound("p1", "a1"));
  c.addOrUpdatePod(bound("p2", "a1"));
  c.addOrUpdatePod(bound("p3", "b1"));
  assert.deepEqual(
    [...c.ownerZoneCounts("uid-rs-web")!],
    [
      ["a", 2],
      ["b", 1],
    ],
  );
  c.setNode(zoned("a1", "b"));
  assert.deepEqual([...c.ownerZoneCounts("uid-rs-web")!], [["b", 3]]);
  c.removeNode("b1");
  c.removePod("default/p1");
  assert.deepEqual([...c.ownerZoneCounts("uid-rs-web")!], [["b", 1]]);
});
