// The records of the cluster domain, answered as CoreDNS's kubernetes plugin answers them (with
// `pods insecure`, as k3s configures it): services, headless endpoints, SRV for named ports,
// ExternalName CNAMEs, pod names, and PTR for service and endpoint addresses. Anything else is not
// ours and goes to the node's resolvers.
import { isIPv4 } from "node:net";
import type { Answer } from "dns-packet";
import type { KObject } from "../apimachinery/meta.ts";

export interface ZoneSource {
  service(namespace: string, name: string): KObject | undefined;
  services(): KObject[];
  slices(namespace: string, service: string): KObject[];
}

export type Rcode = "NOERROR" | "NXDOMAIN";

export interface ZoneAnswer {
  rcode: Rcode;
  answers: Answer[];
  authority: Answer[];
  additionals: Answer[];
}

/** CoreDNS's default TTL for cluster records. */
export const ttl = 5;

interface SliceEndpoint {
  addresses: string[];
  hostname?: string;
  conditions?: { ready?: boolean };
}
interface Slice {
  addressType?: string;
  endpoints?: SliceEndpoint[];
  ports?: Array<{ name?: string; port?: number; protocol?: string }>;
}
interface ServiceSpec {
  type?: string;
  clusterIP?: string;
  externalName?: string;
  ports?: Array<{ name?: string; port: number; protocol?: string }>;
}

export class ClusterZone {
  readonly domain: string;
  private readonly src: ZoneSource;

  constructor(src: ZoneSource, domain = "cluster.local") {
    this.src = src;
    this.domain = domain.toLowerCase().replace(/\.$/, "");
  }

  private soa(): Answer {
    return {
      name: this.domain,
      type: "SOA",
      ttl,
      class: "IN",
      data: {
        mname: `ns.dns.${this.domain}`,
        rname: `hostmaster.${this.domain}`,
        serial: Math.floor(Date.now() / 1000),
        refresh: 7200,
        retry: 1800,
        expire: 86400,
        minimum: ttl,
      },
    };
  }

  private result(rcode: Rcode, answers: Answer[] = [], additionals: Answer[] = []): ZoneAnswer {
    return { rcode, answers, authority: answers.length ? [] : [this.soa()], additionals };
  }

  /** The answer for a question, or undefined when the name is not in the cluster's zones. */
  resolve(qname: string, qtype: string): ZoneAnswer | undefined {
    const name = qname.toLowerCase().replace(/\.$/, "");
    if (name.endsWith(".in-addr.arpa")) return this.reverse(name, qtype);
    if (name !== this.domain && !name.endsWith(`.${this.domain}`)) return undefined;
    if (name === this.domain) return this.result("NOERROR", qtype === "SOA" ? [this.soa()] : []);
    const labels = name.slice(0, -this.domain.length - 1).split(".");
    const kind = labels.at(-1);
    if (kind === "svc") return this.service(name, labels.slice(0, -1), qtype);
    if (kind === "pod") return this.pod(name, labels.slice(0, -1), qtype);
    return this.result("NXDOMAIN");
  }

  private service(name: string, labels: string[], qtype: string): ZoneAnswer {
    // svc. and <ns>.svc. exist as names without records of their own.
    if (labels.length === 0) return this.result("NOERROR");
    const ns = labels.at(-1)!;
    if (labels.length === 1)
      return this.result(
        this.src.services().some((s) => s.metadata?.namespace === ns) ? "NOERROR" : "NXDOMAIN",
      );
    const svcName = labels.at(-2)!;
    const svc = this.src.service(ns, svcName);
    if (!svc) return this.result("NXDOMAIN");
    const spec = (svc.spec ?? {}) as ServiceSpec;
    const base = `${svcName}.${ns}.svc.${this.domain}`;
    const headless = !spec.clusterIP || spec.clusterIP === "None";
    const endpoints = headless ? this.readyEndpoints(ns, svcName) : [];

    if (labels.length === 2) {
      if (spec.type === "ExternalName") {
        if (!spec.externalName) return this.result("NXDOMAIN");
        return this.result("NOERROR", [{ name, type: "CNAME", ttl, class: "IN", data: spec.externalName }]);
      }
      if (qtype === "SRV") return this.result("NOERROR", this.srv(base, spec, headless, ns, svcName));
      if (qtype !== "A" && qtype !== "ANY") return this.result("NOERROR");
      if (!headless)
        return this.result(
          "NOERROR",
          isIPv4(spec.clusterIP!) ? [{ name, type: "A", ttl, class: "IN", data: spec.clusterIP! }] : [],
        );
      const ips = [...new Set(endpoints.map((e) => e.ip))];
      return this.result(
        "NOERROR",
        ips.map((ip) => ({ name, type: "A", ttl, class: "IN", data: ip })),
      );
    }
    // <endpoint>.<svc>.<ns>.svc: a headless service's endpoint by hostname or dashed address.
    if (labels.length === 3) {
      const host = labels[0];
      const matches = endpoints.filter((e) => e.host === host);
      if (!matches.length) return this.result("NXDOMAIN");
      if (qtype !== "A" && qtype !== "ANY") return this.result("NOERROR");
      return this.result(
        "NOERROR",
        matches.map((e) => ({ name, type: "A", ttl, class: "IN", data: e.ip })),
      );
    }
    // _<port>._<proto>.<svc>.<ns>.svc
    if (labels.length === 4 && labels[0].startsWith("_") && labels[1].startsWith("_")) {
      const records = this.srv(base, spec, headless, ns, svcName).filter((r) => r.name === name);
      if (!records.length) return this.result("NXDOMAIN");
      if (qtype !== "SRV" && qtype !== "ANY") return this.result("NOERROR");
      return this.result("NOERROR", records, this.srvAdditionals(records, spec, headless, endpoints));
    }
    return this.result("NXDOMAIN");
  }

