import assert from "node:assert/strict";
import { test } from "node:test";
import { SqliteStore } from "../../storage/sqlite/sqlite-store.ts";
import { findResource } from "../../api/resources.ts";
import { GenericStore, withVersion } from "./generic-store.ts";
import { strategyFor } from "./strategies.ts";

const ctx = {
  user: { name: "t", groups: [] },
  now: new Date("2024-01-01T00:00:00Z"),
  warnings: [],
  dryRun: false,
};

test("the stored text with its version spliced in equals the decoded object", async () => {
  const store = SqliteStore.open(":memory:");
  const info = findResource("", "configmaps")!;
  const cms = new GenericStore(info, strategyFor(info), store);
  // Keys in an unusual order, as a client may send them.
  await cms.create(
    "default",
    { data: { a: "1" }, metadata: { name: "x", labels: { l: "v" } }, kind: "ConfigMap", apiVersion: "v1" },
    ctx,
  );
  const text = await cms.getText("default", "x");
  assert.equal(typeof text, "string");
  assert.deepEqual(JSON.parse(text as string), await cms.get("default", "x"));
  await store.close();
});

test("values not in the stored layout are left to the decoder", () => {
  assert.equal(
    withVersion({
      key: "k",
      value: '{"kind":"ConfigMap","apiVersion":"v1","metadata":{}}',
      createRevision: 1,
      modRevision: 1,
    }),
    undefined,
  );
  assert.equal(
    withVersion({
      key: "k",
      value: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{}}',
      createRevision: 1,
      modRevision: 7,
    }),
    '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"resourceVersion":"7"}}',
  );
});

test("a secret's stringData is merged into data on create and update, and never stored", async () => {
  const store = SqliteStore.open(":memory:");
  const info = findResource("", "secrets")!;
  const secrets = new GenericStore(info, strategyFor(info), store);
  const b64 = (s: string) => Buffer.from(s).toString("base64");
  await secrets.create(
    "default",
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "s" },
      data: { kept: b64("old"), user: b64("overridden") },
      stringData: { user: "admin" },
    } as never,
    ctx,
  );
  const created = (await secrets.get("default", "s")) as Record<string, unknown>;
  assert.deepEqual(created.data, { kept: b64("old"), user: b64("admin") });
  assert.equal("stringData" in created, false);
  await secrets.guaranteedUpdate(
    "default",
    "s",
    ctx,
    (cur) => ({ ...cur!, stringData: { user: "root" } }) as never,
  );
  const updated = (await secrets.get("default", "s")) as Record<string, unknown>;
  assert.deepEqual(updated.data, { kept: b64("old"), user: b64("root") });
  assert.equal("stringData" in updated, false);
  await store.close();
});
