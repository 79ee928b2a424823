import { containerdPaths } from "../containerd/containerd-config.ts";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ensureIptablesRule, sh } from "../../util/exec.ts";
import type { Logger } from "../../util/logger.ts";

/** Routes skiff installs carry this protocol number, so it finds (and removes) exactly its own. */
const routeProto = "211";

export const bridgeName = "cni0";

/** The CNI network for a node's pods: a bridge with host-local addresses from its podCIDR, and portmap for hostPort. */
export function cniConfList(podCIDR: string, ipamDir: string, bridge = bridgeName): string {
  return JSON.stringify(
    {
      cniVersion: "1.0.0",
      name: "skiff",
      plugins: [
        {
          type: "bridge",
          bridge,
          isGateway: true,
          ipMasq: false,
          hairpinMode: true,
          ipam: {
            type: "host-local",
            ranges: [[{ subnet: podCIDR }]],
            routes: [{ dst: "0.0.0.0/0" }],
            dataDir: ipamDir,
          },
        },
        { type: "portmap", capabilities: { portMappings: true }, snat: true },
      ],
    },
    null,
    2,
  );
}

export interface PodNetworkDeps {
  confDir: string;
  ipamDir: string;
  clusterCidr: string;
  logger: Logger;
}

export interface PeerNode {
  name: string;
  podCIDR: string;
  ip: string;
}

/**
 * Pod networking on the node, as k3s sets it up with flannel's host-gw backend: the CNI config for
 * containerd, forwarding on, a blackhole route for the cluster CIDR (so pod traffic no route claims
 * dies here), a route to every other node's podCIDR through that node, and masquerade for pod
 * traffic leaving the cluster.
 */
export class PodNetwork {
  private readonly deps: PodNetworkDeps;
  private podCIDR?: string;
  private routes = new Map<string, string>();

  constructor(deps: PodNetworkDeps) {
    this.deps = deps;
  }

  get configured(): boolean {
    return this.podCIDR !== undefined;
  }

  /** Writes the CNI config for the node's podCIDR; containerd picks it up and reports NetworkReady. */
  writeConfig(podCIDR: string): void {
    if (this.podCIDR === podCIDR) return;
    mkdirSync(this.deps.confDir, { recursive: true });
    mkdirSync(this.deps.ipamDir, { recursive: true });
    const file = join(this.deps.confDir, "10-skiff.conflist");
    const text = cniConfList(podCIDR, this.deps.ipamDir);
    if (!existsSync(file) || readFileSync(file, "utf8") !== text) writeFileSync(file, text);
    this.podCIDR = podCIDR;
  }

  /** Forwarding, the blackhole route, and the masquerade and forward rules (idempotent). */
  async setUpHost(): Promise<void> {
    const cidr = this.deps.clusterCidr;
    writeFileSync("/proc/sys/net/ipv4/ip_forward", "1");
    await sh("ip", ["route", "replace", "blackhole", cidr, "proto", routeProto]);
    // One iptables-restore for both chains: they are rewritten whole, never rule by rule.
    const rules = [
      "*nat",
      ":SKIFF-POSTROUTING - [0:0]",
      `-A SKIFF-POSTROUTING -s ${cidr} -d ${cidr} -m comment --comment "skiff: pod to pod keeps its source" -j RETURN`,
      `-A SKIFF-POSTROUTING -s ${cidr} ! -d 224.0.0.0/4 -m comment --comment "skiff: pods leaving the cluster" -j MASQUERADE --random-fully`,
      "COMMIT",
      "*filter",
      ":SKIFF-FORWARD - [0:0]",
      `-A SKIFF-FORWARD -s ${cidr} -m comment --comment "skiff: pod traffic" -j ACCEPT`,
      `-A SKIFF-FORWARD -d ${cidr} -m comment --comment "skiff: pod traffic" -j ACCEPT`,
      "COMMIT",
      "",
    ].join("\n");
    await sh("iptables-restore", ["-w", "--noflush"], rules);
    await ensureIptablesRule("nat", "POSTROUTING", ["-j", "SKIFF-POSTROUTING"]);
    await ensureIptablesRule("filter", "FORWARD", ["-j", "SKIFF-FORWARD"]);
  }

  /** host-gw: a route to each other node's podCIDR via that node's address; stale ones go. */
  async syncRoutes(self: string, peers: PeerNode[]): Promise<void> {
    const wanted = new Map<string, string>();
    for (const p of peers)
      if (p.name !== self && p.podCIDR && p.ip && p.podCIDR !== this.podCIDR) wanted.set(p.podCIDR, p.ip);
    for (const [cidr, via] of wanted) {
      if (this.routes.get(cidr) === via) continue;
      try {
        await sh("ip", ["route", "replace", cidr, "via", via, "proto", routeProto]);
        this.routes.set(cidr, via);
      } catch (e) {
        this.deps.logger.warn(
          "route to a node's pods could not be added (host-gw needs the nodes on one link)",
          {
            podCIDR: cidr,
            via,
            error: (e as Error).message.trim(),
          },
        );
      }
    }
    const present = await sh("ip", ["route", "show", "proto", routeProto]).catch(() => "");
    for (const line of present.split("\n")) {
      const m = /^(\d+\.\d+\.\d+\.\d+\/\d+) via (\S+)/.exec(line.trim());
      if (m && wanted.get(m[1]) !== m[2]) {
        await sh("ip", ["route", "del", m[1], "via", m[2], "proto", routeProto]).catch(() => {});
        this.routes.delete(m[1]);
      }
    }
  }

  /** What setUpHost and syncRoutes made, removed: the node no longer runs pods (`skiff killall`). */
  async tearDown(): Promise<boolean> {
    // Pods still on the bridge belong to another node sharing this network namespace: its setup stays.
    const ports = await sh("ip", ["-o", "link", "show", "master", bridgeName]).catch(() => "");
    if (ports.trim()) return false;
    for (const [table, chain, target] of [
      ["nat", "POSTROUTING", "SKIFF-POSTROUTING"],
      ["filter", "FORWARD", "SKIFF-FORWARD"],
    ]) {
      await sh("iptables", ["-w", "-t", table, "-D", chain, "-j", target]).catch(() => "");
      await sh("iptables", ["-w", "-t", table, "-F", target]).catch(() => "");
      await sh("iptables", ["-w", "-t", table, "-X", target]).catch(() => "");
    }
    await sh("ip", ["route", "flush", "proto", routeProto]).catch(() => "");
    await sh("ip", ["link", "del", bridgeName]).catch(() => "");
    return true;
  }
}

/** The pod network of the node whose agent data lives in agentDir (the folders containerd is told of). */
export function podNetworkFor(agentDir: string, clusterCidr: string, logger: Logger): PodNetwork {
  const paths = containerdPaths(agentDir);
  return new PodNetwork({ confDir: paths.cniConfDir, ipamDir: paths.cniIpamDir, clusterCidr, logger });
}
