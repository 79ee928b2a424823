import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { customColumnsPrinter, evalJsonPath, parseJsonPath } from "./custom-columns.ts";

describe("additionalPrinterColumns", () => {
  it("evaluates the JSONPath forms printer columns use", () => {
    const obj = {
      status: {
        conditions: [
          { type: "Ready", status: "True" },
          { type: "Synced", status: "False" },
        ],
      },
    };
    assert.deepEqual(evalJsonPath(obj, parseJsonPath('.status.conditions[?(@.type=="Ready")].status')!), [
      "True",
    ]);
    assert.deepEqual(evalJsonPath(obj, parseJsonPath(".status.conditions[1].type")!), ["Synced"]);
    assert.deepEqual(evalJsonPath(obj, parseJsonPath(".status.conditions[*].type")!), ["Ready", "Synced"]);
    assert.deepEqual(evalJsonPath(obj, parseJsonPath(".spec.missing")!), []);
  });

  it("prints Name, then each column; a missing value is null and a date an age", () => {
    const p = customColumnsPrinter([
      { name: "Replicas", type: "integer", jsonPath: ".spec.replicas" },
      { name: "Image", type: "string", jsonPath: ".spec.image", priority: 1 },
      { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
    ]);
    assert.deepEqual(
      p.columns.map((c) => [c.name, c.priority]),
      [
        ["Name", 0],
        ["Replicas", 0],
        ["Image", 1],
        ["Age", 0],
      ],
    );
    const now = new Date("2026-01-01T00:10:00Z");
    assert.deepEqual(
      p.cells(
        { metadata: { name: "a", creationTimestamp: "2026-01-01T00:00:00Z" }, spec: { replicas: 2 } },
        now,
      ),
      ["a", 2, null, "10m"],
    );
  });
});
