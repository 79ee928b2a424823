// Group-commit throughput of SqliteStore.create on a file database: 64 concurrent callers,
// each creating keys one after another, as 64 API clients would. Run by hand:
//   node_modules/.bin/node bench/storage-sqlite.ts [total=50000] [concurrency=64]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteStore } from "../src/storage/sqlite/sqlite-store.ts";

const total = Number(process.argv[2] ?? 50_000);
const concurrency = Number(process.argv[3] ?? 64);
const dir = mkdtempSync(join(tmpdir(), "skiff-bench-"));
const store = SqliteStore.open(join(dir, "bench.db"));
// A pod-sized value, so the WAL sees realistic write volume.
const value = JSON.stringify({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "x", namespace: "default", labels: { app: "bench" } },
  spec: { containers: [{ name: "c", image: "registry.k8s.io/pause:3.9" }] },
  pad: "x".repeat(1000),
});

let next = 0;
async function worker(): Promise<void> {
  while (next < total) {
    const i = next++;
    await store.create(`/registry/pods/default/pod-${i}`, value);
  }
}

const t0 = performance.now();
await Promise.all(Array.from({ length: concurrency }, worker));
const seconds = (performance.now() - t0) / 1000;
console.log(
  `sqlite create: ${total} ops, ${concurrency} concurrent, ${seconds.toFixed(2)} s, ${Math.round(total / seconds)} ops/s`,
);
const t1 = performance.now();
const listed = await store.list("/registry/pods/");
console.log(`sqlite list of ${listed.items.length} keys: ${(performance.now() - t1).toFixed(0)} ms`);
await store.close();
rmSync(dir, { recursive: true, force: true });
