// @kubernetes/client-node, unchanged, lists, watches and runs an informer against skiff.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import * as k8s from "@kubernetes/client-node";
import { startServer, type RunningServer } from "../support/server.ts";

let server: RunningServer;
let kc: k8s.KubeConfig;
let core: k8s.CoreV1Api;

const pod = (name: string, labels: Record<string, string> = {}): k8s.V1Pod => ({
  metadata: { name, labels },
  spec: { containers: [{ name: "c", image: "busybox" }] },
});

async function until(pred: () => boolean, what: string, ms = 10_000): Promise<void> {
  const start = Date.now();
  while (!pred()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

before(async () => {
  server = await startServer();
  kc = new k8s.KubeConfig();
  kc.loadFromFile(server.kubeconfig);
  core = kc.makeApiClient(k8s.CoreV1Api);
});

after(async () => {
  await server?.stop();
});

test("create and list pods with the typed API", async () => {
  const created = await core.createNamespacedPod({ namespace: "default", body: pod("one", { app: "a" }) });
  assert.equal(created.metadata?.name, "one");
  assert.equal(created.spec?.restartPolicy, "Always");
  await core.createNamespacedPod({ namespace: "default", body: pod("two", { app: "b" }) });
  const list = await core.listNamespacedPod({ namespace: "default", labelSelector: "app=a" });
  assert.deepEqual(
    list.items.map((p) => p.metadata?.name),
    ["one"],
  );
  assert.match(list.metadata?.resourceVersion ?? "", /^\d+$/);
  const namespaces = await core.listNamespace();
  assert.ok(namespaces.items.some((n) => n.metadata?.name === "kube-system"));
});

test("list paging with limit and continue", async () => {
  for (let i = 0; i < 5; i++)
    await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: `page-${i}` } } });
  const first = await core.listNamespacedConfigMap({ namespace: "default", limit: 2 });
  assert.equal(first.items.length, 2);
  assert.ok(first.metadata?._continue);
  const names: Array<string | undefined> = first.items.map((c) => c.metadata?.name);
  let token: string | undefined = first.metadata?._continue;
  while (token) {
    const next = await core.listNamespacedConfigMap({ namespace: "default", limit: 2, _continue: token });
    names.push(...next.items.map((c) => c.metadata?.name));
    token = next.metadata?._continue;
  }
  assert.deepEqual(
    names.filter((n) => n?.startsWith("page-")),
    ["page-0", "page-1", "page-2", "page-3", "page-4"],
  );
});

test("watch delivers ADDED, MODIFIED and DELETED", async () => {
  const events: string[] = [];
  const watch = new k8s.Watch(kc);
  const list = await core.listNamespacedPod({ namespace: "default" });
  const ctl = await watch.watch(
    "/api/v1/namespaces/default/pods",
    { resourceVersion: list.metadata?.resourceVersion },
    (type, obj: k8s.V1Pod) => events.push(`${type} ${obj.metadata?.name}`),
    () => {},
  );
  try {
    await core.createNamespacedPod({ namespace: "default", body: pod("watched") });
    await core.patchNamespacedPod(
      { name: "watched", namespace: "default", body: { metadata: { labels: { x: "y" } } } },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
    );
    await core.deleteNamespacedPod({ name: "watched", namespace: "default" });
    await until(() => events.includes("DELETED watched"), "the deletion");
    // The scheduler may also write a PodScheduled condition: more MODIFIED events, same order.
    assert.equal(events[0], "ADDED watched");
    assert.ok(events.slice(1, -1).every((e) => e === "MODIFIED watched") && events.length >= 3);
    assert.equal(events.at(-1), "DELETED watched");
  } finally {
    ctl.abort();
  }
});

test("an informer keeps a cache in step with the server", async () => {
  const path = "/api/v1/namespaces/default/pods";
  const informer = k8s.makeInformer(kc, path, () => core.listNamespacedPod({ namespace: "default" }));
  const seen: string[] = [];
  informer.on("add", (p: k8s.V1Pod) => seen.push(`add ${p.metadata?.name}`));
  informer.on("delete", (p: k8s.V1Pod) => seen.push(`delete ${p.metadata?.name}`));
  await informer.start();
  try {
    await until(() => informer.list().some((p) => p.metadata?.name === "one"), "initial list");
    await core.createNamespacedPod({ namespace: "default", body: pod("informed") });
    await until(
      () => informer.list("default").some((p) => p.metadata?.name === "informed"),
      "informed in cache",
    );
    await core.deleteNamespacedPod({ name: "informed", namespace: "default" });
    await until(
      () => !informer.list("default").some((p) => p.metadata?.name === "informed"),
      "informed gone from cache",
    );
    assert.ok(seen.includes("add informed"));
    assert.ok(seen.includes("delete informed"));
  } finally {
    await informer.stop();
  }
});
