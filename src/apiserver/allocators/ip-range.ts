import { isIPv4 } from "../../api/validation/formats.ts";

/** An IPv4 service CIDR; offsets count usable addresses from network+1 to broadcast-1. */
export interface Ipv4Range {
  text: string;
  network: number;
  /** Usable addresses: the network and broadcast addresses are never handed out (ipallocator/bitmap.go). */
  count: number;
}

export function ipv4ToInt(ip: string): number | undefined {
  if (!isIPv4(ip)) return undefined;
  return ip.split(".").reduce((n, p) => n * 256 + Number(p), 0);
}

export function intToIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}

export function parseIpv4Cidr(cidr: string): Ipv4Range {
  const [ip, bitsText] = cidr.split("/");
  const addr = ipv4ToInt(ip ?? "");
  const bits = Number(bitsText);
  if (addr === undefined || !/^\d{1,2}$/.test(bitsText ?? "") || bits < 1 || bits > 30)
    throw new Error(`invalid service CIDR ${JSON.stringify(cidr)}`);
  const size = 2 ** (32 - bits);
  const network = addr - (addr % size);
  return { text: `${intToIpv4(network)}/${bits}`, network, count: size - 2 };
}

/** The offset of ip in the range, or undefined when it is outside the usable addresses. */
export function ipOffset(range: Ipv4Range, ip: string): number | undefined {
  const n = ipv4ToInt(ip);
  if (n === undefined) return undefined;
  const off = n - range.network - 1;
  return off >= 0 && off < range.count ? off : undefined;
}

export function ipAt(range: Ipv4Range, offset: number): string {
  return intToIpv4(range.network + 1 + offset);
}
