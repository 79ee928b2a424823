import assert from "node:assert/strict";
import { test } from "node:test";
import { flush, Harness, pod, simNode } from "./test-harness.ts";

test("a simulated node gets a Lease, a Ready status and a pod CIDR, and renews its Lease every 10s", async () => {
  const h = new Harness();
  await h.addNode(simNode("sim1", { "skiff.dev/simulated-ip": "192.168.7.7" }));

  const lease = h.client.actions("create", "leases")[0];
  assert.equal(lease.namespace, "kube-node-lease");
  const body = lease.body as any;
  assert.equal(body.metadata.name, "sim1");
  assert.equal(body.spec.holderIdentity, "sim1");
  assert.equal(body.spec.leaseDurationSeconds, 40);
  assert.deepEqual(body.metadata.ownerReferences[0], {
    apiVersion: "v1",
    kind: "Node",
    name: "sim1",
    uid: "uid-sim1",
  });

  const specPatch = h.client.actions("patch", "nodes").find((c) => !c.subresource)!;
  assert.deepEqual(specPatch.body, { spec: { podCIDR: "10.42.0.0/24", podCIDRs: ["10.42.0.0/24"] } });

  const status = (h.client.actions("patch", "nodes").find((c) => c.subresource === "status")!.body as any)
    .status;
  const ready = status.conditions.find((c: any) => c.type === "Ready");
  assert.equal(ready.status, "True");
  assert.equal(ready.reason, "KubeletReady");
  assert.equal(ready.message, "kubelet is posting ready status");
  for (const t of ["MemoryPressure", "DiskPressure", "PIDPressure"])
    assert.equal(status.conditions.find((c: any) => c.type === t).status, "False");
  assert.deepEqual(status.addresses, [
    { type: "InternalIP", address: "192.168.7.7" },
    { type: "Hostname", address: "sim1" },
  ]);
  assert.equal(status.nodeInfo.kubeletVersion, "v1.32.0-skiff");
  assert.equal(status.nodeInfo.containerRuntimeVersion, "simulated://1.0");
  assert.deepEqual(status.capacity, { cpu: "32", memory: "256Gi", pods: "110" });

  await h.advance(10_000);
  await h.advance(10_500);
  assert.ok(h.client.actions("update", "leases").length >= 1, "lease renewed");
  const renewed = h.client.actions("update", "leases").at(-1)!.body as any;
  assert.equal(renewed.spec.holderIdentity, "sim1");
  assert.ok(Date.parse(renewed.spec.renewTime) > Date.parse(body.spec.renewTime));
});

test("a pod bound to a simulated node runs with an IP from the node's pod CIDR", async () => {
  const h = new Harness();
  await h.addNode(simNode("sim1"));
  await h.addPod(pod("web"));

  const st = h.apiPod("web").status;
  assert.equal(st.phase, "Running");
  assert.match(st.podIP, /^10\.42\.0\.\d+$/);
  assert.notEqual(st.podIP, "10.42.0.1");
  assert.deepEqual(st.podIPs, [{ ip: st.podIP }]);
  assert.match(st.hostIP, /^10\.99\./);
  assert.equal(st.qosClass, "BestEffort", "fields the kubelet does not own are kept");
  const cs = st.containerStatuses[0];
  assert.equal(cs.ready, true);
  assert.equal(cs.started, true);
  assert.equal(cs.restartCount, 0);
  assert.ok(cs.state.running.startedAt);
  assert.match(cs.containerID, /^simulated:\/\/[0-9a-f]{64}$/);
  assert.equal(cs.image, "docker.io/library/nginx:latest");
  assert.match(cs.imageID, /^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/);
  const cond = Object.fromEntries(st.conditions.map((c: any) => [c.type, c.status]));
  assert.deepEqual(cond, {
    PodReadyToStartContainers: "True",
    Initialized: "True",
    Ready: "True",
    ContainersReady: "True",
    PodScheduled: "True",
  });
  assert.equal(h.statusWrites("web").length, 1, "creating and running coalesce into one write");

  // Nothing changed: no further write.
  await h.syncPod("web");
  assert.equal(h.statusWrites("web").length, 1);
});

