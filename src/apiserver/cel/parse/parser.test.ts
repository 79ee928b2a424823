import assert from "node:assert/strict";
import { test } from "node:test";
import { parse, plan } from "@bufbuild/cel";
import { kubernetesCelEnv } from "../index.ts";
import { parseCel } from "./parser.ts";

const show = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) =>
    typeof x === "bigint" ? `${x}n` : x instanceof Uint8Array ? [...x] : x instanceof Map ? [...x] : x,
  );

const vars = { a: { b: { c: 7n } }, x: 1n, y: 2n, f: false, t: true };

test("expressions the library's own parser reads evaluate the same through ours", () => {
  const corpus = [
    "1 + 2 * 3 - 4 / 2 % 3",
    "-9223372036854775808",
    "-1.5e3 + .5 + 2E-1",
    "0x1F + 10u == 41u",
    "true && false || !false",
    "!!t",
    "--1",
    "'a' + \"b\" + '''c\nd''' + r'\\n' + 'x\\ty\\u00e9\\101\\x41\\U0001F600'",
    "b'\\xff\\001' == b'\\xff\\x01'",
    "size(b'abc') + size('é')",
    "[1, 2, 3].map(v, v * 2)",
    "[1, 2, 3].filter(v, v > 1)",
    "[1, 2, 3].all(v, v > 0) && [1, 2, 3].exists(v, v == 2)",
    "[1, 2, 2].exists_one(v, v == 2)",
    "[1, 2, 3].map(v, v > 1, v * 10)",
    "{'a': 1, 'b': 2}['b'] + {'a': {'b': 1}}.a.b",
    "has({'a': 1}.a) && !has({'a': 1}.b) && has(a.b)",
    "1 in [1, 2] && 'a' in {'a': 1}",
    "f ? 1 : t ? 2 : 3",
    "'abc'.startsWith('a') && 'abc'.size() == 3 && 'hello'.matches('^h')",
    "1 < 2 && 2 <= 2 && 3 > 2 && 3 >= 3 && 1 != 2 && x + y == 3",
    "a.b.c",
    "type(1) == int && dyn(1) == 1",
    "duration('1s') < duration('2s') && timestamp('2020-01-01T00:00:00Z').getFullYear() == 2020",
    "[1, 2] + [3]",
    "'a,b'.split(',')",
    "quantity('1Gi').isGreaterThan(quantity('1Mi'))",
    "// a comment\n1 + // another\n 2",
    "[1, 2, 3,].size() + {'a': 1,}.size()",
    "f || f || f || t",
  ];
  for (const expr of corpus) {
    const ours = plan(kubernetesCelEnv, parseCel(expr) as never)(vars);
    const theirs = plan(kubernetesCelEnv, parse(expr))(vars);
    assert.equal(show(ours), show(theirs), expr);
  }
});

test("syntax errors read as cel-go's, with a caret under the place", () => {
  const error = (expr: string) => {
    try {
      parseCel(expr);
    } catch (e) {
      return (e as Error).message;
    }
    assert.fail(`${expr} parsed`);
  };
  assert.equal(
    error("self.a <="),
    "<input>:1:10: Syntax error: mismatched input '<EOF>' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}\n | self.a <=\n | .........^",
  );
  assert.match(error("(1"), /^<input>:1:3: Syntax error: mismatched input '<EOF>' expecting '\)'/);
  assert.match(error("1 2"), /^<input>:1:3: Syntax error: mismatched input '2' expecting <EOF>/);
  assert.match(error("if"), /^<input>:1:1: Syntax error: reserved identifier: if/);
  assert.match(error("x.map(y.z, 1)"), /^<input>:1:8: Syntax error: argument must be a simple name/);
  assert.match(error("has(a)"), /Syntax error: invalid argument to has\(\) macro/);
  assert.match(error("9223372036854775808"), /Syntax error: invalid int literal/);
  assert.match(error("'abc"), /Syntax error: token recognition error at: ''abc'/);
  assert.match(
    error("a\n  # b"),
    /^<input>:2:3: Syntax error: token recognition error at: '#'\n \| {3}# b\n \| \.\.\^/,
  );
  assert.match(error("(".repeat(300) + "1" + ")".repeat(300)), /expression recursion limit exceeded: 250/);
  // A reserved word is refused as a name but not as a method (the authz library's `.namespace()`).
  assert.doesNotThrow(() => parseCel("authorizer.group('').namespace('ns')"));
});

test("the optional syntax and the optional and binding macros parse", () => {
  const kinds = (expr: string) =>
    show(parseCel(expr).expr).match(/"function":"[^"]+"|"optional(Indices|Entry)":[^,}]+/g);
  assert.deepEqual(kinds("a.?b"), ['"function":"_?._"']);
  assert.deepEqual(kinds("a[?0]"), ['"function":"_[?_]"']);
  assert.deepEqual(kinds("[?a, b]"), ['"optionalIndices":[0]']);
  assert.deepEqual(kinds("{?'k': a}"), ['"optionalEntry":true']);
  assert.match(show(parseCel("a.optMap(v, v + 1)").expr), /"function":"optional.of".*"accuVar":"v"/);
  assert.match(show(parseCel("cel.bind(v, 1, v + 1)").expr), /"iterVar":"#unused".*"accuVar":"v"/);
});
