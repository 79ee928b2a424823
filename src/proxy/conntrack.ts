// Stale UDP flows (kube-proxy's conntrack cleanup): a UDP "connection" lives in conntrack as long
// as packets keep coming, so a client that keeps sending would stay on an endpoint that is gone, or
// on the REJECT it met while the service had none. After each sync the flows to removed endpoints
// are deleted, and so are all of a service's flows when it goes from no endpoint to some.
import type { Logger } from "../util/logger.ts";
import { sh } from "../util/exec.ts";
import { usableEndpoints, type ProxyServicePort } from "./service-ports.ts";

export interface UdpPortState {
  /** The addresses clients send to: cluster IP, external IPs, load-balancer IPs. */
  ips: string[];
  nodePort?: number;
  /** Endpoint addresses traffic may go to. */
  endpoints: Set<string>;
}

export function udpState(ports: ProxyServicePort[]): Map<string, UdpPortState> {
  const out = new Map<string, UdpPortState>();
  for (const p of ports) {
    if (p.protocol !== "UDP") continue;
    out.set(`${p.namespace}/${p.name}:${p.portName}`, {
      ips: [p.clusterIP, ...p.externalIPs, ...p.loadBalancerIPs].filter((ip): ip is string => !!ip),
      nodePort: p.nodePort,
      endpoints: new Set(usableEndpoints(p.endpoints).map((e) => e.ip)),
    });
  }
  return out;
}

/** The `conntrack -D` filters that remove what changed from `before` to `after`. */
export function staleFlows(before: Map<string, UdpPortState>, after: Map<string, UdpPortState>): string[][] {
  const out: string[][] = [];
  const seen = new Set<string>();
  const add = (args: string[]) => {
    const k = args.join(" ");
    if (!seen.has(k)) out.push(args);
    seen.add(k);
  };
  for (const [key, was] of before) {
    const now = after.get(key);
    for (const ep of was.endpoints) {
      if (now?.endpoints.has(ep)) continue;
      for (const ip of was.ips) add(["-p", "udp", "--orig-dst", ip, "--dst-nat", ep]);
      if (was.nodePort) add(["-p", "udp", "--orig-port-dst", String(was.nodePort), "--dst-nat", ep]);
    }
  }
  for (const [key, now] of after) {
    if (now.endpoints.size === 0 || (before.get(key)?.endpoints.size ?? 0) > 0) continue;
    for (const ip of now.ips) add(["-p", "udp", "--orig-dst", ip]);
    if (now.nodePort) add(["-p", "udp", "--orig-port-dst", String(now.nodePort)]);
  }
  return out;
}

export interface ConntrackOps {
  delete(filter: string[]): Promise<void>;
}

/** Debian's conntrack tool; "0 flow entries have been deleted" (exit 1) is not a failure. */
export function hostConntrack(logger: Logger): ConntrackOps {
  let missing = false;
  return {
    async delete(filter) {
      if (missing) return;
      try {
        await sh("conntrack", ["-D", ...filter]);
      } catch (e) {
        const msg = (e as Error).message;
        if (/0 flow entries/.test(msg)) return;
        if (/ENOENT/.test(msg)) {
          missing = true;
          logger.warn("conntrack is not installed: stale UDP flows are not removed when endpoints change");
          return;
        }
        logger.debug("conntrack delete failed", { filter: filter.join(" "), error: msg });
      }
    },
  };
}