test("restartPolicy Never with a duration ends Succeeded; a non-zero exit code ends Failed", async () => {
  const h = new Harness();
  await h.addNode(simNode("sim1"));
  await h.addPod(pod("job", { restartPolicy: "Never" }));
  await h.addPod(
    pod("bad", { restartPolicy: "Never", annotations: { "skiff.dev/simulated-exit-code": "3" } }),
  );
  assert.equal(h.apiPod("job").status.phase, "Running");

  await h.advance(1000);
  await h.syncPod("job");
  await h.syncPod("bad");
  const ok = h.apiPod("job").status;
  assert.equal(ok.phase, "Succeeded");
  assert.equal(ok.containerStatuses[0].state.terminated.reason, "Completed");
  assert.equal(ok.containerStatuses[0].state.terminated.exitCode, 0);
  assert.equal(ok.conditions.find((c: any) => c.type === "Ready").reason, "PodCompleted");
  const bad = h.apiPod("bad").status;
  assert.equal(bad.phase, "Failed");
  assert.equal(bad.containerStatuses[0].state.terminated.reason, "Error");
  assert.equal(bad.containerStatuses[0].state.terminated.exitCode, 3);
});

test("a crashing container restarts at once, then backs off 10s, 20s (CrashLoopBackOff)", async () => {
  const h = new Harness();
  await h.addNode(simNode("sim1"));
  await h.addPod(
    pod("crash", {
      annotations: { "skiff.dev/simulated-duration": "1s", "skiff.dev/simulated-exit-code": "1" },
    }),
  );
  await h.advance(1000, "crash");
  let cs = h.apiPod("crash").status.containerStatuses[0];
  assert.equal(cs.restartCount, 1);
  assert.ok(cs.state.running);
  assert.equal(cs.lastState.terminated.reason, "Error");
  assert.equal(cs.lastState.terminated.exitCode, 1);

  await h.advance(1000, "crash");
  cs = h.apiPod("crash").status.containerStatuses[0];
  assert.equal(cs.restartCount, 1);
  assert.equal(cs.state.waiting.reason, "CrashLoopBackOff");
  assert.equal(
    cs.state.waiting.message,
    "back-off 10s restarting failed container=c pod=crash_default(uid-crash)",
  );
  assert.equal(cs.ready, false);
  assert.equal(h.apiPod("crash").status.phase, "Running");

  await h.advance(9999, "crash");
  assert.equal(h.apiPod("crash").status.containerStatuses[0].restartCount, 1);
  await h.advance(1, "crash");
  cs = h.apiPod("crash").status.containerStatuses[0];
  assert.equal(cs.restartCount, 2);
  assert.ok(cs.state.running);

  await h.advance(1000, "crash");
  cs = h.apiPod("crash").status.containerStatuses[0];
  assert.match(cs.state.waiting.message, /^back-off 20s restarting failed container=c /);
});

test("OnFailure restarts a failing container but completes on exit code 0", async () => {
  const h = new Harness();
  await h.addNode(simNode("sim1"));
  await h.addPod(pod("once", { restartPolicy: "OnFailure" }));
  await h.addPod(
    pod("retry", { restartPolicy: "OnFailure", annotations: { "skiff.dev/simulated-exit-code": "2" } }),
  );
  await h.advance(1000);
  await h.syncPod("once");
  await h.syncPod("retry");
  assert.equal(h.apiPod("once").status.phase, "Succeeded");
  const retry = h.apiPod("retry").status;
  assert.equal(retry.phase, "Running");
  assert.equal(retry.containerStatuses[0].restartCount, 1);
});

test("simulated-ready=false keeps containers never ready", async () => {
  const h = new Harness();
  await h.addNode(simNode("sim1"));
  await h.addPod(pod("slow", { annotations: { "skiff.dev/simulated-ready": "false" } }));
  const st = h.apiPod("slow").status;
  assert.equal(st.phase, "Running");
  assert.equal(st.containerStatuses[0].ready, false);
  const ready = st.conditions.find((c: any) => c.type === "Ready");
  assert.equal(ready.status, "False");
  assert.equal(ready.reason, "ContainersNotReady");
  assert.equal(ready.message, "containers with unready status: [c]");
});

