// The same API on etcd: kubectl CRUD, watch, and two servers sharing one etcd.
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
  const endpoint = `--datastore-endpoint=${etcd.endpoint.startsWith("http") ? etcd.endpoint : `http://${etcd.endpoint}`}`;
  a = await startServer({ args: [endpoint] });
  b = await startServer({ args: [endpoint] });
});

after(async () => {
  await a?.stop();
  await b?.stop();
  await etcd?.stop();
});

test("objects written through one server are read and watched through another", async () => {
  const ka = new Kubectl(a.kubeconfig);
  const kb = new Kubectl(b.kubeconfig);
  assert.match(await kb.ok(["get", "ns"]), /kube-node-lease/);
  const w = kb.spawn(["get", "cm", "-w"]);
  try {
    await ka.ok(["create", "configmap", "shared", "--from-literal=a=b"]);
    await w.waitFor((o) => /shared\s+1\s/.test(o));
    const cm = JSON.parse(await kb.ok(["get", "cm", "shared", "-o", "json"])) as any;
    assert.equal(cm.data.a, "b");
    await kb.ok(["label", "cm", "shared", "via=b"]);
    assert.match(await ka.ok(["get", "cm", "shared", "--show-labels"]), /via=b/);
    await ka.ok(["delete", "cm", "shared"]);
    const gone = await kb.run(["get", "cm", "shared"]);
    assert.match(gone.stderr, /NotFound/);
  } finally {
    w.stop();
  }
});
