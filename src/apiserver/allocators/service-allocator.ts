import { invalid, type FieldError } from "../../apimachinery/field-error.ts";
import { internal } from "../../apimachinery/status-error.ts";
import { goStringSlice } from "../../api/validation/go-value.ts";
import { realClock, type Clock } from "../../util/clock.ts";
import { pickFreeOffset, staticBand } from "./free-offset.ts";
import { ipAt, ipOffset, ipv4ToInt, parseIpv4Cidr, type Ipv4Range } from "./ip-range.ts";
import {
  dropTypeDependentFields,
  isHeadless,
  needsClusterIP,
  needsHCNodePort,
  needsNodePort,
  nodePortsOf,
  normalizeClusterIPsOnUpdate,
  patchAllocatedValues,
  shouldAllocateNodePorts,
} from "./service-fields.ts";

export interface ServiceAllocatorOptions {
  serviceCidr: string;
  nodePortRange: [number, number];
  clock?: Clock;
  random?: () => number;
  /** How long a value handed out stays reserved while its Service is not yet listed. */
  pendingTtlMs?: number;
}

/** Who holds which cluster IPs and node ports: "namespace/name" of the holder. */
interface Holders {
  ips: Map<string, string>;
  ports: Map<number, string>;
}

interface Pending {
  ips: string[];
  ports: number[];
  expires: number;
}

const KUBERNETES_SERVICE = "default/kubernetes";

/**
 * Cluster IP and node port allocation for Services (upstream ipallocator, portallocator and
 * service storage alloc.go).
 *
 * There is no allocation bitmap in storage: the stored Services are the record of what is in use.
 * Each request that needs a new value lists them once through `inUse` (the final check), adds the
 * values this server handed out whose Services are not written yet (`pending`, kept in memory
 * until they expire or `release` drops them), and picks a free value by random probing, which is
 * O(1) on average while the range is sparse. Two API servers on one etcd therefore only collide
 * when both pick the same value between one's list and the other's write; a retried request lists
 * again and sees the winner.
 */
export class ServiceAllocator {
  private readonly range: Ipv4Range;
  private readonly ipBand: number;
  private readonly portBase: number;
  private readonly portCount: number;
  private readonly portBand: number;
  private readonly portRangeText: string;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly ttlMs: number;
  private readonly pending = new Map<string, Pending>();
  private readonly pendingIps = new Map<string, string>();
  private readonly pendingPorts = new Map<number, string>();
  private unnamed = 0;

  constructor(opts: ServiceAllocatorOptions) {
    this.range = parseIpv4Cidr(opts.serviceCidr || "10.43.0.0/16");
    this.ipBand = staticBand(this.range.count, 16, 256);
    const [lo, hi] = opts.nodePortRange;
    this.portBase = lo;
    this.portCount = hi - lo + 1;
    this.portBand = staticBand(this.portCount, 32, 128);
    this.portRangeText = `${lo}-${hi}`;
    this.clock = opts.clock ?? realClock;
    this.random = opts.random ?? Math.random;
    this.ttlMs = opts.pendingTtlMs ?? 60_000;
  }

  /** The first address of the range, which the `kubernetes` Service in `default` holds. */
  get kubernetesServiceIP(): string {
    return ipAt(this.range, 0);
  }