  private srv(base: string, spec: ServiceSpec, headless: boolean, ns: string, svcName: string): Answer[] {
    const out: Answer[] = [];
    for (const p of spec.ports ?? []) {
      if (!p.name) continue;
      const proto = (p.protocol ?? "TCP").toLowerCase();
      const name = `_${p.name}._${proto}.${base}`;
      if (!headless) {
        out.push({
          name,
          type: "SRV",
          ttl,
          class: "IN",
          data: { priority: 0, weight: 100, port: p.port, target: base },
        });
        continue;
      }
      const eps = this.readyEndpoints(ns, svcName).filter((e) => e.ports.has(p.name!));
      const weight = eps.length ? Math.floor(100 / eps.length) : 100;
      for (const e of eps)
        out.push({
          name,
          type: "SRV",
          ttl,
          class: "IN",
          data: { priority: 0, weight, port: e.ports.get(p.name)!, target: `${e.host}.${base}` },
        });
    }
    return out;
  }

  private srvAdditionals(records: Answer[], spec: ServiceSpec, headless: boolean, eps: Endpoint[]): Answer[] {
    const out: Answer[] = [];
    const seen = new Set<string>();
    for (const r of records) {
      const target = (r as { data: { target: string } }).data.target;
      if (seen.has(target)) continue;
      seen.add(target);
      if (!headless && isIPv4(spec.clusterIP ?? ""))
        out.push({ name: target, type: "A", ttl, class: "IN", data: spec.clusterIP! });
      if (headless)
        for (const e of eps)
          if (target.startsWith(`${e.host}.`))
            out.push({ name: target, type: "A", ttl, class: "IN", data: e.ip });
    }
    return out;
  }

  /** <a-b-c-d>.<ns>.pod: the address the name spells (CoreDNS's `pods insecure`). */
  private pod(name: string, labels: string[], qtype: string): ZoneAnswer {
    if (labels.length !== 2) return this.result(labels.length < 2 ? "NOERROR" : "NXDOMAIN");
    const ip = labels[0].replace(/-/g, ".");
    if (!isIPv4(ip)) return this.result("NXDOMAIN");
    if (qtype !== "A" && qtype !== "ANY") return this.result("NOERROR");
    return this.result("NOERROR", [{ name, type: "A", ttl, class: "IN", data: ip }]);
  }

  /** PTR for a service's cluster IP or a headless endpoint; other addresses are not ours. */
  private reverse(name: string, qtype: string): ZoneAnswer | undefined {
    const octets = name.slice(0, -".in-addr.arpa".length).split(".");
    if (octets.length !== 4) return undefined;
    const ip = octets.reverse().join(".");
    const ptrs: string[] = [];
    for (const svc of this.src.services()) {
      const spec = (svc.spec ?? {}) as ServiceSpec;
      const ns = svc.metadata?.namespace ?? "";
      const svcName = svc.metadata?.name ?? "";
      const base = `${svcName}.${ns}.svc.${this.domain}`;
      if (spec.clusterIP === ip) ptrs.push(base);
      else if (spec.clusterIP === "None")
        for (const e of this.readyEndpoints(ns, svcName)) if (e.ip === ip) ptrs.push(`${e.host}.${base}`);
    }
    if (!ptrs.length) return undefined;
    if (qtype !== "PTR" && qtype !== "ANY")
      return { rcode: "NOERROR", answers: [], authority: [], additionals: [] };
    return {
      rcode: "NOERROR",
      answers: ptrs.map((data) => ({ name, type: "PTR", ttl, class: "IN", data })),
      authority: [],
      additionals: [],
    };
  }

  private readyEndpoints(ns: string, svcName: string): Endpoint[] {
    const out: Endpoint[] = [];
    for (const s of this.src.slices(ns, svcName)) {
      const slice = s as Slice;
      if (slice.addressType && slice.addressType !== "IPv4") continue;
      const ports = new Map<string, number>();
      for (const p of slice.ports ?? []) if (p.name && p.port) ports.set(p.name, p.port);
      for (const e of slice.endpoints ?? []) {
        // Slices already say ready for unready pods when the service publishes them.
        if (e.conditions?.ready === false) continue;
        const ip = e.addresses[0];
        if (!ip || !isIPv4(ip)) continue;
        out.push({ ip, host: e.hostname ?? ip.replace(/\./g, "-"), ports });
      }
    }
    return out;
  }
}

interface Endpoint {
  ip: string;
  host: string;
  ports: Map<string, number>;
}
