import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { SqliteStore } from "./sqlite-store.ts";

test("sqlite: every acknowledged write survives SIGKILL of the writing process", async () => {
  const dir = mkdtempSync(join(tmpdir(), "skiff-durability-"));
  try {
    const path = join(dir, "state.db");
    const child = spawn(process.execPath, [join(import.meta.dirname, "durability-writer.ts"), path], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let buffered = "";
    const acked: string[] = [];
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on("close", (_code, sig) => resolve(sig)),
    );
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split("\n");
      buffered = lines.pop()!;
      acked.push(...lines);
      // Killed mid-stream: writers are still queueing and committing when the signal lands.
      if (acked.length >= 3000 && child.exitCode === null && !child.killed) child.kill("SIGKILL");
    });
    const signal = await exited;
    assert.equal(signal, "SIGKILL", "the writer must be killed, not exit on its own");
    assert.ok(acked.length >= 3000);

    const store = SqliteStore.open(path);
    try {
      const missing: string[] = [];
      for (const key of acked) if (!(await store.get(key))) missing.push(key);
      assert.deepEqual(missing.slice(0, 10), [], `${missing.length} acknowledged keys lost`);
      assert.ok((await store.currentRevision()) >= acked.length);
      // The reopened store keeps working from where the log ends.
      const kv = await store.create("/registry/configmaps/default/after-crash", "{}");
      assert.ok(kv.modRevision > acked.length);
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