  /**
   * Fills in spec.clusterIP(s) and node ports of a Service being created (old undefined) or
   * updated, and applies the update-time field rules. Returns field errors for a 422; throws a
   * StatusError 500 when a range is full.
   */
  async allocate(
    svc: any,
    old: any | undefined,
    inUse: () => Promise<any[]>,
    opts: { dryRun?: boolean } = {},
  ): Promise<FieldError[]> {
    const spec: Record<string, any> = (svc.spec ??= {});
    const oldSpec: Record<string, any> | undefined = old ? (old.spec ?? {}) : undefined;
    if (old && oldSpec) {
      normalizeClusterIPsOnUpdate(spec, oldSpec);
      patchAllocatedValues(spec, oldSpec);
      dropTypeDependentFields(svc, old);
    }
    const key = this.keyOf(svc);
    const wantIP = this.clusterIPWork(spec, oldSpec);
    const portWork = needsNodePort(spec) || needsHCNodePort(spec);
    if (!wantIP && !portWork) {
      // An update of a stored Service: the listing shows what it holds from now on.
      if (old && !opts.dryRun) this.forget(key);
      return [];
    }

    // The final check: what the stored Services hold now, plus this server's unwritten values.
    const holders = this.holders(await inUse());
    this.expirePending();
    const ipTaken = (ip: string) => {
      const h = holders.ips.get(ip) ?? this.pendingIps.get(ip);
      return h !== undefined && h !== key;
    };
    const portTaken = (p: number) => {
      const h = holders.ports.get(p) ?? this.pendingPorts.get(p);
      return h !== undefined && h !== key;
    };

    const errs: FieldError[] = [];
    const gotIPs: string[] = [];
    const gotPorts: number[] = [];
    if (wantIP) {
      const requested = spec.clusterIP ? String(spec.clusterIP) : "";
      if (requested) {
        const err = this.checkIP(requested, ipTaken);
        if (err) errs.push(invalid("spec.clusterIPs", goStringSlice(spec.clusterIPs ?? [requested]), err));
        else gotIPs.push(requested);
      } else {
        const kubeIP = this.kubernetesServiceIP;
        const off = pickFreeOffset(
          this.range.count,
          this.ipBand,
          (o) => {
            const ip = ipAt(this.range, o);
            return (ip === kubeIP && key !== KUBERNETES_SERVICE) || ipTaken(ip);
          },
          this.random,
        );
        if (off === undefined) throw internal("failed to allocate a serviceIP: range is full");
        gotIPs.push(ipAt(this.range, off));
      }
      if (!errs.length) {
        spec.clusterIP = gotIPs[0];
        spec.clusterIPs = [gotIPs[0]];
      }
    }
    if (!errs.length && portWork) {
      const claim = (p: number): string | undefined => {
        if (p < this.portBase || p >= this.portBase + this.portCount)
          return `provided port is not in the valid range. The range of valid ports is ${this.portRangeText}`;
        if (portTaken(p) || gotPorts.includes(p)) return "provided port is already allocated";
        gotPorts.push(p);
        return undefined;
      };
      const next = (): number => {
        const off = pickFreeOffset(
          this.portCount,
          this.portBand,
          (o) => portTaken(this.portBase + o) || gotPorts.includes(this.portBase + o),
          this.random,
        );
        if (off === undefined) throw internal("failed to allocate a nodePort: range is full");
        gotPorts.push(this.portBase + off);
        return this.portBase + off;
      };
      if (needsNodePort(spec)) errs.push(...this.nodePorts(spec, oldSpec, claim, next));
      if (!errs.length && needsHCNodePort(spec)) this.healthCheckNodePort(spec, oldSpec, claim, next);
    }
    if (errs.length) return errs;
    if (!opts.dryRun) {
      if (gotIPs.length || gotPorts.length) this.remember(key, gotIPs, gotPorts);
      else if (old) this.forget(key);
    }
    return [];
  }

  /** Forgets this server's unwritten values for a Service: call after its delete or a failed write. */
  release(svc: any): void {
    this.forget(this.keyOf(svc));
  }

  private keyOf(svc: any): string {
    const m = svc?.metadata ?? {};
    const name = m.name || `${m.generateName ?? ""}\u0000${++this.unnamed}`;
    return `${m.namespace ?? ""}/${name}`;
  }

  /** Whether this request needs a cluster IP checked or handed out (alloc.go allocClusterIPs/updateClusterIPs). */
  private clusterIPWork(spec: Record<string, any>, old: Record<string, any> | undefined): boolean {
    if (!needsClusterIP(spec) || isHeadless(spec)) return false;
    // Malformed requests are left to validation, which runs next and reports them upstream's way.
    if (spec.clusterIP && ipv4ToInt(String(spec.clusterIP)) === undefined) return false;
    const ips: unknown[] = Array.isArray(spec.clusterIPs) ? spec.clusterIPs : [];
    if (spec.clusterIP && ips.length && ips[0] !== spec.clusterIP) return false;
    if (!spec.clusterIP && ips.length) return false;
    if (!old) return true;
    // Only a move away from ExternalName allocates; other changes of clusterIP fail validation.
    return !needsClusterIP(old);
  }

  private checkIP(ip: string, taken: (ip: string) => boolean): string | undefined {
    if (ipOffset(this.range, ip) === undefined)
      return `failed to allocate IP ${ip}: the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${this.range.text}`;
    if (taken(ip)) return `failed to allocate IP ${ip}: provided IP is already allocated`;
    return undefined;
  }

