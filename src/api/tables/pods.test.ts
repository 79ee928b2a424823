import { test } from "node:test";
import assert from "node:assert/strict";
import { podPrinter } from "./pods.ts";
import { ago, now } from "./test-clock.ts";

function pod(over: { metadata?: any; spec?: any; status?: any }): any {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "kubia-abcde", namespace: "default", creationTimestamp: ago(300), ...over.metadata },
    spec: { containers: [{ name: "kubia", image: "luksa/kubia" }], ...over.spec },
    status: over.status ?? {},
  };
}

const running = {
  name: "kubia",
  ready: true,
  started: true,
  restartCount: 0,
  state: { running: { startedAt: ago(290) } },
};

const row = (p: any) => podPrinter.cells(p, now);

test("columns are upstream's, wide ones at priority 1", () => {
  assert.deepEqual(
    podPrinter.columns.map((c) => [c.name, c.type, c.format, c.priority]),
    [
      ["Name", "string", "name", 0],
      ["Ready", "string", "", 0],
      ["Status", "string", "", 0],
      ["Restarts", "string", "", 0],
      ["Age", "string", "", 0],
      ["IP", "string", "", 1],
      ["Node", "string", "", 1],
      ["Nominated Node", "string", "", 1],
      ["Readiness Gates", "string", "", 1],
    ],
  );
});

test("a running pod", () => {
  const p = pod({
    spec: { nodeName: "node1" },
    status: {
      phase: "Running",
      podIP: "10.1.0.5",
      podIPs: [{ ip: "10.1.0.5" }],
      conditions: [{ type: "Ready", status: "True" }],
      containerStatuses: [running],
    },
  });
  assert.deepEqual(row(p), [
    "kubia-abcde",
    "1/1",
    "Running",
    "0",
    "5m",
    "10.1.0.5",
    "node1",
    "<none>",
    "<none>",
  ]);
  assert.equal(podPrinter.conditions!(p), undefined);
});

