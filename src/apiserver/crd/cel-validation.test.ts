import assert from "node:assert/strict";
import { test } from "node:test";
import { fieldErrorMessage } from "../../apimachinery/field-error.ts";
import { celCompileErrors } from "./cel-compile.ts";
import { celErrors, type CelSchema } from "./cel-validation.ts";

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

test("a rule must type-check and evaluate to a bool, and its messageExpression to a string", () => {
  const at = (rule: ValidationRuleLike): CelSchema => ({
    type: "object",
    properties: {
      spec: {
        type: "object",
        "x-kubernetes-validations": [rule],
        properties: { replicas: { type: "integer" }, name: { type: "string" } },
      },
    },
  });
  const errs = (rule: ValidationRuleLike) => celCompileErrors(at(rule), "s").map(fieldErrorMessage);
  assert.match(
    errs({ rule: "self.replicas == 'three'" })[0]!,
    /compilation failed: ERROR: <input>:1:15: found no matching overload for '_==_' applied to '\(int, string\)'/,
  );
  assert.match(
    errs({ rule: "self.replicas + 1" })[0]!,
    /rule: Invalid value: .*: cel expression must evaluate to a bool$/,
  );
  assert.match(
    errs({ rule: "self.replicas > 0", messageExpression: "self.replicas" })[0]!,
    /messageExpression: Invalid value: .*: must evaluate to a string$/,
  );
  assert.deepEqual(
    errs({ rule: "self.replicas > 0", messageExpression: "'got ' + string(self.replicas)" }),
    [],
  );
});

type ValidationRuleLike = { rule: string; messageExpression?: string };

test("a rule too expensive for the sizes its schema allows is refused, with upstream's hint", () => {
  const tags = (
    bounds: Record<string, number>,
    itemBounds: Record<string, number>,
    rule: string,
  ): CelSchema => ({
    type: "object",
    properties: {
      spec: {
        type: "object",
        properties: {
          tags: {
            type: "array",
            ...bounds,
            items: { type: "string", ...itemBounds, "x-kubernetes-validations": [{ rule }] },
          },
        },
      },
    },
  });
  const errs = (s: CelSchema) =>
    celCompileErrors(s, "spec.versions[0].schema.openAPIV3Schema").map(fieldErrorMessage);
  const unbounded = errs(tags({}, {}, "self.matches('^[a-z]+$')"));
  assert.equal(
    unbounded[0],
    "spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[tags].items.x-kubernetes-validations[0].rule: Forbidden: estimated rule cost exceeds budget by factor of more than 100x (try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)",
  );
  assert.match(
    unbounded[1]!,
    /^spec\.versions\[0\]\.schema\.openAPIV3Schema: Forbidden: x-kubernetes-validations estimated rule cost total/,
  );
  assert.deepEqual(errs(tags({ maxItems: 100 }, { maxLength: 63 }, "self.matches('^[a-z]+$')")), []);
});

test("rules are priced on the object's own sizes when they run", () => {
  const s: CelSchema = {
    type: "object",
    properties: {
      spec: {
        type: "object",
        properties: {
          tags: {
            type: "array",
            maxItems: 1000,
            items: { type: "string", maxLength: 10000 },
            "x-kubernetes-validations": [{ rule: "self.all(x, x.matches('^[a-z]+$'))" }],
          },
        },
      },
    },
  };
  assert.deepEqual(celCompileErrors(s, "s"), []);
  assert.deepEqual(celErrors({ spec: { tags: ["abc", "def"] } }, undefined, s, ""), []);
  const big = { spec: { tags: Array.from({ length: 400 }, () => "a".repeat(10000)) } };
  assert.deepEqual(celErrors(big, undefined, s, "").map(fieldErrorMessage), [
    `spec.tags: Invalid value: "array": call cost exceeds limit for rule: self.all(x, x.matches('^[a-z]+$'))`,
  ]);
});

