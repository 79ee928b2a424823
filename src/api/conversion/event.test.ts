import { test } from "node:test";
import assert from "node:assert/strict";
import { coreToEventsV1, eventsV1ToCore } from "./event.ts";

const regarding = { kind: "Pod", namespace: "default", name: "kubia-x", uid: "u1", apiVersion: "v1" };
const related = { kind: "Node", name: "node-1", apiVersion: "v1" };

test("events.k8s.io/v1 fields map onto their core/v1 names", () => {
  const core = eventsV1ToCore({
    metadata: { name: "kubia-x.1", namespace: "default" },
    eventTime: "2024-01-01T00:00:00.000000Z",
    series: { count: 4, lastObservedTime: "2024-01-01T00:05:00.000000Z" },
    reportingController: "kubernetes.io/kubelet",
    reportingInstance: "kubelet-node-1",
    action: "Pulling",
    reason: "Pulling",
    regarding,
    related,
    note: "Pulling image luksa/kubia",
    type: "Normal",
    deprecatedSource: { component: "kubelet", host: "node-1" },
    deprecatedFirstTimestamp: "2024-01-01T00:00:00Z",
    deprecatedLastTimestamp: "2024-01-01T00:05:00Z",
    deprecatedCount: 4,
  });
  assert.deepEqual(core, {
    metadata: { name: "kubia-x.1", namespace: "default" },
    involvedObject: regarding,
    reason: "Pulling",
    message: "Pulling image luksa/kubia",
    source: { component: "kubelet", host: "node-1" },
    firstTimestamp: "2024-01-01T00:00:00Z",
    lastTimestamp: "2024-01-01T00:05:00Z",
    count: 4,
    type: "Normal",
    eventTime: "2024-01-01T00:00:00.000000Z",
    series: { count: 4, lastObservedTime: "2024-01-01T00:05:00.000000Z" },
    action: "Pulling",
    related,
    reportingComponent: "kubernetes.io/kubelet",
    reportingInstance: "kubelet-node-1",
  });
});

test("a core event written by an old recorder reads as events.k8s.io/v1 with Go's zero values", () => {
  const ev = coreToEventsV1({
    metadata: { name: "kubia.17a", namespace: "default" },
    involvedObject: { kind: "ReplicaSet", name: "kubia" },
    reason: "SuccessfulCreate",
    message: "Created pod: kubia-abcde",
    source: { component: "replicaset-controller" },
    firstTimestamp: "2024-01-01T00:00:00Z",
    lastTimestamp: "2024-01-01T00:00:00Z",
    count: 1,
    type: "Normal",
    reportingComponent: "",
    reportingInstance: "",
  });
  assert.deepEqual(ev, {
    metadata: { name: "kubia.17a", namespace: "default" },
    eventTime: null,
    reason: "SuccessfulCreate",
    regarding: { kind: "ReplicaSet", name: "kubia" },
    note: "Created pod: kubia-abcde",
    type: "Normal",
    deprecatedSource: { component: "replicaset-controller" },
    deprecatedFirstTimestamp: "2024-01-01T00:00:00Z",
    deprecatedLastTimestamp: "2024-01-01T00:00:00Z",
    deprecatedCount: 1,
  });
});

test("a new-style event stored as core/v1 has empty legacy fields as Go writes them", () => {
  const core = eventsV1ToCore({
    metadata: { name: "e" },
    eventTime: "2024-01-01T00:00:00.000000Z",
    reportingController: "skiff/scheduler",
    reportingInstance: "skiff-1",
    action: "Binding",
    reason: "Scheduled",
    regarding,
    note: "assigned",
    type: "Normal",
  });
  assert.deepEqual(core.source, {});
  assert.equal(core.firstTimestamp, null);
  assert.equal(core.lastTimestamp, null);
  assert.equal("count" in core, false);
});

test("round trip from events.k8s.io/v1 through core/v1 keeps every field", () => {
  const ev = {
    metadata: { name: "e", namespace: "ns" },
    eventTime: "2024-01-01T00:00:00.000000Z",
    series: { count: 2, lastObservedTime: "2024-01-01T00:01:00.000000Z" },
    reportingController: "c",
    reportingInstance: "i",
    action: "A",
    reason: "R",
    regarding,
    related,
    note: "n",
    type: "Warning",
    deprecatedSource: { component: "c" },
    deprecatedFirstTimestamp: "2024-01-01T00:00:00Z",
    deprecatedLastTimestamp: "2024-01-01T00:01:00Z",
    deprecatedCount: 2,
  };
  assert.deepEqual(coreToEventsV1(eventsV1ToCore(ev)), ev);
});
