// Kubernetes' CEL ip, cidr and url libraries (k8s.io/apiserver/pkg/cel/library ip.go, cidr.go,
// urls.go): net.IP, net.CIDR and kubernetes.URL values, their predicates and accessors.
import { isIPv4, isIPv6 } from "node:net";
import {
  CelScalar,
  celFunc,
  celList,
  celMap,
  celMethod,
  listType,
  mapType,
  type CelFunc,
} from "@bufbuild/cel";
import { CIDR, IP, make, T, textOf, URL_TYPE } from "./types.ts";

interface Addr {
  family: 4 | 6;
  bits: bigint;
}

/** An address as upstream's library accepts it: no zone, no IPv4-mapped IPv6. */
function parseIp(s: string): Addr {
  if (s.includes("%")) throw new Error("IP address with zone value is not allowed");
  if (isIPv4(s)) {
    if (s.split(".").some((p) => p.length > 1 && p.startsWith("0")))
      throw new Error(
        `IP Address "${s}" parse error during conversion from string: ParseAddr("${s}"): IPv4 field has octet with leading zero`,
      );
    return { family: 4, bits: s.split(".").reduce((a, p) => (a << 8n) | BigInt(p), 0n) };
  }
  if (!isIPv6(s))
    throw new Error(
      `IP Address "${s}" parse error during conversion from string: ParseAddr("${s}"): unable to parse IP`,
    );
  let text = s;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const b = parseIp(v4[1]).bits;
    text = `${text.slice(0, -v4[1].length)}${(b >> 16n).toString(16)}:${(b & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.split("::");
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  const bits = groups.reduce((a, g) => (a << 16n) | BigInt(parseInt(g, 16)), 0n);
  if (bits >> 32n === 0xffffn) throw new Error("IPv4-mapped IPv6 address is not allowed");
  return { family: 6, bits };
}

function formatIp(a: Addr): string {
  if (a.family === 4) return [24n, 16n, 8n, 0n].map((s) => String((a.bits >> s) & 0xffn)).join(".");
  const groups = Array.from({ length: 8 }, (_, i) => Number((a.bits >> BigInt(112 - 16 * i)) & 0xffffn));
  // RFC 5952: the longest run (of two or more) of zero groups becomes "::".
  let best = -1;
  let len = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > len && j - i >= 2) [best, len] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(":");
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + len).join(":")}`;
}

interface Prefix {
  addr: Addr;
  length: number;
}

function parseCidr(s: string): Prefix {
  const slash = s.indexOf("/");
  if (slash < 0)
    throw new Error(
      `network address parse error during conversion from string: netip.ParsePrefix("${s}"): no '/'`,
    );
  const addr = parseIp(s.slice(0, slash));
  const lenText = s.slice(slash + 1);
  const length = Number(lenText);
  const max = addr.family === 4 ? 32 : 128;
  if (!/^\d+$/.test(lenText) || length > max)
    throw new Error(
      `network address parse error during conversion from string: netip.ParsePrefix("${s}"): bad bits after slash: "${lenText}"`,
    );
  return { addr, length };
}

const width = (a: Addr) => (a.family === 4 ? 32n : 128n);
const maskOf = (p: Prefix) =>
  ((1n << width(p.addr)) - 1n) ^ ((1n << (width(p.addr) - BigInt(p.length))) - 1n);
const masked = (p: Prefix): Prefix => ({
  addr: { family: p.addr.family, bits: p.addr.bits & maskOf(p) },
  length: p.length,
});
const contains = (p: Prefix, a: Addr) =>
  a.family === p.addr.family && (a.bits & maskOf(p)) === (p.addr.bits & maskOf(p));

const ipOf = (v: unknown) => parseIp(textOf(v));
const cidrOf = (v: unknown) => parseCidr(textOf(v));
const ipValue = (a: Addr) => make(IP, formatIp(a));
const cidrValue = (p: Prefix) => make(CIDR, `${formatIp(p.addr)}/${p.length}`);
const can = (f: () => unknown) => {
  try {
    f();
    return true;
  } catch {
    return false;
  }
};

function inRange(a: Addr, v4: [bigint, number][], v6: [bigint, number][]): boolean {
  const ranges = a.family === 4 ? v4 : v6;
  return ranges.some(([base, len]) => contains({ addr: { family: a.family, bits: base }, length: len }, a));
}

/** A URL as Go's url.Parse accepts it for the library: absolute, or an absolute path. */
function parseUrl(s: string): URL {
  try {
    return new URL(s);
  } catch {
    if (s.startsWith("/")) return new URL(s, "relative:///");
    throw new Error(`URL parse error during conversion from string: parse "${s}": invalid URI for request`);
  }
}
const urlOf = (v: unknown) => parseUrl(textOf(v));

