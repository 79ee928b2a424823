// Address bookkeeping for simulated nodes: node pod CIDRs, pod IPs within them, made-up node IPs.

export function ipToInt(ip: string): number | undefined {
  const parts = ip.split(".");
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

export function parseCidr(cidr: string): { base: number; size: number } | undefined {
  const [ip, bits] = cidr.split("/");
  const base = ipToInt(ip ?? "");
  const prefix = Number(bits);
  if (base === undefined || !Number.isInteger(prefix) || prefix < 8 || prefix > 30) return undefined;
  const size = 2 ** (32 - prefix);
  return { base: base - (base % size), size };
}

/**
 * The i-th /24 of the cluster CIDR, as the node IPAM controller hands them out: 10.42.0.0/16 first
 * (k3s' default cluster CIDR), then 10.128.0.0/9 so that more than 256 simulated nodes fit.
 */
export function podCidrForIndex(i: number): string {
  if (i < 256) return `10.42.${i}.0/24`;
  const j = i - 256;
  return `10.${128 + Math.floor(j / 256)}.${j % 256}.0/24`;
}

/** Hands out node pod CIDRs that no node holds yet. */
export class PodCidrAllocator {
  private readonly used = new Set<string>();
  private next = 0;

  markUsed(cidr: string): void {
    this.used.add(cidr);
  }

  release(cidr: string): void {
    this.used.delete(cidr);
  }

  allocate(): string {
    for (;;) {
      const cidr = podCidrForIndex(this.next++);
      if (!this.used.has(cidr)) {
        this.used.add(cidr);
        return cidr;
      }
    }
  }
}

/** Pod IPs of one node's pod CIDR, skipping the network and gateway addresses as host-local IPAM does. */
export class PodIpPool {
  private readonly base: number;
  private readonly size: number;
  private readonly used = new Set<number>();
  private cursor = 2;

  constructor(cidr: string) {
    const parsed = parseCidr(cidr);
    if (!parsed) throw new Error(`invalid pod CIDR ${cidr}`);
    this.base = parsed.base;
    this.size = parsed.size;
  }

  contains(ip: string): boolean {
    const n = ipToInt(ip);
    return n !== undefined && n >= this.base && n < this.base + this.size;
  }

  /** Marks an address already in use (a pod that was running before a restart). */
  claim(ip: string): boolean {
    if (!this.contains(ip)) return false;
    this.used.add(ipToInt(ip)! - this.base);
    return true;
  }

  allocate(): string | undefined {
    const usable = this.size - 3;
    for (let tried = 0; tried < usable; tried++) {
      const off = this.cursor;
      this.cursor = this.cursor + 1 >= this.size - 1 ? 2 : this.cursor + 1;
      if (!this.used.has(off)) {
        this.used.add(off);
        return intToIp(this.base + off);
      }
    }
    return undefined;
  }

  release(ip: string): void {
    const n = ipToInt(ip);
    if (n !== undefined) this.used.delete(n - this.base);
  }
}

/** Made-up node addresses 10.99.x.y for simulated nodes without a simulated-ip annotation. */
export class NodeIpAllocator {
  private readonly used = new Set<string>();
  private next = 0;

  markUsed(ip: string): void {
    this.used.add(ip);
  }

  release(ip: string): void {
    this.used.delete(ip);
  }

  allocate(): string {
    for (;;) {
      const i = this.next++;
      const ip = `10.99.${Math.floor(i / 254) % 256}.${(i % 254) + 1}`;
      if (!this.used.has(ip)) {
        this.used.add(ip);
        return ip;
      }
    }
  }
}
