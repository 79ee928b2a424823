import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseGoBool, queryFlag } from "./go-bool.ts";

describe("Go's ParseBool", () => {
  it("reads the spellings strconv.ParseBool reads, and nothing else", () => {
    for (const v of ["1", "t", "T", "TRUE", "true", "True"]) assert.equal(parseGoBool(v), true, v);
    for (const v of ["0", "f", "F", "FALSE", "false", "False"]) assert.equal(parseGoBool(v), false, v);
    for (const v of ["yes", "tRUE", "", " true", null]) assert.equal(parseGoBool(v), undefined, String(v));
    assert.equal(queryFlag(new URLSearchParams("follow=True"), "follow"), true);
    assert.equal(queryFlag(new URLSearchParams("follow=yes"), "follow"), false);
  });
});
