import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseGoBool, queryFlag } from "./go-bool.ts";

describe("query booleans as apimachinery converts them", () => {
  it("only 0 and false, in any case, are false; anything else present is true", () => {
    for (const v of ["1", "t", "T", "TRUE", "true", "True", "yes", "", "anything"])
      assert.equal(parseGoBool(v), true, v);
    for (const v of ["0", "false", "False", "FALSE", "fAlSe"]) assert.equal(parseGoBool(v), false, v);
    assert.equal(parseGoBool(null), undefined);
    assert.equal(queryFlag(new URLSearchParams("follow=True"), "follow"), true);
    assert.equal(queryFlag(new URLSearchParams("follow=False"), "follow"), false);
    assert.equal(queryFlag(new URLSearchParams(""), "follow"), false);
  });
});
