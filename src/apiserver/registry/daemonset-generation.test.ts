import assert from "node:assert/strict";
import { test } from "node:test";
import { findResource } from "../../api/resources.ts";
import { applyDefaults } from "../../api/defaults/index.ts";
import type { KObject } from "../../apimachinery/meta.ts";
import { SqliteStore } from "../../storage/sqlite/sqlite-store.ts";
import { GenericStore } from "./generic-store.ts";
import { strategyFor } from "./strategies.ts";

const ctx = {
  user: { name: "t", groups: [] },
  now: new Date("2024-01-01T00:00:00Z"),
  warnings: [],
  dryRun: false,
};
const annotation = "deprecated.daemonset.template.generation";

const ds = (image: string, extra: Record<string, string> = {}): KObject => {
  const obj: KObject = {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name: "ssd-monitor", labels: extra },
    spec: {
      selector: { matchLabels: { app: "ssd-monitor" } },
      template: {
        metadata: { labels: { app: "ssd-monitor" } },
        spec: { containers: [{ name: "main", image }] },
      },
    },
  };
  // The handler defaults what clients send before the registry sees it.
  applyDefaults("apps", "DaemonSet", obj);
  return obj;
};

test("a DaemonSet's template generation: 1 at create, +1 on each template change, not settable", async () => {
  const store = SqliteStore.open(":memory:");
  try {
    const info = findResource("apps", "daemonsets")!;
    const dss = new GenericStore(info, strategyFor(info), store);
    const created = await dss.create("default", ds("luksa/ssd-monitor"), ctx);
    assert.equal(created.metadata?.annotations?.[annotation], "1");
    const update = async (obj: KObject) =>
      (await dss.guaranteedUpdate("default", "ssd-monitor", ctx, () => obj)).object;

    let cur = await update(ds("luksa/ssd-monitor", { team: "a" }));
    assert.equal(cur.metadata?.annotations?.[annotation], "1", "labels are not the template");
    cur = await update(ds("luksa/ssd-monitor:v2"));
    assert.equal(cur.metadata?.annotations?.[annotation], "2");
    assert.equal(cur.metadata?.generation, 2);
    const forged = ds("luksa/ssd-monitor:v2");
    forged.metadata!.annotations = { [annotation]: "7" };
    cur = await update(forged);
    assert.equal(cur.metadata?.annotations?.[annotation], "2", "users cannot set it");
  } finally {
    await store.close();
  }
});
