import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FakeClock } from "../../util/clock.ts";
import { ControllerExpectations } from "./expectations.ts";

describe("ControllerExpectations", () => {
  it("is satisfied with nothing recorded, unsatisfied while creations are pending, satisfied once observed", () => {
    const e = new ControllerExpectations(new FakeClock());
    assert.equal(e.satisfiedExpectations("ns/a"), true);
    e.expectCreations("ns/a", 2);
    assert.equal(e.satisfiedExpectations("ns/a"), false);
    e.creationObserved("ns/a");
    assert.equal(e.satisfiedExpectations("ns/a"), false);
    e.creationObserved("ns/a");
    assert.equal(e.satisfiedExpectations("ns/a"), true);
  });

  it("expires after 5 minutes", () => {
    const clock = new FakeClock();
    const e = new ControllerExpectations(clock);
    e.expectCreations("ns/a", 1);
    clock.advance(5 * 60_000);
    assert.equal(e.satisfiedExpectations("ns/a"), false);
    clock.advance(1);
    assert.equal(e.satisfiedExpectations("ns/a"), true);
  });

  it("counts only the deletion of the pods it expected, each once", () => {
    const e = new ControllerExpectations(new FakeClock());
    e.expectDeletions("ns/a", ["ns/p1", "ns/p2"]);
    e.deletionObserved("ns/a", "ns/other");
    e.deletionObserved("ns/a", "ns/p1");
    e.deletionObserved("ns/a", "ns/p1");
    assert.equal(e.satisfiedExpectations("ns/a"), false);
    assert.equal(e.getExpectations("ns/a")!.del, 1);
    e.deletionObserved("ns/a", "ns/p2");
    assert.equal(e.satisfiedExpectations("ns/a"), true);
  });

  it("forgets a controller", () => {
    const e = new ControllerExpectations(new FakeClock());
    e.expectCreations("ns/a", 3);
    e.deleteExpectations("ns/a");
    assert.equal(e.getExpectations("ns/a"), undefined);
    assert.equal(e.satisfiedExpectations("ns/a"), true);
  });
});