test("a pending pod not yet scheduled", () => {
  const p = pod({ status: { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False" }] } });
  assert.deepEqual(row(p), [
    "kubia-abcde",
    "0/1",
    "Pending",
    "0",
    "5m",
    "<none>",
    "<none>",
    "<none>",
    "<none>",
  ]);
});

test("a scheduling-gated pod", () => {
  const p = pod({
    status: {
      phase: "Pending",
      conditions: [{ type: "PodScheduled", status: "False", reason: "SchedulingGated" }],
    },
  });
  assert.equal(row(p)[2], "SchedulingGated");
});

test("a pod whose container is being created", () => {
  const p = pod({
    spec: { nodeName: "node1" },
    status: {
      phase: "Pending",
      containerStatuses: [
        { name: "kubia", ready: false, restartCount: 0, state: { waiting: { reason: "ContainerCreating" } } },
      ],
    },
  });
  assert.deepEqual(row(p).slice(1, 4), ["0/1", "ContainerCreating", "0"]);
});

test("a terminating pod, and a deleted pod that already finished", () => {
  const base = {
    phase: "Running",
    conditions: [{ type: "Ready", status: "True" }],
    containerStatuses: [running],
  };
  assert.equal(row(pod({ metadata: { deletionTimestamp: ago(-30) }, status: base }))[2], "Terminating");
  const done = {
    phase: "Succeeded",
    containerStatuses: [
      {
        name: "kubia",
        ready: false,
        restartCount: 0,
        state: { terminated: { exitCode: 0, reason: "Completed" } },
      },
    ],
  };
  assert.equal(row(pod({ metadata: { deletionTimestamp: ago(-30) }, status: done }))[2], "Completed");
});

test("a pod on a lost node shows Unknown once deleted", () => {
  const p = pod({
    metadata: { deletionTimestamp: ago(10) },
    status: { phase: "Running", reason: "NodeLost", containerStatuses: [running] },
  });
  assert.equal(row(p)[2], "Unknown");
});

test("a crash-looping pod shows its restarts and when the last one was", () => {
  const p = pod({
    status: {
      phase: "Running",
      containerStatuses: [
        {
          name: "kubia",
          ready: false,
          restartCount: 4,
          state: { waiting: { reason: "CrashLoopBackOff", message: "back-off 1m20s" } },
          lastState: { terminated: { exitCode: 1, reason: "Error", finishedAt: ago(125) } },
        },
      ],
    },
  });
  assert.deepEqual(row(p).slice(1, 4), ["0/1", "CrashLoopBackOff", "4 (2m5s ago)"]);
});

test("restarts without a recorded termination time print the bare count", () => {
  const p = pod({ status: { phase: "Running", containerStatuses: [{ ...running, restartCount: 2 }] } });
  assert.equal(row(p)[3], "2");
});

test("completed and failed pods", () => {
  const succeeded = pod({
    status: {
      phase: "Succeeded",
      containerStatuses: [
        {
          name: "kubia",
          ready: false,
          restartCount: 0,
          state: { terminated: { exitCode: 0, reason: "Completed" } },
        },
      ],
    },
  });
  assert.deepEqual(row(succeeded).slice(1, 3), ["0/1", "Completed"]);
  assert.deepEqual(podPrinter.conditions!(succeeded), [
    {
      type: "Completed",
      status: "True",
      reason: "Succeeded",
      message: "The pod has completed successfully.",
    },
  ]);
  const failed = pod({
    status: {
      phase: "Failed",
      containerStatuses: [
        {
          name: "kubia",
          ready: false,
          restartCount: 0,
          state: { terminated: { exitCode: 1, reason: "Error" } },
        },
      ],
    },
  });
  assert.equal(row(failed)[2], "Error");
  const killed = pod({
    status: {
      phase: "Failed",
      containerStatuses: [
        { name: "kubia", ready: false, state: { terminated: { exitCode: 137, signal: 9 } } },
      ],
    },
  });
  assert.equal(row(killed)[2], "Signal:9");
  const exited = pod({
    status: {
      phase: "Failed",
      containerStatuses: [{ name: "kubia", state: { terminated: { exitCode: 3 } } }],
    },
  });
  assert.equal(row(exited)[2], "ExitCode:3");
});

test("one container completed while another still runs", () => {
  const statuses = [
    { name: "job", ready: false, state: { terminated: { exitCode: 0, reason: "Completed" } } },
    { name: "web", ready: true, state: { running: {} } },
  ];
  const spec = { containers: [{ name: "job" }, { name: "web" }] };
  const ready = pod({
    spec,
    status: {
      phase: "Running",
      conditions: [{ type: "Ready", status: "True" }],
      containerStatuses: statuses,
    },
  });
  assert.deepEqual(row(ready).slice(1, 3), ["1/2", "Running"]);
  const notReady = pod({ spec, status: { phase: "Running", containerStatuses: statuses } });
  assert.equal(row(notReady)[2], "NotReady");
});

test("init containers: running, crash-looping, failed", () => {
  const spec = { initContainers: [{ name: "init" }, { name: "init2" }] };
  const initRunning = pod({
    spec,
    status: {
      phase: "Pending",
      initContainerStatuses: [
        { name: "init", ready: false, restartCount: 0, state: { running: {} } },
        { name: "init2", ready: false, restartCount: 0, state: { waiting: { reason: "PodInitializing" } } },
      ],
      containerStatuses: [
        { name: "kubia", ready: false, restartCount: 0, state: { waiting: { reason: "PodInitializing" } } },
      ],
    },
  });
  assert.deepEqual(row(initRunning).slice(1, 4), ["0/1", "Init:0/2", "0"]);

  const secondRunning = pod({
    spec,
    status: {
      phase: "Pending",
      initContainerStatuses: [
        { name: "init", restartCount: 0, state: { terminated: { exitCode: 0, reason: "Completed" } } },
        { name: "init2", restartCount: 0, state: { running: {} } },
      ],
    },
  });
  assert.equal(row(secondRunning)[2], "Init:1/2");

  const initCrash = pod({
    spec,
    status: {
      phase: "Pending",
      initContainerStatuses: [
        {
          name: "init",
          restartCount: 3,
          state: { waiting: { reason: "CrashLoopBackOff" } },
          lastState: { terminated: { exitCode: 1, finishedAt: ago(30) } },
        },
      ],
    },
  });
  assert.deepEqual(row(initCrash).slice(2, 4), ["Init:CrashLoopBackOff", "3 (30s ago)"]);

  const initFailed = pod({
    spec,
    status: {
      phase: "Failed",
      initContainerStatuses: [{ name: "init", state: { terminated: { exitCode: 2 } } }],
    },
  });
  assert.equal(row(initFailed)[2], "Init:ExitCode:2");
});

test("a sidecar (restartable init container) counts towards READY", () => {
  const p = pod({
    spec: { initContainers: [{ name: "proxy", restartPolicy: "Always" }] },
    status: {
      phase: "Running",
      conditions: [
        { type: "Initialized", status: "True" },
        { type: "Ready", status: "True" },
      ],
      initContainerStatuses: [
        {
          name: "proxy",
          ready: true,
          started: true,
          restartCount: 1,
          state: { running: {} },
          lastState: { terminated: { exitCode: 1, finishedAt: ago(60) } },
        },
      ],
      containerStatuses: [running],
    },
  });
  assert.deepEqual(row(p).slice(1, 4), ["2/2", "Running", "1 (60s ago)"]);
});

test("readiness gates and nominated node in wide columns", () => {
  const p = pod({
    spec: { readinessGates: [{ conditionType: "example.com/lb" }, { conditionType: "example.com/dns" }] },
    status: {
      phase: "Pending",
      nominatedNodeName: "node2",
      podIPs: [{ ip: "fd00::5" }],
      conditions: [
        { type: "example.com/lb", status: "True" },
        { type: "example.com/dns", status: "False" },
      ],
    },
  });
  assert.deepEqual(row(p).slice(5), ["fd00::5", "<none>", "node2", "1/2"]);
});

test("a pod without creationTimestamp has an unknown age", () => {
  const p = pod({ metadata: { creationTimestamp: undefined } });
  assert.equal(row(p)[4], "<unknown>");
});
