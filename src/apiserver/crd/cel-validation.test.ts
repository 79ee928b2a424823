import assert from "node:assert/strict";
import { test } from "node:test";
import { fieldErrorMessage } from "../../apimachinery/field-error.ts";
import { celCompileErrors, celErrors, type CelSchema } from "./cel-validation.ts";

const schema: CelSchema = {
  type: "object",
  properties: {
    spec: {
      type: "object",
      "x-kubernetes-validations": [
        {
          rule: "self.minReplicas <= self.replicas",
          message: "replicas should be greater than or equal to minReplicas",
        },
        {
          rule: "!has(self.labels) || self.labels.all(k, k.startsWith('app.'))",
          fieldPath: ".labels",
          reason: "FieldValueForbidden",
          message: "labels must start with app.",
        },
      ],
      properties: {
        replicas: { type: "integer" },
        minReplicas: { type: "integer" },
        ratio: { type: "number", "x-kubernetes-validations": [{ rule: "self < 1.0" }] },
        labels: { type: "object", additionalProperties: { type: "string" } },
        name: {
          type: "string",
          "x-kubernetes-validations": [{ rule: "self == oldSelf", message: "name is immutable" }],
        },
        items: {
          type: "array",
          items: { type: "integer" },
          "x-kubernetes-validations": [
            { rule: "size(self) <= 2", messageExpression: "'at most 2, got ' + string(size(self))" },
          ],
        },
      },
    },
  },
};

const errors = (v: unknown, old?: unknown) => celErrors(v, old, schema, "").map(fieldErrorMessage);

test("rules are checked at their node, with upstream's messages, reasons and field paths", () => {
  assert.deepEqual(errors({ spec: { replicas: 3, minReplicas: 2, ratio: 0.5 } }), []);
  assert.deepEqual(
    errors({ spec: { replicas: 1, minReplicas: 2, ratio: 2.5, items: [1, 2, 3], labels: { x: "y" } } }),
    [
      'spec: Invalid value: "object": replicas should be greater than or equal to minReplicas',
      "spec.labels: Forbidden: labels must start with app.",
      'spec.ratio: Invalid value: "number": failed rule: self < 1.0',
      'spec.items: Invalid value: "array": at most 2, got 3',
    ],
  );
});

test("a transition rule runs only on updates that keep the value", () => {
  assert.deepEqual(errors({ spec: { replicas: 1, minReplicas: 1, name: "a" } }), []);
  assert.deepEqual(errors({ spec: { replicas: 1, minReplicas: 1, name: "b" } }, { spec: { name: "a" } }), [
    'spec.name: Invalid value: "string": name is immutable',
  ]);
});

test("a rule that does not compile is refused where the CRD holds it", () => {
  const bad: CelSchema = {
    type: "object",
    properties: { spec: { type: "object", "x-kubernetes-validations": [{ rule: "self.a <=" }] } },
  };
  const errs = celCompileErrors(bad, "spec.versions[0].schema.openAPIV3Schema").map(fieldErrorMessage);
  assert.equal(errs.length, 1);
  assert.match(
    errs[0]!,
    /^spec\.versions\[0\]\.schema\.openAPIV3Schema\.properties\[spec\]\.x-kubernetes-validations\[0\]\.rule: Invalid value: apiextensions\.ValidationRule\{Rule:"self\.a <=".*: compilation failed: ERROR: <input>:1:/,
  );
});

test("a rule naming a field its schema does not declare is refused with cel-go's message", () => {
  const schema = (rule: string, extra: Record<string, unknown> = {}): CelSchema => ({
    type: "object",
    properties: {
      spec: {
        type: "object",
        "x-kubernetes-validations": [{ rule }],
        properties: {
          replicas: { type: "integer" },
          template: { type: "object", properties: { image: { type: "string" } } },
          labels: { type: "object", additionalProperties: { type: "string" } },
          ports: { type: "array", items: { type: "object", properties: { port: { type: "integer" } } } },
        },
        ...extra,
      },
    },
  });
  const errs = (rule: string, extra?: Record<string, unknown>) =>
    celCompileErrors(schema(rule, extra), "s").map(fieldErrorMessage);
  const [typo] = errs("self.replicass > 0");
  assert.ok(
    typo!.endsWith(
      "compilation failed: ERROR: <input>:1:5: undefined field 'replicass'\n | self.replicass > 0\n | ....^",
    ),
    typo,
  );
  assert.match(errs("has(self.template.imag)")[0]!, /undefined field 'imag'/);
  assert.match(
    errs("self.replicas > 0 &&\n  self.template.tag == ''")[0]!,
    /<input>:2:16: undefined field 'tag'/,
  );
  // Declared fields, map keys, comprehension variables and open objects pass.
  assert.deepEqual(errs("self.replicas > 0 && self.template.image != '' && self.labels.app == 'x'"), []);
  assert.deepEqual(errs("self.ports.all(p, p.port > 0)"), []);
  assert.deepEqual(errs("self.anything == 1", { "x-kubernetes-preserve-unknown-fields": true }), []);
  // At the root, self is the whole object.
  const root: CelSchema = {
    type: "object",
    "x-kubernetes-validations": [{ rule: "self.metadata.name.startsWith('a') && self.spec.x == 1" }],
    properties: { spec: { type: "object", properties: { x: { type: "integer" } } } },
  };
  assert.deepEqual(celCompileErrors(root, "s").map(fieldErrorMessage), []);
});
