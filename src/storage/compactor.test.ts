import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Compactor } from "./compactor.ts";
import { SqliteStore } from "./sqlite/sqlite-store.ts";

function rowCount(path: string): number {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return (db.prepare("SELECT COUNT(*) AS n FROM kv").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

test("compactor: churn on a few keys does not grow the sqlite log without bound", async () => {
  const dir = mkdtempSync(join(tmpdir(), "skiff-compactor-"));
  const path = join(dir, "state.db");
  const store = SqliteStore.open(path);
  const ac = new AbortController();
  const logged: Array<{ msg: string; fields?: object }> = [];
  const compactor = new Compactor({
    store,
    intervalMs: 10,
    logger: { info: (msg, fields) => logged.push({ msg, fields }) },
  });
  const running = compactor.run(ac.signal);
  try {
    const keys = ["/k/a", "/k/b", "/k/c"];
    const revs = new Map<string, number>();
    for (const k of keys) revs.set(k, (await store.create(k, "0")).modRevision);
    // 3 keys updated 600 times each: 1,800 rows without compaction.
    for (let i = 1; i <= 600; i++) {
      for (const k of keys) revs.set(k, (await store.update(k, String(i), revs.get(k)!)).modRevision);
      if (i % 100 === 0) await new Promise((r) => setTimeout(r, 15));
    }
    const written = await store.currentRevision();
    // Two more ticks: the first notes the current revision, the second compacts to it. The
    // compacted revision is published before the rows go, so wait for the compactor to finish.
    const done = () =>
      logged.some(
        (l) => l.msg === "compacted storage" && (l.fields as { revision: number }).revision >= written,
      );
    const deadline = Date.now() + 5000;
    while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(await store.compactedRevision(), written);
    assert.equal(rowCount(path), keys.length, "only the live row of each key remains");
    assert.deepEqual(
      (await store.list("/k/")).items.map((kv) => kv.value),
      ["600", "600", "600"],
    );
    assert.ok(logged.some((l) => l.msg === "compacted storage"));
  } finally {
    ac.abort();
    await running;
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("compactor: stops promptly when aborted", async () => {
  const store = SqliteStore.open(":memory:");
  const ac = new AbortController();
  const running = new Compactor({ store, intervalMs: 60_000 }).run(ac.signal);
  ac.abort();
  await running;
  assert.equal(await store.compactedRevision(), 0);
  await store.close();
});
