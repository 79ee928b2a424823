import assert from "node:assert/strict";
import { test } from "node:test";
import { Harness, pod, simNode } from "./test-harness.ts";

const kubiaLiveness = (extra: object = {}) =>
  pod("kubia-liveness", {
    containers: [
      {
        name: "kubia",
        image: "luksa/kubia-unhealthy",
        livenessProbe: { httpGet: { path: "/", port: 8080 }, periodSeconds: 10, ...extra },
      },
    ],
  });

function events(h: Harness, reason: string): any[] {
  return h.client
    .actions("create", "events")
    .map((a) => a.body as any)
    .filter((e) => e.reason === reason);
}

test("a liveness probe that keeps failing kills the container (exit 137) and the kubelet restarts it", async () => {
  const h = new Harness();
  await h.addNode(simNode("sim1"));
  await h.addPod(kubiaLiveness());
  // Requests 1-5 succeed, then three failures in a row (failureThreshold 3). The first probe comes
  // at a random point of the first period, so the kill comes between 70s and 80s.
  for (let i = 0; i < 6; i++) await h.advance(10_000, "kubia-liveness");
  let cs = h.apiPod("kubia-liveness").status.containerStatuses[0];
  assert.equal(cs.restartCount, 0, "not killed before the third failure");
  for (let i = 0; i < 2; i++) await h.advance(10_000, "kubia-liveness");
  // The image ignores SIGTERM: the simulated stop ends in SIGKILL within a second.
  await h.advance(1000, "kubia-liveness");
  cs = h.apiPod("kubia-liveness").status.containerStatuses[0];
  assert.equal(cs.restartCount, 1);
  assert.ok(cs.state.running, "restarted at once the first time");
  assert.equal(cs.lastState.terminated.exitCode, 137);
  assert.equal(cs.lastState.terminated.reason, "Error");

  // Repeats of one event are folded into it: one Event whose count reaches 3.
  const unhealthy = events(h, "Unhealthy");
  assert.equal(unhealthy.length, 1);
  const counts = h.client.actions("patch", "events").map((a) => (a.body as any).count);
  assert.deepEqual(counts, [2, 3]);
  assert.equal(unhealthy[0].type, "Warning");
  assert.equal(unhealthy[0].message, "Liveness probe failed: HTTP probe failed with statuscode: 500");
  assert.equal(unhealthy[0].involvedObject.fieldPath, "spec.containers{kubia}");
  assert.deepEqual(unhealthy[0].source, { component: "kubelet", host: "sim1" });
  const killing = events(h, "Killing");
  assert.equal(killing.length, 1);
  assert.equal(killing[0].message, "Container kubia failed liveness probe, will be restarted");

  // The counter starts over with the new container: five more good answers before it fails again.
  for (let i = 0; i < 5; i++) await h.advance(10_000, "kubia-liveness");
  assert.equal(h.apiPod("kubia-liveness").status.containerStatuses[0].restartCount, 1);
});

test("probes wait initialDelaySeconds after the container starts", async () => {
  const h = new Harness();
  await h.addNode(simNode("sim1"));
  await h.addPod(kubiaLiveness({ initialDelaySeconds: 120 }));
  for (let i = 0; i < 11; i++) await h.advance(10_000, "kubia-liveness");
  assert.equal(events(h, "Unhealthy").length, 0, "nothing probed in the first 110s");
  // Five good answers from 120s on, three bad ones, and the kill: by 211s at the latest.
  for (let i = 0; i < 10; i++) await h.advance(10_000, "kubia-liveness");
  await h.advance(1000, "kubia-liveness");
  assert.equal(h.apiPod("kubia-liveness").status.containerStatuses[0].restartCount, 1);
});

test("a readiness probe decides readiness; a TCP probe on a port nothing listens on fails", async () => {
  const h = new Harness();
  await h.addNode(simNode("sim1"));
  await h.addPod(
    pod("ready", {
      containers: [
        {
          name: "web",
          image: "luksa/kubia",
          readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 },
        },
        {
          name: "side",
          image: "luksa/kubia",
          readinessProbe: { tcpSocket: { port: 9090 }, periodSeconds: 1 },
        },
      ],
    }),
  );
  let st = h.apiPod("ready").status;
  assert.deepEqual(
    st.containerStatuses.map((c: any) => c.ready),
    [false, false],
    "not ready before a probe succeeds",
  );
  await h.advance(1000, "ready");
  await h.advance(1000, "ready");
  st = h.apiPod("ready").status;
  assert.deepEqual(
    st.containerStatuses.map((c: any) => c.ready),
    [true, false],
  );
  assert.equal(st.conditions.find((c: any) => c.type === "Ready").status, "False");
  const failed = events(h, "Unhealthy");
  assert.match(
    failed[0].message,
    /^Readiness probe failed: dial tcp 10\.\S+:9090: connect: connection refused$/,
  );
  assert.equal(events(h, "Killing").length, 0, "readiness failures never kill");
});

test("liveness waits for a startup probe; a failed startup probe restarts the container", async () => {
  const h = new Harness();
  await h.addNode(simNode("sim1"));
  await h.addPod(
    pod("slow", {
      containers: [
        {
          name: "app",
          image: "luksa/kubia",
          startupProbe: { httpGet: { port: 8081 }, periodSeconds: 1, failureThreshold: 2 },
          livenessProbe: { httpGet: { port: 8080 }, periodSeconds: 1 },
        },
      ],
    }),
  );
  assert.equal(h.apiPod("slow").status.containerStatuses[0].started, false);
  for (let i = 0; i < 4; i++) await h.advance(1000, "slow");
  assert.equal(events(h, "Killing")[0]?.message, "Container app failed startup probe, will be restarted");
  assert.ok(events(h, "Unhealthy").every((e) => e.message.startsWith("Startup probe failed: ")));
  await h.advance(1000, "slow");
  assert.equal(h.apiPod("slow").status.containerStatuses[0].restartCount, 1);
});