test("dates, durations and escaped property names reach rules as upstream gives them", () => {
  const s: CelSchema = {
    type: "object",
    properties: {
      spec: {
        type: "object",
        "x-kubernetes-validations": [
          { rule: "self.start < self.end", message: "start must be before end" },
          { rule: "self.timeout <= duration('1h')", message: "timeout at most an hour" },
          { rule: "self.max__dash__surge != 'bad'", message: "no bad surge" },
          { rule: "self.day.getDayOfWeek() != 0", message: "not on Sundays" },
        ],
        properties: {
          start: { type: "string", format: "date-time" },
          end: { type: "string", format: "date-time" },
          timeout: { type: "string", format: "duration" },
          "max-surge": { type: "string" },
          day: { type: "string", format: "date" },
        },
      },
    },
  };
  assert.deepEqual(celCompileErrors(s, "s"), []);
  const ok = {
    start: "2026-01-01T00:00:00Z",
    end: "2026-01-02T00:00:00Z",
    timeout: "30m",
    "max-surge": "1",
    day: "2026-12-07",
  };
  assert.deepEqual(celErrors({ spec: ok }, undefined, s, ""), []);
  const bad = { start: ok.end, end: ok.start, timeout: "2h", "max-surge": "bad", day: "2026-12-06" };
  assert.deepEqual(celErrors({ spec: bad }, undefined, s, "").map(fieldErrorMessage), [
    'spec: Invalid value: "object": start must be before end',
    'spec: Invalid value: "object": timeout at most an hour',
    'spec: Invalid value: "object": no bad surge',
    'spec: Invalid value: "object": not on Sundays',
  ]);
});

test("oldSelf is refused under a list whose items have no old value, and map-list items keep theirs", () => {
  const immutable = { rule: "self.v == oldSelf.v", message: "v is immutable" };
  const item = { type: "object", properties: { k: { type: "string" }, v: { type: "integer" } } };
  const lists = (listType?: string): CelSchema => ({
    type: "object",
    properties: {
      spec: {
        type: "object",
        properties: {
          l: {
            type: "array",
            ...(listType ? { "x-kubernetes-list-type": listType } : {}),
            ...(listType === "map" ? { "x-kubernetes-list-map-keys": ["k"] } : {}),
            items: { ...item, "x-kubernetes-validations": [immutable] },
          },
        },
      },
    },
  });
  const at = "spec.versions[0].schema.openAPIV3Schema";
  for (const listType of [undefined, "atomic", "set"])
    assert.deepEqual(celCompileErrors(lists(listType), at).map(fieldErrorMessage), [
      `${at}.properties[spec].properties[l].items.x-kubernetes-validations[0].rule: Invalid value: "self.v == oldSelf.v": oldSelf cannot be used on the uncorrelatable portion of the schema within ${at}.properties[spec].properties[l]`,
    ]);
  // A rule that only mentions the name in a string is not a transition rule.
  const quoted = lists();
  quoted.properties!.spec!.properties!.l!.items!["x-kubernetes-validations"] = [
    { rule: "self.k != 'oldSelf'" },
  ];
  assert.deepEqual(celCompileErrors(quoted, at), []);
  assert.deepEqual(
    celErrors({ spec: { l: [{ k: "oldSelf" }] } }, undefined, quoted, "").map(fieldErrorMessage),
    ["spec.l[0]: Invalid value: \"object\": failed rule: self.k != 'oldSelf'"],
  );

  const map = lists("map");
  assert.deepEqual(celCompileErrors(map, at), []);
  const old = {
    spec: {
      l: [
        { k: "a", v: 1 },
        { k: "b", v: 2 },
      ],
    },
  };
  // Reordered items keep their old values; a new item has none, and its rule does not run.
  const reordered = {
    spec: {
      l: [
        { k: "b", v: 2 },
        { k: "c", v: 9 },
        { k: "a", v: 1 },
      ],
    },
  };
  assert.deepEqual(celErrors(reordered, old, map, ""), []);
  const changed = {
    spec: {
      l: [
        { k: "b", v: 2 },
        { k: "a", v: 5 },
      ],
    },
  };
  assert.deepEqual(celErrors(changed, old, map, "").map(fieldErrorMessage), [
    'spec.l[1]: Invalid value: "object": v is immutable',
  ]);
});

