import assert from "node:assert/strict";
import { test } from "node:test";
import { EventCorrelator } from "./event-correlator.ts";

const ev = (message: string) => ({
  objectKey: "replicaset-controller|ReplicaSet|default|web|u1",
  type: "Normal",
  reason: "SuccessfulCreate",
  message,
});

test("the 11th distinct similar event is combined, and later ones count on the combined event", () => {
  const c = new EventCorrelator();
  const results = Array.from({ length: 12 }, (_, i) => c.correlate(ev(`Created pod: web-${i}`), 0));
  assert.equal(results[9].message, "Created pod: web-9");
  assert.equal(results[10].message, "(combined from similar events): Created pod: web-10");
  assert.equal(results[10].dedupeKey, results[11].dedupeKey);
  assert.notEqual(results[0].dedupeKey, results[1].dedupeKey);
});

test("an event storm about one object is cut after 25, and a token returns every 5 minutes", () => {
  const c = new EventCorrelator();
  const skipped = Array.from({ length: 40 }, (_, i) => c.correlate(ev(`Created pod: web-${i}`), 1000).skip);
  assert.equal(skipped.filter((s) => !s).length, 25);
  assert.equal(c.correlate(ev("Created pod: later"), 1000 + 299_000).skip, true);
  assert.equal(c.correlate(ev("Created pod: later"), 1000 + 301_000).skip, false);
});

test("different objects have their own budgets", () => {
  const c = new EventCorrelator();
  for (let i = 0; i < 30; i++) c.correlate(ev(`m${i}`), 0);
  assert.equal(c.correlate({ ...ev("x"), objectKey: "default-scheduler|Pod|default|p1|u2" }, 0).skip, false);
});
