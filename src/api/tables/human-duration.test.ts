import { test } from "node:test";
import assert from "node:assert/strict";
import { humanDuration, translateTimestampSince } from "./human-duration.ts";
import { ago, now } from "./test-clock.ts";

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;

test("humanDuration matches apimachinery's HumanDuration at each boundary", () => {
  const cases: Array<[number, string]> = [
    [-2 * s, "<invalid>"],
    [-1500, "0s"],
    [0, "0s"],
    [5 * s, "5s"],
    [119 * s, "119s"],
    [120 * s, "2m"],
    [123 * s, "2m3s"],
    [9 * m + 59 * s, "9m59s"],
    [10 * m + 30 * s, "10m"],
    [179 * m, "179m"],
    [3 * h, "3h"],
    [3 * h + 2 * m, "3h2m"],
    [7 * h + 59 * m, "7h59m"],
    [8 * h + 30 * m, "8h"],
    [47 * h, "47h"],
    [48 * h, "2d"],
    [2 * d + 3 * h, "2d3h"],
    [8 * d + 5 * h, "8d"],
    [729 * d, "729d"],
    [730 * d, "2y"],
    [3 * 365 * d + 45 * d, "3y45d"],
    [8 * 365 * d + 10 * d, "8y"],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `${ms}ms`);
});

test("translateTimestampSince prints <unknown> for unset or zero timestamps", () => {
  assert.equal(translateTimestampSince(undefined, now), "<unknown>");
  assert.equal(translateTimestampSince(null, now), "<unknown>");
  assert.equal(translateTimestampSince("0001-01-01T00:00:00Z", now), "<unknown>");
  assert.equal(translateTimestampSince(ago(300), now), "5m");
});
