// A write acknowledged to a client survives kill -9 of the server; restarting reuses the TLS material.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer } from "../support/server.ts";
import { Api } from "../support/api.ts";

test("acknowledged creates survive SIGKILL, and credentials are reused after restart", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "skiff-durable-"));
  try {
    const first = await startServer({ dataDir });
    const kubeconfig = readFileSync(first.kubeconfig, "utf8");
    const api = new Api(first.kubeconfig);
    const acked: string[] = [];
    // Many writers at once so the kill lands mid-stream, with group commits in flight.
    let stop = false;
    const writer = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const name = `cm-${w}-${i}`;
        try {
          const r = await api.send("POST", "/api/v1/namespaces/default/configmaps", {
            metadata: { name },
            data: { i: String(i) },
          });
          if (r.status === 201) acked.push(name);
        } catch {
          return; // the server is gone
        }
      }
    };
    const writers = Array.from({ length: 16 }, (_, w) => writer(w));
    while (acked.length < 500) await new Promise((r) => setTimeout(r, 5));
    first.proc.kill("SIGKILL");
    stop = true;
    await Promise.all(writers);
    await first.stop();

    const second = await startServer({ dataDir, port: first.port });
    try {
      assert.equal(
        readFileSync(second.kubeconfig, "utf8"),
        kubeconfig,
        "the kubeconfig and its credentials are reused",
      );
      const again = new Api(second.kubeconfig);
      const list = (await again.send("GET", "/api/v1/namespaces/default/configmaps")).json();
      const present = new Set(list.items.map((c: any) => c.metadata.name));
      const lost = acked.filter((n) => !present.has(n));
      assert.deepEqual(lost, [], `${lost.length} of ${acked.length} acknowledged writes were lost`);
    } finally {
      await second.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test("SIGTERM stops the server cleanly", async () => {
  const s = await startServer();
  const code = await s.stop("SIGTERM");
  assert.equal(code, 0);
  assert.match(s.logs(), /"shutting down"/);
});
