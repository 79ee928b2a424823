import { test } from "node:test";
import assert from "node:assert/strict";
import { resources } from "../resources.ts";
import { humanDuration, printerFor } from "./index.ts";
import { now } from "./test-clock.ts";

test("every served resource gets upstream's own printer, legacy groups included", () => {
  const withoutPrinter = resources.filter(
    (r) => printerFor(r.group, r.resource) === printerFor("", "nosuch"),
  );
  // Bindings and reviews can only be created, never listed.
  assert.deepEqual(
    withoutPrinter.map((r) => r.resource),
    [
      "bindings",
      "selfsubjectaccessreviews",
      "selfsubjectrulesreviews",
      "subjectaccessreviews",
      "localsubjectaccessreviews",
      "tokenreviews",
      "selfsubjectreviews",
    ],
  );
  assert.equal(printerFor("extensions", "ingresses"), printerFor("networking.k8s.io", "ingresses"));
  assert.equal(printerFor("events.k8s.io", "events"), printerFor("", "events"));
  assert.equal(printerFor("", "pods").columns[2].name, "Status");
  assert.equal(humanDuration(185_000), "3m5s");
});

test("each printer's row has one cell per column, and Name with format name leads every table but events'", () => {
  for (const r of resources) {
    const p = printerFor(r.group, r.resource);
    const cells = p.cells({ metadata: { name: "x" } }, now);
    assert.equal(cells.length, p.columns.length, r.resource);
    const nameIndex = p.columns.findIndex((c) => c.format === "name");
    assert.equal(cells[nameIndex], "x", r.resource);
    if (r.resource !== "events") assert.equal(nameIndex, 0, r.resource);
    for (const c of p.columns) assert.ok(c.priority === 0 || c.priority === 1, `${r.resource} ${c.name}`);
  }
});
