import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClock } from "../util/clock.ts";
import { SchedulingQueue } from "./scheduling-queue.ts";
import { makePod } from "./test-helpers.ts";

test("back-off doubles per attempt from 1 s up to 10 s", () => {
  const clock = new FakeClock();
  const q = new SchedulingQueue(clock);
  q.add(makePod("p"));
  const waits: number[] = [];
  for (let attempt = 0; attempt < 6; attempt++) {
    const info = q.tryPop()!;
    q.addUnschedulable(info, info.pod, undefined, true);
    let waited = 0;
    while (q.stateOf("default/p") === "backoff") {
      clock.advance(500);
      waited += 500;
      q.flushBackoffCompleted();
    }
    waits.push(waited);
  }
  assert.deepEqual(waits, [1000, 2000, 4000, 8000, 10000, 10000]);
});

test("an event during the scheduling attempt sends the failed pod to back-off instead of parking it", () => {
  const q = new SchedulingQueue(new FakeClock());
  q.add(makePod("p"));
  const info = q.tryPop()!;
  q.moveAllToActiveOrBackoff({ label: "NodeAdd" });
  q.addUnschedulable(info, info.pod, new Set(["NodeAffinity"]), false);
  assert.equal(q.stateOf("default/p"), "backoff");
});

test("only events relevant to the rejecting plugins move a parked pod", () => {
  const clock = new FakeClock();
  const q = new SchedulingQueue(clock);
  q.add(makePod("p"));
  q.addUnschedulable(q.tryPop()!, makePod("p"), new Set(["NodeAffinity"]), false);
  q.moveAllToActiveOrBackoff({ label: "AssignedPodDelete", plugins: ["NodeResourcesFit", "NodePorts"] });
  assert.equal(q.stateOf("default/p"), "unschedulable");
  clock.advance(5000);
  q.moveAllToActiveOrBackoff({ label: "NodeUpdate", plugins: ["NodeAffinity"] });
  assert.equal(q.stateOf("default/p"), "active");
});

test("pods with scheduling gates wait until the gates are removed", () => {
  const q = new SchedulingQueue(new FakeClock());
  const gated = makePod("g", { extra: { schedulingGates: [{ name: "example.com/wait" }] } });
  q.add(gated);
  assert.equal(q.tryPop(), undefined);
  q.update(gated, makePod("g"));
  assert.equal(q.tryPop()?.key, "default/g");
});
