import assert from "node:assert/strict";
import { test } from "node:test";
import { expand } from "./expand.ts";

test("expand follows upstream's rules for $(VAR), $$ and unknown references", () => {
  const vars: Record<string, string> = { A: "a", B: "b" };
  const look = (n: string) => vars[n];
  assert.equal(expand("$(A)-$(B)", look), "a-b");
  assert.equal(expand("$$(A)", look), "$(A)");
  assert.equal(expand("$(C)", look), "$(C)");
  assert.equal(expand("$(A", look), "$(A");
  assert.equal(expand("x$y$", look), "x$y$");
  assert.equal(expand("$$$(A)", look), "$a");
});
