import { test } from "node:test";
import assert from "node:assert/strict";
import { formatLabelSelector, formatLabels, labelSelectorString, layoutContainerCells } from "./format.ts";

test("formatLabels sorts keys and prints <none> when empty", () => {
  assert.equal(formatLabels({ rel: "beta", app: "kubia" }), "app=kubia,rel=beta");
  assert.equal(formatLabels({}), "<none>");
  assert.equal(formatLabels(undefined), "<none>");
});

test("label selectors print requirements sorted by key with sorted set values", () => {
  const sel = {
    matchLabels: { tier: "web" },
    matchExpressions: [
      { key: "env", operator: "In", values: ["prod", "devel"] },
      { key: "beta", operator: "DoesNotExist" },
      { key: "zone", operator: "NotIn", values: ["b"] },
      { key: "app", operator: "Exists" },
    ],
  };
  assert.equal(formatLabelSelector(sel), "app,!beta,env in (devel,prod),tier=web,zone notin (b)");
});

test("empty, missing and invalid selectors", () => {
  assert.equal(formatLabelSelector(undefined), "<none>");
  assert.equal(formatLabelSelector({}), "<none>");
  assert.equal(labelSelectorString({}), "");
  assert.equal(
    formatLabelSelector({ matchExpressions: [{ key: "a", operator: "In", values: [] }] }),
    "<error>",
  );
  assert.equal(formatLabelSelector({ matchExpressions: [{ key: "a", operator: "Bogus" }] }), "<error>");
});

test("containers and images are laid out comma-separated", () => {
  assert.deepEqual(
    layoutContainerCells([
      { name: "web", image: "nginx:1.25" },
      { name: "sidecar", image: "busybox" },
    ]),
    ["web,sidecar", "nginx:1.25,busybox"],
  );
  assert.deepEqual(layoutContainerCells(undefined), ["", ""]);
});
