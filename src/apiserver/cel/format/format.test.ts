import assert from "node:assert/strict";
import { test } from "node:test";
import { evalCel } from "../../crd/cel-validation.ts";
import { celCompileErrors } from "../../crd/cel-compile.ts";

const value = (expr: string) => {
  const r = evalCel(expr, {});
  if (r.error !== undefined) throw new Error(`${expr}: ${r.error}`);
  return r.value;
};
const problems = (format: string, s: string): string[] | undefined => {
  const v = `format.${format}().validate(${JSON.stringify(s)})`;
  return value(`${v}.hasValue()`) ? [...(value(`${v}.value()`) as Iterable<string>)] : undefined;
};

test("named formats validate with apimachinery's messages, none when valid", () => {
  assert.equal(problems("dns1123Label", "my-name"), undefined);
  assert.deepEqual(problems("dns1123Label", "a.b"), ["must not contain dots"]);
  assert.match(
    problems("dns1123Subdomain", "Bad_Name")![0]!,
    /^a lowercase RFC 1123 subdomain must consist of/,
  );
  assert.match(problems("dns1035Label", "1abc")![0]!, /^a DNS-1035 label must consist of/);
  assert.equal(problems("qualifiedName", "example.com/MyName"), undefined);
  assert.equal(problems("dns1123LabelPrefix", "web-"), undefined);
  assert.notEqual(problems("dns1123Label", "web-"), undefined);
  assert.match(problems("labelValue", "-x")![0]!, /^a valid label must be an empty string/);
  assert.equal(value("format.named('dns1123Label').value().validate('ok').hasValue()"), false);
  assert.equal(value("format.named('no-such-format').hasValue()"), false);
});

test("uri, uuid, byte, date and datetime give Go's parser errors", () => {
  assert.deepEqual(problems("uri", "relative/path"), ['parse "relative/path": invalid URI for request']);
  assert.equal(problems("uri", "https://example.com/a?b=c"), undefined);
  assert.deepEqual(problems("uuid", "123"), ["invalid UUID length: 3"]);
  assert.equal(problems("uuid", "f81d4fae-7dec-11d0-a765-00a0c91e6bf6"), undefined);
  assert.deepEqual(problems("uuid", "f81d4fae-7dec-11d0-a765-00a0c91e6bfX"), ["invalid UUID format"]);
  assert.deepEqual(problems("byte", "abc"), ["illegal base64 data at input byte 0"]);
  assert.deepEqual(problems("byte", "a$c="), ["illegal base64 data at input byte 1"]);
  assert.equal(problems("byte", "aGk="), undefined);
  assert.deepEqual(problems("date", "2024-02-30"), ['parsing time "2024-02-30": day out of range']);
  assert.deepEqual(problems("date", "2024/01/02"), [
    'parsing time "2024/01/02" as "2006-01-02": cannot parse "/01/02" as "-"',
  ]);
  assert.equal(problems("datetime", "2024-01-02T03:04:05.5+02:00"), undefined);
  assert.deepEqual(problems("datetime", "2024-01-02T25:00:00Z"), [
    'parsing time "2024-01-02T25:00:00Z": hour out of range',
  ]);
});

test("a CRD rule using the format library type-checks as upstream's", () => {
  const schema = (rule: string) => ({
    type: "object",
    properties: {
      spec: {
        type: "object",
        properties: { host: { type: "string" } },
        "x-kubernetes-validations": [{ rule }],
      },
    },
  });
  assert.deepEqual(
    celCompileErrors(schema("!format.dns1123Subdomain().validate(self.host).hasValue()"), "s"),
    [],
  );
  assert.deepEqual(
    celCompileErrors(schema("format.named('uri').optMap(f, f.validate(self.host)).hasValue() == false"), "s"),
    [],
  );
  const refused = celCompileErrors(schema("format.dns1123Label().validate(self.host) == 1"), "s");
  assert.equal(refused.length, 1);
});
