// The --service-lb-pool: addresses LoadBalancer services get instead of the nodes' own, each
// announced by one node (as MetalLB's layer-2 mode), given as CIDRs or first-last ranges.
import { isIPv4 } from "node:net";

const toInt = (ip: string) => ip.split(".").reduce((n, o) => n * 256 + Number(o), 0);
const toIP = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");

/** Pools larger than this are refused: every address is listed. */
const MAX_POOL = 65_536;

/** The pool's addresses in order, or an error message for the flag. */
export function parseAddressPool(entries: string[]): string[] | string {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const raw of entries
    .flatMap((e) => e.split(","))
    .map((e) => e.trim())
    .filter(Boolean)) {
    let lo: number;
    let hi: number;
    const cidr = /^([\d.]+)\/(\d{1,2})$/.exec(raw);
    const range = /^([\d.]+)-([\d.]+)$/.exec(raw);
    if (cidr && isIPv4(cidr[1]!) && Number(cidr[2]) >= 16 && Number(cidr[2]) <= 32) {
      const bits = Number(cidr[2]);
      const size = 2 ** (32 - bits);
      lo = toInt(cidr[1]!) - (toInt(cidr[1]!) % size);
      hi = lo + size - 1;
    } else if (range && isIPv4(range[1]!) && isIPv4(range[2]!) && toInt(range[1]!) <= toInt(range[2]!)) {
      lo = toInt(range[1]!);
      hi = toInt(range[2]!);
    } else {
      return `"${raw}": expected an IPv4 CIDR of /16 to /32 or a range FIRST-LAST`;
    }
    if (out.length + hi - lo + 1 > MAX_POOL) return `more than ${MAX_POOL} addresses`;
    for (let n = lo; n <= hi; n++) {
      const ip = toIP(n);
      if (!seen.has(ip)) out.push(ip);
      seen.add(ip);
    }
  }
  return out;
}

/** FNV-1a of a string: the same on every node, so they agree on who announces an address. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** The node that announces an address: one of the Ready nodes, by hash, the same on every node. */
export function announcerOf(ip: string, readyNodeNames: string[]): string | undefined {
  if (readyNodeNames.length === 0) return undefined;
  const sorted = [...readyNodeNames].sort();
  return sorted[fnv1a(ip) % sorted.length];
}