test("a deleted pod stops within min(grace, 1s), posts its final status, then is deleted with grace 0", async () => {
  const h = new Harness();
  await h.addNode(simNode("sim1"));
  await h.addPod(pod("web"));
  const deleting = structuredClone(h.apiPod("web"));
  deleting.metadata.deletionTimestamp = "2024-01-01T00:00:30Z";
  deleting.metadata.deletionGracePeriodSeconds = 30;
  h.client.objects.set("/pods/default/web", deleting);
  h.pods.update(structuredClone(deleting));
  await h.syncPod("web");
  await h.advance(999, "web");
  assert.equal(h.client.actions("delete", "pods").length, 0);

  await h.advance(1, "web");
  const del = h.client.actions("delete", "pods");
  assert.equal(del.length, 1);
  assert.deepEqual(del[0].body, { gracePeriodSeconds: 0, preconditions: { uid: "uid-web" } });
  const final = (h.statusWrites("web").at(-1)!.body as any).status;
  assert.ok(final.containerStatuses[0].state.terminated);
  assert.equal(final.containerStatuses[0].ready, false);
});

test("a node marked down stops heartbeats and pod status writes, and resumes when back", async () => {
  const h = new Harness();
  await h.addNode(simNode("sim1"));
  await h.addPod(pod("job", { restartPolicy: "Never" }));
  const writesBefore = h.statusWrites("job").length;

  const down = simNode("sim1", { "skiff.dev/simulated-state": "down" });
  down.metadata!.resourceVersion = "5";
  h.nodes.update(down);
  await h.agent.syncNode("sim1");
  const leaseCalls = () =>
    h.client.actions("update", "leases").length + h.client.actions("create", "leases").length;
  const statusPosts = () =>
    h.client.actions("patch", "nodes").filter((c) => c.subresource === "status").length;
  const [leasesDown, postsDown] = [leaseCalls(), statusPosts()];

  await h.advance(60_000, "job");
  assert.equal(leaseCalls(), leasesDown, "no lease renewals while down");
  assert.equal(statusPosts(), postsDown, "no node status while down");
  assert.equal(h.statusWrites("job").length, writesBefore, "pod status held while down");

  const up = simNode("sim1");
  up.metadata!.resourceVersion = "6";
  h.nodes.update(up);
  await h.agent.syncNode("sim1");
  await flush();
  assert.ok(leaseCalls() > leasesDown, "lease renewed at once when back");
  assert.ok(statusPosts() > postsDown, "status posted at once when back");
  await h.agent.statusManager.sync("default/job");
  assert.equal(h.apiPod("job").status.phase, "Succeeded", "held pod status written when back");
});

test("the kubelet restores a Ready condition someone else changed while its node was healthy", async () => {
  const h = new Harness();
  await h.addNode(simNode("sim1"));
  await h.addPod(pod("web"));
  const marked = structuredClone(h.apiPod("web"));
  marked.metadata.resourceVersion = "999";
  marked.status.conditions.find((c: any) => c.type === "Ready").status = "False";
  marked.status.conditions.push({
    type: "DisruptionTarget",
    status: "True",
    reason: "DeletionByTaintManager",
  });
  h.client.objects.set("/pods/default/web", marked);
  h.pods.update(structuredClone(marked));
  await h.syncPod("web");
  const st = h.apiPod("web").status;
  assert.equal(st.conditions.find((c: any) => c.type === "Ready").status, "True");
  assert.ok(
    st.conditions.some((c: any) => c.type === "DisruptionTarget"),
    "conditions of other writers are kept",
  );
});

test("pods on different simulated nodes get addresses from their own node's CIDR", async () => {
  const h = new Harness();
  await h.addNode(simNode("sim1"));
  const n2 = simNode("sim2");
  (n2.spec as any).podCIDR = "10.50.3.0/24";
  await h.addNode(n2);
  const p = pod("other");
  (p.spec as any).nodeName = "sim2";
  await h.addPod(p);
  assert.match(h.apiPod("other").status.podIP, /^10\.50\.3\.\d+$/);
  assert.equal(
    h.client.actions("patch", "nodes").filter((c) => c.name === "sim2" && !c.subresource).length,
    0,
    "an existing podCIDR is left alone",
  );
});
