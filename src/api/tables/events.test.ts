import { test } from "node:test";
import assert from "node:assert/strict";
import { eventPrinter } from "./events.ts";
import { ago, now } from "./test-clock.ts";

test("columns: Name is last and wide-only, as upstream", () => {
  assert.deepEqual(
    eventPrinter.columns.map((c) => [c.name, c.priority]),
    [
      ["Last Seen", 0],
      ["Type", 0],
      ["Reason", 0],
      ["Object", 0],
      ["Subobject", 1],
      ["Source", 1],
      ["Message", 0],
      ["First Seen", 1],
      ["Count", 1],
      ["Name", 1],
    ],
  );
  assert.equal(eventPrinter.columns[9].format, "name");
});

test("a core/v1 event recorded by the kubelet", () => {
  const ev = {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: "kubia-abcde.17c1", namespace: "default" },
    involvedObject: { kind: "Pod", name: "kubia-abcde", fieldPath: "spec.containers{kubia}" },
    reason: "Pulled",
    message: 'Successfully pulled image "luksa/kubia"\n',
    source: { component: "kubelet", host: "node1" },
    firstTimestamp: ago(3600),
    lastTimestamp: ago(70),
    count: 3,
    type: "Normal",
  };
  assert.deepEqual(eventPrinter.cells(ev, now), [
    "70s",
    "Normal",
    "Pulled",
    "pod/kubia-abcde",
    "spec.containers{kubia}",
    "kubelet, node1",
    'Successfully pulled image "luksa/kubia"',
    "60m",
    3,
    "kubia-abcde.17c1",
  ]);
});

test("an event with only eventTime and a reporting controller", () => {
  const ev = {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: "x.1" },
    involvedObject: { kind: "Node" },
    reason: "RegisteredNode",
    message: "Node node1 event: Registered Node node1 in Controller",
    eventTime: "2024-05-01T11:59:50.123456Z",
    reportingComponent: "node-controller",
    type: "Normal",
  };
  assert.deepEqual(eventPrinter.cells(ev, now).slice(0, 9), [
    "9s",
    "Normal",
    "RegisteredNode",
    "node",
    "",
    "node-controller",
    "Node node1 event: Registered Node node1 in Controller",
    "9s",
    1,
  ]);
});

test("an events.k8s.io/v1 event with a series", () => {
  const ev = {
    apiVersion: "events.k8s.io/v1",
    kind: "Event",
    metadata: { name: "web.2" },
    regarding: { kind: "Deployment", name: "web" },
    note: "Scaled up replica set web-7d4b9 to 3",
    reason: "ScalingReplicaSet",
    type: "Normal",
    eventTime: ago(900),
    series: { count: 5, lastObservedTime: ago(20) },
    reportingController: "deployment-controller",
    reportingInstance: "cm-1",
  };
  assert.deepEqual(eventPrinter.cells(ev, now), [
    "20s",
    "Normal",
    "ScalingReplicaSet",
    "deployment/web",
    "",
    "deployment-controller, cm-1",
    "Scaled up replica set web-7d4b9 to 3",
    "15m",
    5,
    "web.2",
  ]);
});

test("an event with no timestamps at all", () => {
  const ev = {
    apiVersion: "v1",
    metadata: { name: "e" },
    involvedObject: { kind: "Pod", name: "p" },
    count: 2,
  };
  const cells = eventPrinter.cells(ev, now);
  assert.equal(cells[0], "<unknown>");
  assert.equal(cells[7], "<unknown>");
  assert.equal(cells[8], 2);
});
