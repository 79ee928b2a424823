import assert from "node:assert/strict";
import { test } from "node:test";
import { Informer } from "./informer.ts";
import { RecordingClient } from "./fake-client.ts";
import { silentLogger } from "../util/logger.ts";

const podsRef = { group: "", version: "v1", resource: "pods", namespaced: true };

test("a handler or index added to an informer that has already synced covers the cached objects", async () => {
  const client = new RecordingClient();
  await client.create(podsRef, "default", { metadata: { name: "a", labels: { app: "x" } } });
  await client.create(podsRef, "default", { metadata: { name: "b", labels: { app: "y" } } });
  const informer = new Informer({ client, ref: podsRef, logger: silentLogger });
  const ac = new AbortController();
  const running = informer.run(ac.signal);
  await informer.waitForSync();
  const added: string[] = [];
  informer.on({ add: (o) => added.push(o.metadata!.name!) });
  informer.addIndexer("app", (o) => [o.metadata?.labels?.app ?? ""]);
  assert.deepEqual(added.sort(), ["a", "b"]);
  assert.deepEqual(
    informer.byIndex("app", "x").map((o) => o.metadata!.name),
    ["a"],
  );
  ac.abort();
  await running;
});
