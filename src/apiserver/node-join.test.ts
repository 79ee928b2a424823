import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { caHash, ensureJoinToken, parseJoinToken } from "./node-join.ts";

test("the join token carries the CA's hash and a password, in k3s's format, and is kept", () => {
  const dir = mkdtempSync(join(tmpdir(), "skiff-token-"));
  try {
    const file = join(dir, "token");
    const token = ensureJoinToken(file, "CA PEM");
    assert.match(token, /^K10[0-9a-f]{64}::server:[0-9a-f]{32}$/);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const parsed = parseJoinToken(token);
    assert.equal(parsed.caHash, caHash("CA PEM"));
    assert.equal(ensureJoinToken(file, "CA PEM"), token);
    assert.equal(readFileSync(file, "utf8"), `${token}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a bare password is a token without a CA hash", () => {
  assert.deepEqual(parseJoinToken(" secret \n"), { password: "secret" });
});
