import assert from "node:assert/strict";
import { test } from "node:test";
import { invalid, required } from "../../apimachinery/field-error.ts";
import { ratchet } from "./ratcheting.ts";
import type { JSONSchemaProps } from "./schema.ts";

const schema: JSONSchemaProps = {
  type: "object",
  properties: {
    spec: {
      type: "object",
      properties: {
        name: { type: "string" },
        hosts: { type: "array", items: { type: "string" } },
        ports: {
          type: "array",
          "x-kubernetes-list-type": "map",
          "x-kubernetes-list-map-keys": ["name"],
          items: { type: "object", properties: { name: { type: "string" }, port: { type: "integer" } } },
        } as JSONSchemaProps,
        template: { type: "object", properties: { image: { type: "string" } } },
      },
    },
  },
};

const fields = (errs: ReturnType<typeof ratchet>) => errs.map((e) => e.field);

test("errors at unchanged values are dropped, at changed ones kept", () => {
  const old = {
    spec: { name: "a-very-long-name", hosts: ["x", "BAD"], ports: [{ name: "http", port: 99999 }] },
  };
  const same = structuredClone(old);
  const errs = [
    invalid("spec.name", "a-very-long-name", "too long"),
    invalid("spec.hosts[1]", "BAD", "bad host"),
    invalid("spec.ports[0].port", 99999, "too big"),
  ];
  assert.deepEqual(fields(ratchet(errs, same, old, schema)), []);
  const changed = { spec: { ...old.spec, name: "another-long-name" } };
  assert.deepEqual(fields(ratchet(errs, changed, old, schema)), ["spec.name"]);
});

test("list items correlate by key in map lists, and only in unchanged atomic lists by index", () => {
  const old = { spec: { hosts: ["BAD"], ports: [{ name: "http", port: 99999 }] } };
  // The map-list item moved, unchanged: still ratcheted. The atomic list changed: its item is not.
  const now = {
    spec: {
      hosts: ["new", "BAD"],
      ports: [
        { name: "dns", port: 53 },
        { name: "http", port: 99999 },
      ],
    },
  };
  const errs = [invalid("spec.hosts[1]", "BAD", "bad host"), invalid("spec.ports[1].port", 99999, "too big")];
  assert.deepEqual(fields(ratchet(errs, now, old, schema)), ["spec.hosts[1]"]);
});

test("a missing required field ratchets with its object; new values never ratchet", () => {
  const old = { spec: { template: { other: 1 } } };
  assert.deepEqual(fields(ratchet([required("spec.template.image")], structuredClone(old), old, schema)), []);
  const now = { spec: { template: { other: 2 } } };
  assert.deepEqual(fields(ratchet([required("spec.template.image")], now, old, schema)), [
    "spec.template.image",
  ]);
  assert.deepEqual(
    fields(ratchet([invalid("spec.name", "x", "bad")], { spec: { name: "x" } }, { spec: {} }, schema)),
    ["spec.name"],
  );
});