  // alloc.go initNodePorts (create) and updateNodePorts (update).
  private nodePorts(
    spec: Record<string, any>,
    old: Record<string, any> | undefined,
    claim: (p: number) => string | undefined,
    next: () => number,
  ): FieldError[] {
    const ports: Record<string, any>[] = Array.isArray(spec.ports) ? spec.ports : [];
    const allocate = shouldAllocateNodePorts(spec);
    const fail = (i: number, np: number, err: string) => [invalid(`spec.ports[${i}].nodePort`, np, err)];
    if (old) {
      const oldPorts = new Set(needsNodePort(old) ? nodePortsOf(old) : []);
      const claimed = new Set<number>();
      for (let i = 0; i < ports.length; i++) {
        const p = ports[i];
        const np = typeof p.nodePort === "number" ? p.nodePort : 0;
        if (!np && !allocate) continue;
        if (!np) p.nodePort = next();
        else if (!oldPorts.has(np) && !claimed.has(np)) {
          const err = claim(np);
          if (err) return fail(i, np, err);
          claimed.add(np);
        }
      }
      return [];
    }
    // One node port serves a port number over every protocol it is listed with.
    const byServicePort = new Map<number, number>();
    for (let i = 0; i < ports.length; i++) {
      const p = ports[i];
      const np = typeof p.nodePort === "number" ? p.nodePort : 0;
      if (!np && !allocate) continue;
      const have = byServicePort.get(p.port);
      if (have === undefined) {
        const requested = ports.find((q) => q.port === p.port && q.nodePort)?.nodePort ?? 0;
        if (requested) {
          const err = claim(requested);
          if (err) return fail(i, requested, err);
          p.nodePort = requested;
        } else p.nodePort = next();
        byServicePort.set(p.port, p.nodePort);
      } else if (np !== have) {
        if (!np) p.nodePort = have;
        else {
          const err = claim(np);
          if (err) return fail(i, np, err);
        }
      }
    }
    return [];
  }

  private healthCheckNodePort(
    spec: Record<string, any>,
    old: Record<string, any> | undefined,
    claim: (p: number) => string | undefined,
    next: () => number,
  ): void {
    const hc = typeof spec.healthCheckNodePort === "number" ? spec.healthCheckNodePort : 0;
    if (hc && old && needsHCNodePort(old) && old.healthCheckNodePort === hc) return;
    if (hc) {
      const err = claim(hc);
      if (err) throw internal(`failed to allocate requested HealthCheck NodePort ${hc}: ${err}`);
      return;
    }
    spec.healthCheckNodePort = next();
  }

  private holders(services: any[]): Holders {
    const h: Holders = { ips: new Map(), ports: new Map() };
    for (const s of services) {
      const spec = s?.spec ?? {};
      const key = `${s?.metadata?.namespace ?? ""}/${s?.metadata?.name ?? ""}`;
      if (needsClusterIP(spec)) {
        const ips: unknown[] =
          Array.isArray(spec.clusterIPs) && spec.clusterIPs.length ? spec.clusterIPs : [spec.clusterIP];
        for (const ip of ips) if (typeof ip === "string" && ip && ip !== "None") h.ips.set(ip, key);
      }
      for (const p of nodePortsOf(spec)) h.ports.set(p, key);
      if (typeof spec.healthCheckNodePort === "number" && spec.healthCheckNodePort)
        h.ports.set(spec.healthCheckNodePort, key);
    }
    return h;
  }

  private remember(key: string, ips: string[], ports: number[]): void {
    this.forget(key);
    this.pending.set(key, { ips, ports, expires: this.clock.now().getTime() + this.ttlMs });
    for (const ip of ips) this.pendingIps.set(ip, key);
    for (const p of ports) this.pendingPorts.set(p, key);
  }

  private forget(key: string): void {
    const p = this.pending.get(key);
    if (!p) return;
    this.pending.delete(key);
    for (const ip of p.ips) if (this.pendingIps.get(ip) === key) this.pendingIps.delete(ip);
    for (const n of p.ports) if (this.pendingPorts.get(n) === key) this.pendingPorts.delete(n);
  }

  private expirePending(): void {
    const now = this.clock.now().getTime();
    for (const [key, p] of this.pending) if (p.expires <= now) this.forget(key);
  }
}
