import assert from "node:assert/strict";
import { test } from "node:test";
import { evalCel } from "../crd/cel-validation.ts";

const value = (expr: string, vars: Record<string, unknown> = {}) => {
  const r = evalCel(expr, vars);
  if (r.error !== undefined) throw new Error(`${expr}: ${r.error}`);
  return r.value;
};
const error = (expr: string) => {
  const r = evalCel(expr, {});
  assert.ok(r.error !== undefined, `${expr} should fail, gave ${String(r.value)}`);
  return r.error!;
};

test("lists: isSorted, sum, min, max, indexOf, lastIndexOf", () => {
  assert.equal(value("[1, 2, 2, 5].isSorted()"), true);
  assert.equal(value("['b', 'a'].isSorted()"), false);
  assert.equal(value("[1, 2, 3].sum()"), 6n);
  assert.equal(value("[1.5, 2.5].sum()"), 4);
  assert.equal(value("[].sum()"), 0n);
  assert.equal(value("[3, 1, 2].min()"), 1n);
  assert.equal(value("['x', 'z', 'y'].max()"), "z");
  assert.match(error("[].min()"), /min called on empty list/);
  assert.equal(value("[1, 2, 1].indexOf(1)"), 0n);
  assert.equal(value("[1, 2, 1].lastIndexOf(1)"), 2n);
  assert.equal(value("[[1], [2]].indexOf([2])"), 1n);
  assert.equal(value("[1].indexOf(7)"), -1n);
  assert.equal(
    value("self.ports.map(p, p.port).isSorted()", { self: { ports: [{ port: 80 }, { port: 443 }] } }),
    true,
  );
});

test("regex: find and findAll", () => {
  assert.equal(value("'abc 123 def 456'.find('[0-9]+')"), "123");
  assert.equal(value("'abc'.find('[0-9]+')"), "");
  assert.deepEqual([...(value("'a1 b22 c333'.findAll('[0-9]+')") as Iterable<string>)], ["1", "22", "333"]);
  assert.deepEqual([...(value("'a1 b22 c333'.findAll('[0-9]+', 2)") as Iterable<string>)], ["1", "22"]);
  assert.equal(value("'ABC'.find('(?i)b')"), "B");
});

test("quantity: parse, compare, arithmetic", () => {
  assert.equal(value("quantity('1Gi').isGreaterThan(quantity('1G'))"), true);
  assert.equal(value("quantity('500m').isLessThan(quantity('1'))"), true);
  assert.equal(value("quantity('1k').compareTo(quantity('1000'))"), 0n);
  assert.equal(value("quantity('1.5').add(quantity('500m')).isInteger()"), true);
  assert.equal(value("quantity('1.5').add(quantity('500m')).asInteger()"), 2n);
  assert.equal(value("quantity('2').sub(3).sign()"), -1n);
  assert.equal(value("quantity('250m').asApproximateFloat()"), 0.25);
  assert.equal(value("isQuantity('1Mi')"), true);
  assert.equal(value("isQuantity('one')"), false);
  assert.match(error("quantity('one')"), /quantities must match the regular expression/);
  assert.match(error("quantity('1.5').asInteger()"), /cannot convert value to integer/);
  assert.equal(value("type(quantity('1')) == type(quantity('2'))"), true);
  assert.equal(
    value("quantity(self.limit).isGreaterThan(quantity(self.request))", {
      self: { limit: "2Gi", request: "512Mi" },
    }),
    true,
  );
});

test("ip and cidr", () => {
  assert.equal(value("isIP('10.0.0.1')"), true);
  assert.equal(value("isIP('10.0.0.300')"), false);
  assert.equal(value("isIP('fe80::1%eth0')"), false);
  assert.equal(value("isIP('::ffff:1.2.3.4')"), false);
  assert.equal(value("ip('10.0.0.1').family()"), 4n);
  assert.equal(value("ip('2001:db8::1').family()"), 6n);
  assert.equal(value("ip('127.0.0.1').isLoopback()"), true);
  assert.equal(value("ip('::1').isLoopback()"), true);
  assert.equal(value("ip('0.0.0.0').isUnspecified()"), true);
  assert.equal(value("ip('169.254.1.1').isLinkLocalUnicast()"), true);
  assert.equal(value("ip('fe80::1').isLinkLocalUnicast()"), true);
  assert.equal(value("ip('8.8.8.8').isGlobalUnicast()"), true);
  assert.equal(value("ip('224.0.0.1').isGlobalUnicast()"), false);
  assert.equal(value("ip.isCanonical('2001:db8::1')"), true);
  assert.equal(value("ip.isCanonical('2001:DB8:0:0::1')"), false);
  assert.equal(value("ip.isCanonical('10.0.0.1')"), true);
  assert.equal(value("cidr('10.0.0.0/8').containsIP('10.1.2.3')"), true);
  assert.equal(value("cidr('10.0.0.0/8').containsIP(ip('11.0.0.1'))"), false);
  assert.equal(value("cidr('10.0.0.0/8').containsCIDR('10.1.0.0/16')"), true);
  assert.equal(value("cidr('10.1.0.0/16').containsCIDR(cidr('10.0.0.0/8'))"), false);
  assert.equal(value("cidr('2001:db8::/32').containsIP('2001:db8:1::5')"), true);
  assert.equal(value("cidr('10.1.2.3/8').prefixLength()"), 8n);
  assert.equal(value("cidr('10.1.2.3/8').masked() == cidr('10.0.0.0/8')"), true);
  assert.equal(value("cidr('10.1.2.3/8').ip() == ip('10.1.2.3')"), true);
  assert.equal(value("isCIDR('10.0.0.0/33')"), false);
  assert.equal(value("isCIDR('10.0.0.0')"), false);
});

test("url", () => {
  assert.equal(value("url('https://example.com:8443/a/b?x=1&x=2').getScheme()"), "https");
  assert.equal(value("url('https://example.com:8443/a/b').getHost()"), "example.com:8443");
  assert.equal(value("url('https://[::1]:80/').getHostname()"), "::1");
  assert.equal(value("url('https://example.com:443/').getPort()"), "443");
  assert.equal(value("url('https://example.com/').getPort()"), "");
  assert.equal(value("url('https://example.com/a%20b').getEscapedPath()"), "/a%20b");
  assert.equal(value("url('https://example.com/?x=1&x=2&y=3').getQuery()['x'][1]"), "2");
  assert.equal(value("isURL('https://example.com')"), true);
  assert.equal(value("isURL('/absolute/path')"), true);
  assert.equal(value("isURL('not a url')"), false);
  assert.equal(value("url('/p').getScheme()"), "");
});

test("sets: contains, equivalent and intersects, by CEL equality, typed and priced", () => {
  assert.equal(value("sets.contains([1, 2, 3], [3, 1])"), true);
  assert.equal(value("sets.contains([1, 2], [4])"), false);
  assert.equal(value("sets.contains([1], [1.0])"), true);
  assert.equal(value("sets.equivalent([1, 2, 2], [2, 1])"), true);
  assert.equal(value("sets.equivalent([1, 2], [1])"), false);
  assert.equal(value("sets.intersects(['a', 'b'], ['c', 'b'])"), true);
  assert.equal(value("sets.intersects([], [1])"), false);
  assert.equal(
    value("sets.contains(self.allowed, self.requested)", { self: { allowed: ["r", "w"], requested: ["r"] } }),
    true,
  );
});
