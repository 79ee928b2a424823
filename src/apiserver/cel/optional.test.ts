import assert from "node:assert/strict";
import { test } from "node:test";
import { evalCel } from "../crd/cel-validation.ts";

const value = (expr: string, vars: Record<string, unknown> = {}) => {
  const r = evalCel(expr, vars);
  if (r.error !== undefined) throw new Error(`${expr}: ${r.error}`);
  return r.value;
};
const error = (expr: string, vars: Record<string, unknown> = {}) => {
  const r = evalCel(expr, vars);
  assert.ok(r.error !== undefined, `${expr} should fail`);
  return r.error!;
};
const self = { spec: { replicas: 3, labels: { app: "web" }, ports: [80, 443] } };

test("optional field and index selection: present values are wrapped, absent ones are none", () => {
  assert.equal(value("self.spec.?replicas.hasValue()", { self }), true);
  assert.equal(value("self.spec.?paused.hasValue()", { self }), false);
  assert.equal(value("self.spec.?paused.orValue(false)", { self }), false);
  assert.equal(value("self.spec.?replicas.value()", { self }), 3n);
  assert.equal(value("self.spec.labels[?'app'].orValue('none')", { self }), "web");
  assert.equal(value("self.spec.labels[?'tier'].orValue('none')", { self }), "none");
  assert.equal(value("self.spec.ports[?1].orValue(0)", { self }), 443n);
  assert.equal(value("self.spec.ports[?5].orValue(0)", { self }), 0n);
  // After an optional step every later one tests presence, so a missing parent is no error.
  assert.equal(value("self.?status.phase.orValue('Pending')", { self }), "Pending");
  assert.equal(value("self.?spec.labels.app.orValue('')", { self }), "web");
  assert.equal(value("self.?spec.labels['app'].orValue('')", { self }), "web");
  assert.match(error("self.status.phase", { self }), /no such key: status/);
  assert.match(error("optional.none().value()"), /optional.none\(\) dereference/);
});

test("optional constructors, or, orValue, optMap, optFlatMap and cel.bind", () => {
  assert.equal(value("optional.of(1).hasValue() && !optional.none().hasValue()"), true);
  assert.equal(
    value("optional.ofNonZeroValue('').hasValue() || optional.ofNonZeroValue([]).hasValue()"),
    false,
  );
  assert.equal(value("optional.ofNonZeroValue(2).value()"), 2n);
  assert.equal(value("optional.none().or(optional.of('b')).value()"), "b");
  assert.equal(value("optional.of('a').or(optional.of('b')).value()"), "a");
  assert.equal(value("self.spec.?replicas.optMap(r, r * 2).value()", { self }), 6n);
  assert.equal(value("self.spec.?paused.optMap(p, !p).hasValue()", { self }), false);
  assert.equal(
    value("self.spec.?replicas.optFlatMap(r, r > 5 ? optional.of(r) : optional.none()).hasValue()", { self }),
    false,
  );
  assert.equal(value("cel.bind(r, self.spec.replicas, r * r)", { self }), 9n);
  assert.equal(value("optional.of(1) == optional.of(1) && optional.of(1) != optional.of(2)"), true);
  assert.equal(value("optional.none() == optional.none()"), true);
});

test("optional list elements and map entries are left out when none", () => {
  const list = value("[?self.spec.?replicas, ?self.spec.?paused, 7]", { self }) as Iterable<unknown>;
  assert.deepEqual([...list], [3n, 7n]);
  const m = value("{?'r': self.spec.?replicas, ?'p': self.spec.?paused, 'x': 1}", { self }) as {
    keys(): Iterable<unknown>;
  };
  assert.deepEqual([...m.keys()], ["r", "x"]);
  assert.match(error("[?1]"), /non-optional value/);
});
