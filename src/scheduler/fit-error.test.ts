import { test } from "node:test";
import assert from "node:assert/strict";
import { fitErrorMessage } from "./fit-error.ts";
import { status } from "./types.ts";

test("reasons are counted per node, sorted as strings (so 10 before 2) and joined with ', '", () => {
  const statuses = [
    ...Array.from({ length: 10 }, () =>
      status("Unschedulable", "NodeResourcesFit", "Insufficient cpu", "Insufficient memory"),
    ),
    ...Array.from({ length: 2 }, () =>
      status(
        "UnschedulableAndUnresolvable",
        "NodeAffinity",
        "node(s) didn't match Pod's node affinity/selector",
      ),
    ),
  ];
  assert.equal(
    fitErrorMessage(12, statuses, "preemption: x."),
    "0/12 nodes are available: 10 Insufficient cpu, 10 Insufficient memory, 2 node(s) didn't match Pod's node affinity/selector. preemption: x.",
  );
  assert.equal(fitErrorMessage(0, []), "0/0 nodes are available:");
});