export const netFuncs: CelFunc[] = [
  celFunc("ip", [CelScalar.STRING], T.ip, (s: string) => ipValue(parseIp(s))),
  celFunc("isIP", [CelScalar.STRING], CelScalar.BOOL, (s: string) => can(() => parseIp(s))),
  celFunc("ip.isCanonical", [CelScalar.STRING], CelScalar.BOOL, (s: string) => formatIp(parseIp(s)) === s),
  celMethod("family", T.ip, [], CelScalar.INT, function (this: unknown) {
    return BigInt(ipOf(this).family);
  }),
  celMethod("isUnspecified", T.ip, [], CelScalar.BOOL, function (this: unknown) {
    return ipOf(this).bits === 0n;
  }),
  celMethod("isLoopback", T.ip, [], CelScalar.BOOL, function (this: unknown) {
    return inRange(ipOf(this), [[0x7f000000n, 8]], [[1n, 128]]);
  }),
  celMethod("isLinkLocalMulticast", T.ip, [], CelScalar.BOOL, function (this: unknown) {
    return inRange(ipOf(this), [[0xe0000000n, 24]], [[0xff02n << 112n, 16]]);
  }),
  celMethod("isLinkLocalUnicast", T.ip, [], CelScalar.BOOL, function (this: unknown) {
    return inRange(ipOf(this), [[0xa9fe0000n, 16]], [[0xfe80n << 112n, 10]]);
  }),
  celMethod("isGlobalUnicast", T.ip, [], CelScalar.BOOL, function (this: unknown) {
    const a = ipOf(this);
    if (a.bits === 0n || (a.family === 4 && a.bits === 0xffffffffn)) return false;
    return !inRange(
      a,
      [
        [0x7f000000n, 8],
        [0xe0000000n, 4],
        [0xa9fe0000n, 16],
      ],
      [
        [1n, 128],
        [0xffn << 120n, 8],
        [0xfe80n << 112n, 10],
      ],
    );
  }),
  celFunc("cidr", [CelScalar.STRING], T.cidr, (s: string) => cidrValue(parseCidr(s))),
  celFunc("isCIDR", [CelScalar.STRING], CelScalar.BOOL, (s: string) => can(() => parseCidr(s))),
  celMethod("containsIP", T.cidr, [T.ip], CelScalar.BOOL, function (this: unknown, ip: unknown) {
    return contains(cidrOf(this), ipOf(ip));
  }),
  celMethod("containsIP", T.cidr, [CelScalar.STRING], CelScalar.BOOL, function (this: unknown, ip: string) {
    return contains(cidrOf(this), parseIp(ip));
  }),
  celMethod("containsCIDR", T.cidr, [T.cidr], CelScalar.BOOL, function (this: unknown, o: unknown) {
    const p = cidrOf(this);
    const q = cidrOf(o);
    return q.length >= p.length && contains(p, q.addr);
  }),
  celMethod("containsCIDR", T.cidr, [CelScalar.STRING], CelScalar.BOOL, function (this: unknown, o: string) {
    const p = cidrOf(this);
    const q = parseCidr(o);
    return q.length >= p.length && contains(p, q.addr);
  }),
  celMethod("ip", T.cidr, [], T.ip, function (this: unknown) {
    return ipValue(cidrOf(this).addr);
  }),
  celMethod("masked", T.cidr, [], T.cidr, function (this: unknown) {
    return cidrValue(masked(cidrOf(this)));
  }),
  celMethod("prefixLength", T.cidr, [], CelScalar.INT, function (this: unknown) {
    return BigInt(cidrOf(this).length);
  }),
  celFunc("url", [CelScalar.STRING], T.url, (s: string) => {
    parseUrl(s);
    return make(URL_TYPE, s);
  }),
  celFunc("isURL", [CelScalar.STRING], CelScalar.BOOL, (s: string) => can(() => parseUrl(s))),
  celMethod("getScheme", T.url, [], CelScalar.STRING, function (this: unknown) {
    const u = urlOf(this);
    return u.protocol === "relative:" ? "" : u.protocol.slice(0, -1);
  }),
  celMethod("getHost", T.url, [], CelScalar.STRING, function (this: unknown) {
    return urlOf(this).host;
  }),
  celMethod("getHostname", T.url, [], CelScalar.STRING, function (this: unknown) {
    return urlOf(this).hostname.replace(/^\[|\]$/g, "");
  }),
  celMethod("getPort", T.url, [], CelScalar.STRING, function (this: unknown) {
    // Go keeps an explicit port even when it is the scheme's default.
    return /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?(?:\[[^\]]*\]|[^:/?#]*):(\d+)/i.exec(textOf(this))?.[1] ?? "";
  }),
  celMethod("getEscapedPath", T.url, [], CelScalar.STRING, function (this: unknown) {
    return urlOf(this).pathname;
  }),
  celMethod(
    "getQuery",
    T.url,
    [],
    mapType(CelScalar.STRING, listType(CelScalar.STRING)),
    function (this: unknown) {
      const q = new Map<string, string[]>();
      for (const [k, v] of urlOf(this).searchParams) q.set(k, [...(q.get(k) ?? []), v]);
      return celMap(new Map([...q].map(([k, v]) => [k, celList(v)])));
    },
  ),
];
