// Two servers on one etcd: only the Lease holders act, and the other takes over when one stops.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startEtcd } from "../support/etcd.ts";
import { startServer, type RunningServer } from "../support/server.ts";
import { Kubectl } from "../support/kubectl.ts";

let etcd: Awaited<ReturnType<typeof startEtcd>>;
let a: RunningServer;
let b: RunningServer;

before(async () => {
  etcd = await startEtcd();
  a = await startServer({ args: [`--datastore-endpoint=${etcd.endpoint}`] });
  b = await startServer({ args: [`--datastore-endpoint=${etcd.endpoint}`] });
});

after(async () => {
  await a?.stop();
  await b?.stop();
  await etcd?.stop();
});

async function until<T>(fn: () => Promise<T | undefined>, what: string, ms = 90_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

test("one server leads each group; an RC gets exactly its replicas; the other takes over", async () => {
  const ka = new Kubectl(a.kubeconfig);
  const holder = (lease: string) =>
    until(async () => {
      const r = await ka.run([
        "-n",
        "kube-system",
        "get",
        "lease",
        lease,
        "-o",
        "jsonpath={.spec.holderIdentity}",
      ]);
      return r.code === 0 && r.stdout ? r.stdout : undefined;
    }, `lease ${lease}`);
  const cm = await holder("kube-controller-manager");
  await holder("kube-scheduler");

  await ka.ok(["create", "-f", "-"], {
    input: JSON.stringify({
      apiVersion: "v1",
      kind: "ReplicationController",
      metadata: { name: "ha" },
      spec: {
        replicas: 3,
        selector: { app: "ha" },
        template: { metadata: { labels: { app: "ha" } }, spec: { containers: [{ name: "c", image: "x" }] } },
      },
    }),
  });
  await until(async () => {
    const n = (await ka.ok(["get", "po", "-l", "app=ha", "-o", "name"])).split("\n").filter(Boolean).length;
    return n === 3 ? n : undefined;
  }, "3 pods");
  // Both controller managers would double the pods; give a second one time to misbehave.
  await new Promise((r) => setTimeout(r, 2000));
  assert.equal(
    (await ka.ok(["get", "po", "-l", "app=ha", "-o", "name"])).split("\n").filter(Boolean).length,
    3,
  );

  // Stop the leader; the other server must take the lease and act.
  const leaderIsA = a.logs().includes(cm);
  assert.ok(leaderIsA !== b.logs().includes(cm), "exactly one server says it leads");
  const [leader, follower] = leaderIsA ? [a, b] : [b, a];
  await leader.stop();
  const kf = new Kubectl(follower.kubeconfig);
  await until(async () => {
    const r = await kf.run([
      "-n",
      "kube-system",
      "get",
      "lease",
      "kube-controller-manager",
      "-o",
      "jsonpath={.spec.holderIdentity}",
    ]);
    return r.code === 0 && r.stdout && r.stdout !== cm ? r.stdout : undefined;
  }, "a new controller-manager leader");
  await kf.ok(["scale", "rc", "ha", "--replicas=5"]);
  try {
    await until(async () => {
      const n = (await kf.ok(["get", "po", "-l", "app=ha", "-o", "name"])).split("\n").filter(Boolean).length;
      return n === 5 ? n : undefined;
    }, "5 pods after failover");
  } catch (e) {
    const tail = follower
      .logs()
      .split("\n")
      .filter((l) => /leader|error|warn/i.test(l))
      .slice(-20)
      .join("\n");
    throw new Error(`${(e as Error).message}\nfollower log:\n${tail}`, { cause: e });
  }
});