test("optionalOldSelf runs a transition rule on create too, with oldSelf an optional", () => {
  const rule = {
    rule: "!oldSelf.hasValue() || self.tier >= oldSelf.value().tier",
    message: "tier may only rise",
    optionalOldSelf: true,
  };
  const onCreate = {
    rule: "oldSelf.hasValue() || self.tier < 3",
    message: "start below 3",
    optionalOldSelf: true,
  };
  const chained = {
    rule: "oldSelf.tier.orValue(0) <= self.tier + 2",
    message: "at most two down",
    optionalOldSelf: true,
  };
  const s: CelSchema = {
    type: "object",
    properties: {
      spec: {
        type: "object",
        "x-kubernetes-validations": [rule, onCreate, chained],
        properties: { tier: { type: "integer" }, note: { type: "string" } },
      },
    },
  };
  const errs = (v: unknown, old?: unknown) => celErrors(v, old, s, "").map(fieldErrorMessage);
  assert.deepEqual(errs({ spec: { tier: 1 } }), []);
  assert.deepEqual(errs({ spec: { tier: 5 } }), ['spec: Invalid value: "object": start below 3']);
  assert.deepEqual(errs({ spec: { tier: 5 } }, { spec: { tier: 1 } }), []);
  assert.deepEqual(errs({ spec: { tier: 0 } }, { spec: { tier: 1 } }), [
    'spec: Invalid value: "object": tier may only rise',
  ]);
  assert.deepEqual(errs({ spec: { tier: 1 } }, { spec: { tier: 4 } }), [
    'spec: Invalid value: "object": tier may only rise',
    'spec: Invalid value: "object": at most two down',
  ]);

  // Written into a CRD, the rule type-checks oldSelf as optional_type(object) ...
  assert.deepEqual(celCompileErrors(s, "schema"), []);
  const misuse: CelSchema = {
    type: "object",
    properties: {
      spec: {
        type: "object",
        properties: { tier: { type: "integer" } },
        "x-kubernetes-validations": [
          { rule: "self.tier >= oldSelf.tier", optionalOldSelf: true },
          { rule: "self.tier >= 0", optionalOldSelf: true },
        ],
      },
    },
  };
  const refused = celCompileErrors(misuse, "schema").map(fieldErrorMessage);
  // ... so comparing it as the object itself is refused, and the flag needs a rule using oldSelf.
  assert.match(
    refused[0]!,
    /found no matching overload for '_>=_' applied to '\(int, optional_type\(int\)\)'/,
  );
  assert.equal(
    refused[1],
    "schema.properties[spec].x-kubernetes-validations[1].optionalOldSelf: Invalid value: true: may not be set if oldSelf is not used in rule",
  );
});

test("optional field selection in rules: absent fields are none, not errors", () => {
  const s: CelSchema = {
    type: "object",
    properties: {
      spec: {
        type: "object",
        "x-kubernetes-validations": [
          { rule: "self.?limit.orValue(10) <= 10", message: "limit at most 10" },
          { rule: "[?self.?a, ?self.?b].size() <= 1", message: "a and b are exclusive" },
        ],
        properties: { limit: { type: "integer" }, a: { type: "string" }, b: { type: "string" } },
      },
    },
  };
  assert.deepEqual(celCompileErrors(s, "schema"), []);
  const errs = (v: unknown) => celErrors(v, undefined, s, "").map(fieldErrorMessage);
  assert.deepEqual(errs({ spec: {} }), []);
  assert.deepEqual(errs({ spec: { limit: 11, a: "x", b: "y" } }), [
    'spec: Invalid value: "object": limit at most 10',
    'spec: Invalid value: "object": a and b are exclusive',
  ]);
});

test("a rule that fails to evaluate is a field error in apiextensions' and cel-go's words", () => {
  const s: CelSchema = {
    type: "object",
    properties: {
      spec: {
        type: "object",
        "x-kubernetes-validations": [
          { rule: "self.extra.size() > 0" },
          { rule: "self.items[3] > 0", message: "needs a fourth item" },
          { rule: "self.port + 1 > 0" },
        ],
        properties: {
          items: { type: "array", items: { type: "integer" } },
          port: { "x-kubernetes-int-or-string": true },
        },
        "x-kubernetes-preserve-unknown-fields": true,
      } as CelSchema,
    },
  };
  assert.deepEqual(
    celErrors({ spec: { items: [1], port: "http" } }, undefined, s, "").map(fieldErrorMessage),
    [
      'spec: Invalid value: "object": no such key: extra evaluating rule: self.extra.size() > 0',
      `spec: Invalid value: "object": index '3' out of range evaluating rule: needs a fourth item`,
      `spec: Invalid value: "object": 'no such overload': call arguments did not match a supported operator, function or macro signature for rule: self.port + 1 > 0`,
    ],
  );
});
