import { test } from "node:test";
import assert from "node:assert/strict";
import { checkQueryParams, parseGoDuration, parseGoInt64 } from "./query-params.ts";

test("integers parse as strconv.ParseInt in base 10 and 64 bits", () => {
  assert.deepEqual(parseGoInt64("500"), { value: 500 });
  assert.deepEqual(parseGoInt64("-3"), { value: -3 });
  assert.deepEqual(parseGoInt64("+7"), { value: 7 });
  assert.deepEqual(parseGoInt64("abc"), { error: 'strconv.ParseInt: parsing "abc": invalid syntax' });
  assert.deepEqual(parseGoInt64(""), { error: 'strconv.ParseInt: parsing "": invalid syntax' });
  assert.deepEqual(parseGoInt64("1.5"), { error: 'strconv.ParseInt: parsing "1.5": invalid syntax' });
  assert.deepEqual(parseGoInt64("9223372036854775808"), {
    error: 'strconv.ParseInt: parsing "9223372036854775808": value out of range',
  });
});

test("durations parse as time.ParseDuration", () => {
  assert.deepEqual(parseGoDuration("30s"), { ms: 30_000 });
  assert.deepEqual(parseGoDuration("1h2m3.5s"), { ms: 3_723_500 });
  assert.deepEqual(parseGoDuration("0"), { ms: 0 });
  assert.deepEqual(parseGoDuration("1.5ms"), { ms: 1.5 });
  assert.deepEqual(parseGoDuration("-2m"), { ms: -120_000 });
  assert.deepEqual(parseGoDuration("abc"), { error: 'time: invalid duration "abc"' });
  assert.deepEqual(parseGoDuration("10"), { error: 'time: missing unit in duration "10"' });
  assert.deepEqual(parseGoDuration("10x"), { error: 'time: unknown unit "x" in duration "10x"' });
  assert.deepEqual(parseGoDuration(""), { error: 'time: invalid duration ""' });
});

test("a typed parameter that does not parse is a 400 with the parser's words", () => {
  const bad = (verb: string, q: string, sub?: string) => () =>
    checkQueryParams(verb, sub, new URLSearchParams(q));
  assert.throws(bad("list", "limit=ten"), /strconv\.ParseInt: parsing "ten": invalid syntax/);
  assert.throws(bad("watch", "timeoutSeconds=x"), /parsing "x"/);
  assert.throws(bad("delete", "gracePeriodSeconds=soon"), /parsing "soon"/);
  assert.throws(bad("get", "tailLines=many", "log"), /parsing "many"/);
  assert.throws(
    bad("get", "timeout=forever"),
    /^Error: invalid timeout specified in the request URL - time: invalid duration "forever"$/,
  );
  checkQueryParams("list", undefined, new URLSearchParams("limit=5&timeoutSeconds=10&timeout=32s"));
  checkQueryParams("get", undefined, new URLSearchParams("limit=ignored-on-get"));
});
