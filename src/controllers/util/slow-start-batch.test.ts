import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { slowStartBatch } from "./slow-start-batch.ts";

describe("slowStartBatch", () => {
  it("runs batches of 1, 2, 4, ... concurrently up to the count", async () => {
    const batches: number[] = [];
    let inFlight = 0;
    let current = 0;
    const r = await slowStartBatch(10, 1, async () => {
      if (inFlight === 0) batches.push((current = 0));
      inFlight++;
      current++;
      batches[batches.length - 1] = current;
      await new Promise((res) => setImmediate(res));
      inFlight--;
    });
    assert.deepEqual(batches, [1, 2, 4, 3]);
    assert.deepEqual(r, { successes: 10 });
  });

  it("stops after the batch in which something failed", async () => {
    let calls = 0;
    const r = await slowStartBatch(10, 1, async () => {
      calls++;
      if (calls === 3) throw new Error("quota");
    });
    // Batches 1 and 2 were started; the failing one was in the second.
    assert.equal(calls, 3);
    assert.equal(r.successes, 2);
    assert.equal((r.error as Error).message, "quota");
  });
});
