import assert from "node:assert/strict";
import { test } from "node:test";
import { kubernetesCelEnv } from "../index.ts";
import { check } from "./checker.ts";
import { estimateCost } from "./cost.ts";
import { sizedType } from "./sized.ts";
import { schemaType, typeName, type SchemaNode } from "./types.ts";

const schema: SchemaNode = {
  type: "object",
  properties: {
    spec: {
      type: "object",
      properties: {
        replicas: { type: "integer" },
        name: { type: "string", maxLength: 10 },
        "max-surge": { type: "string" },
        tags: { type: "array", maxItems: 5, items: { type: "string", maxLength: 8 } },
        labels: { type: "object", additionalProperties: { type: "string" } },
        when: { type: "string", format: "date-time" },
        ports: { type: "array", items: { type: "object", properties: { port: { type: "integer" } } } },
        any: { "x-kubernetes-int-or-string": true },
      },
    },
  },
};
const self = schemaType(schema, true).type;
const run = (expr: string) => check(expr, { self, oldSelf: self }, kubernetesCelEnv);
const typeOf = (expr: string) => {
  const c = run(expr);
  assert.deepEqual(c.errors, [], expr);
  return typeName(c.type);
};
const errorOf = (expr: string) => {
  const c = run(expr);
  assert.equal(c.errors.length, 1, `${expr} should have one error, has ${c.errors.length}`);
  return c.errors[0]!;
};

test("expressions get the types cel-go gives them", () => {
  assert.equal(typeOf("self.spec.replicas > 1"), "bool");
  assert.equal(typeOf("self.spec.ports.map(p, p.port)"), "list(int)");
  assert.equal(typeOf("self.spec.ports.map(p, p.port).sum()"), "int");
  assert.equal(typeOf("self.spec.labels.x"), "string");
  assert.equal(typeOf("self.spec.when < timestamp('2030-01-01T00:00:00Z')"), "bool");
  assert.equal(typeOf("self.metadata.name + '-x'"), "string");
  assert.equal(typeOf("self.spec.max__dash__surge"), "string");
  assert.equal(typeOf("self.spec.any == 1 || self.spec.any == 'a'"), "bool");
  assert.equal(typeOf("strings.quote(self.spec.name)"), "string");
  assert.equal(typeOf("quantity(self.spec.name).isGreaterThan(quantity('1'))"), "bool");
  assert.equal(typeOf("self.spec.tags.filter(t, t.startsWith('a')).size()"), "int");
  assert.equal(typeOf("self.spec.name.split('.')"), "list(string)");
});

test("mistyped expressions get cel-go's errors, with the snippet", () => {
  assert.equal(
    errorOf("self.spec.replicas == 'a'"),
    "<input>:1:20: found no matching overload for '_==_' applied to '(int, string)'\n | self.spec.replicas == 'a'\n | ...................^",
  );
  assert.match(
    errorOf("self.spec.name.contains(1)"),
    /no matching overload for 'contains' applied to 'string\.\(int\)'/,
  );
  assert.match(errorOf("self.spec.tags + [1]"), /applied to '\(list\(string\), list\(int\)\)'/);
  assert.match(errorOf("self.spec.replicass > 0"), /<input>:1:10: undefined field 'replicass'/);
  assert.match(errorOf("self.metadata.labels.size() > 0"), /undefined field 'labels'/);
  assert.match(errorOf("self.spec.ports.exists(p, p.prot == 80)"), /undefined field 'prot'/);
  assert.match(errorOf("foo(self.spec.name)"), /undeclared reference to 'foo' \(in container ''\)/);
  assert.match(errorOf("selff.spec"), /undeclared reference to 'selff'/);
  assert.match(errorOf("self.spec.replicas.x"), /type 'int' does not support field selection/);
  assert.match(
    errorOf("self.spec.replicas.all(x, x > 0)"),
    /expression of type 'int' cannot be the range of a comprehension/,
  );
});

test("costs grow with the sizes the schema allows", () => {
  const cost = (expr: string) => estimateCost(run(expr));
  assert.ok(cost("self.spec.replicas > 1") < 10);
  // tags is bounded (5 items of 8 characters), ports is not.
  assert.ok(cost("self.spec.tags.all(t, t.matches('^[a-z]+$'))") < 100);
  assert.ok(cost("self.spec.ports.all(p, p.port > 0)") > 1_000_000);
  assert.ok(
    cost("self.spec.tags.all(a, self.spec.tags.all(b, a == b))") <
      cost("self.spec.ports.all(a, self.spec.ports.all(b, a == b))"),
  );
});

test("a value's own sizes price an evaluation", () => {
  const value = { spec: { ports: [{ port: 1 }, { port: 2 }] } };
  const sized = sizedType(self, value);
  const c = check("self.spec.ports.all(p, p.port > 0)", { self: sized }, kubernetesCelEnv);
  assert.ok(estimateCost(c) < 50, `cost ${estimateCost(c)}`);
});
