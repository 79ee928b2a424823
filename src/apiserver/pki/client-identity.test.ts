import { test } from "node:test";
import assert from "node:assert/strict";
import { clientIdentity } from "./client-identity.ts";

void test("CN is the user and every O a group", () => {
  assert.deepEqual(clientIdentity({ subject: { CN: "system:node:n1", O: ["system:nodes", "extra"] } }), {
    user: "system:node:n1",
    groups: ["system:nodes", "extra"],
  });
  assert.deepEqual(clientIdentity({ subject: { CN: "jane", O: "dev" } }), { user: "jane", groups: ["dev"] });
  assert.deepEqual(clientIdentity({ subject: { CN: "jane" } }), { user: "jane", groups: [] });
});

void test("a certificate without a CN, or no certificate at all, names nobody", () => {
  assert.equal(clientIdentity({}), undefined);
  assert.equal(clientIdentity({ subject: { O: "system:masters" } }), undefined);
  assert.equal(clientIdentity({ subject: { CN: "" } }), undefined);
});

void test("with repeated CNs the last one wins, as in Go", () => {
  assert.deepEqual(clientIdentity({ subject: { CN: ["first", "last"] } })?.user, "last");
});
