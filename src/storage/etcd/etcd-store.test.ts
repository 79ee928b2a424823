import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startEtcd, type RunningEtcd } from "../../../test/support/etcd.ts";
import { storeContract } from "../contract.ts";
import { EtcdUnreachableError, EtcdStore } from "./etcd-store.ts";

let etcd: RunningEtcd | undefined;
before(async () => {
  // No skipping: a missing etcd fails every test here with startEtcd's message.
  etcd = await startEtcd();
});
after(async () => {
  await etcd?.stop();
});

let n = 0;
storeContract("etcd", async () => {
  if (!etcd) throw new Error("etcd did not start (see the before hook's error)");
  // Each test gets its own key prefix, so revisions are shared but keys never are.
  return EtcdStore.connect([etcd.endpoint], { keyPrefix: `/t${n++}` });
});

test("etcd: an unreachable endpoint is skipped for the next one", async () => {
  if (!etcd) throw new Error("etcd did not start (see the before hook's error)");
  // Port 1 on loopback refuses connections: the client must move on rather than fail.
  const store = await EtcdStore.connect(["http://127.0.0.1:1", etcd.endpoint], { keyPrefix: "/failover" });
  try {
    const kv = await store.create("/a", "1");
    assert.deepEqual(await store.get("/a"), kv);
    const ac = new AbortController();
    const seen = new Promise<number>((resolve, reject) => {
      store.watch("/", kv.modRevision - 1, ac.signal, {
        onEvents: (events) => resolve(events[0].revision),
        onError: reject,
      });
    });
    assert.equal(await seen, kv.modRevision);
    ac.abort();
  } finally {
    await store.close();
  }
});

test("etcd: no reachable endpoint at start is said with the endpoint and gRPC's reason", async () => {
  await assert.rejects(
    EtcdStore.connect(["http://127.0.0.1:1"]),
    (err: unknown) =>
      err instanceof EtcdUnreachableError &&
      /^cannot reach etcd at http:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/.test(err.message),
  );
});
