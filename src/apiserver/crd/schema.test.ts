import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fieldErrorMessage } from "../../apimachinery/field-error.ts";
import {
  applySchemaDefaults,
  prune,
  structuralErrors,
  validateValue,
  type JSONSchemaProps,
} from "./schema.ts";

const schema: JSONSchemaProps = {
  type: "object",
  properties: {
    spec: {
      type: "object",
      required: ["image"],
      properties: {
        image: { type: "string", minLength: 1 },
        replicas: { type: "integer", minimum: 1, maximum: 10, default: 1 },
        mode: { type: "string", enum: ["fast", "slow"] },
        port: { "x-kubernetes-int-or-string": true },
        tags: { type: "array", items: { type: "string" }, maxItems: 2 },
        extra: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
        labels: { type: "object", additionalProperties: { type: "string" } },
      },
    },
  },
};

const messages = (v: unknown) => validateValue(v, schema, "").map(fieldErrorMessage);

describe("structural schemas", () => {
  it("prunes unknown fields, keeping metadata and what preserve-unknown-fields covers", () => {
    const obj = {
      apiVersion: "x/v1",
      kind: "X",
      metadata: { name: "a" },
      junk: 1,
      spec: { image: "i", nope: true, extra: { anything: [1] }, labels: { a: "b" } },
    };
    prune(obj, schema, true);
    assert.deepEqual(obj, {
      apiVersion: "x/v1",
      kind: "X",
      metadata: { name: "a" },
      spec: { image: "i", extra: { anything: [1] }, labels: { a: "b" } },
    });
  });

  it("fills in defaults where fields are absent", () => {
    const obj: Record<string, unknown> = { spec: { image: "i" } };
    applySchemaDefaults(obj, schema);
    assert.deepEqual(obj, { spec: { image: "i", replicas: 1 } });
  });

  it("words each violation as upstream", () => {
    assert.deepEqual(messages({ spec: { image: "i", replicas: "3" } }), [
      'spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"',
    ]);
    assert.deepEqual(
      messages({ spec: { image: "i", replicas: 11, mode: "medium", tags: ["a", "b", "c"] } }),
      [
        "spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10",
        'spec.mode: Unsupported value: "medium": supported values: "fast", "slow"',
        "spec.tags: Too many: 3: must have at most 2 items",
      ],
    );
    assert.deepEqual(messages({ spec: {} }), ["spec.image: Required value"]);
    assert.deepEqual(messages({ spec: { image: "i", port: 80 } }), []);
    assert.deepEqual(messages({ spec: { image: "i", port: true } }), [
      'spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"',
    ]);
  });

  it("refuses schemas that are not structural", () => {
    const errs = structuralErrors(
      {
        type: "object",
        properties: { spec: { properties: { a: { type: "string" } } }, list: { type: "array" } },
      },
      "spec.versions[0].schema.openAPIV3Schema",
    ).map(fieldErrorMessage);
    assert.deepEqual(errs, [
      "spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields",
      "spec.versions[0].schema.openAPIV3Schema.properties[list].items: Required value: must be specified",
    ]);
  });
});
