import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, test } from "node:test";
import { storeContract } from "../contract.ts";
import { SqliteStore } from "./sqlite-store.ts";

storeContract("sqlite :memory:", async () => SqliteStore.open(":memory:"));

const dir = mkdtempSync(join(tmpdir(), "skiff-sqlite-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
storeContract("sqlite file", async () => SqliteStore.open(join(dir, `store-${n++}.db`)));

// Replays of a few rows per step, so live commits land between the steps of a replay.
storeContract("sqlite small replay pages", async () => SqliteStore.open(":memory:", { replayPageSize: 3 }));

function rowCount(path: string): number {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return (db.prepare("SELECT COUNT(*) AS n FROM kv").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

test("sqlite: compaction removes replaced rows and tombstones; revisions survive a reopen", async () => {
  const path = join(dir, "compaction.db");
  let store = SqliteStore.open(path);
  const a = await store.create("/k/a", "a1");
  await store.create("/k/b", "b1");
  await store.update("/k/a", "a2", a.modRevision);
  const del = await store.delete("/k/b", 0);
  assert.equal(rowCount(path), 4);
  await store.compact(del.modRevision);
  assert.equal(rowCount(path), 1, "only the live row of /k/a remains");
  await store.close();

  // The last revision was a tombstone that compaction removed; the counter must not go back.
  store = SqliteStore.open(path);
  try {
    assert.equal(await store.currentRevision(), del.modRevision);
    assert.equal(await store.compactedRevision(), del.modRevision);
    await assert.rejects(store.list("/k/", { revision: a.modRevision }), /Compacted/);
    const c = await store.create("/k/b", "b2");
    assert.equal(c.modRevision, del.modRevision + 1);
    assert.deepEqual(
      (await store.list("/k/")).items.map((kv) => kv.value),
      ["a2", "b2"],
    );
  } finally {
    await store.close();
  }
});

test("sqlite: a list at a revision not reached yet reads at the current one", async () => {
  const store = SqliteStore.open(":memory:");
  try {
    const a = await store.create("/k/a", "a1");
    const r = await store.list("/k/", { revision: a.modRevision + 10 });
    assert.equal(r.revision, a.modRevision);
    assert.equal(r.items.length, 1);
  } finally {
    await store.close();
  }
});

// Commits move to the worker thread after the first batch.
storeContract("sqlite file, worker writes", async () =>
  SqliteStore.open(join(dir, `store-${n++}.db`), { writer: { kind: "adaptive", busyBatch: 1 } }),
);

test("sqlite: commits that move between the worker thread and inline lose and reorder nothing", async () => {
  let now = 0;
  const store = SqliteStore.open(join(dir, "adaptive.db"), {
    writer: { kind: "adaptive", busyBatch: 4, busyRowsPerSecond: 1e9, idleMs: 50, now: () => now },
  });
  const seen: number[] = [];
  const ac = new AbortController();
  store.watch("/k/", 0, ac.signal, {
    onEvents: (evs) => seen.push(...evs.map((e) => e.revision)),
    onError: (err) => assert.fail(err),
  });
  try {
    let written = 0;
    for (let phase = 0; phase < 6; phase++) {
      if (phase % 2 === 0) {
        // Busy: many writes at once, until the worker has taken over.
        const deadline = Date.now() + 5000;
        while (store.writerSwitches().length <= phase && Date.now() < deadline) {
          await Promise.all(Array.from({ length: 8 }, () => store.create(`/k/${written++}`, "v")));
        }
      } else {
        // Quiet: single writes with time passing, until commits are inline again.
        now += 100;
        while (store.writerSwitches().length <= phase) await store.create(`/k/${written++}`, "v");
      }
    }
    assert.deepEqual(store.writerSwitches(), ["worker", "inline", "worker", "inline", "worker", "inline"]);
    const rev = await store.currentRevision();
    assert.equal(rev, written);
    assert.equal((await store.list("/k/")).items.length, written);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(
      seen,
      Array.from({ length: written }, (_, i) => i + 1),
      "every revision once, in order",
    );
  } finally {
    ac.abort();
    await store.close();
  }
});

test("sqlite: a script that writes through the worker thread and closes the store ends normally", async () => {
  // An idle worker is unref'd so that it never keeps a process alive; a busy or closing one must.
  const store = join(import.meta.dirname, "sqlite-store.ts");
  const code = `
    import { SqliteStore } from ${JSON.stringify(store)};
    const s = SqliteStore.open(${JSON.stringify(join(dir, "script.db"))}, { writer: { kind: "adaptive", busyBatch: 1 } });
    let i = 0;
    // A deadline, not a count of rounds: under load the worker thread takes long to start.
    const end = Date.now() + 30000;
    while (!s.writerSwitches().length && Date.now() < end) await Promise.all([0, 1, 2].map((j) => s.create("/k/" + i++ + "-" + j, "v")));
    const kv = await s.create("/k/last", "v");
    await s.close();
    console.log(kv.modRevision, s.writerSwitches().join(","));`;
  const { stdout, code: exit } = await new Promise<{ stdout: string; code: number | null }>((resolve) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", code], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("close", (c) => resolve({ stdout: out, code: c }));
  });
  assert.equal(exit, 0);
  assert.match(stdout.trim(), /^\d+ worker$/);
});
