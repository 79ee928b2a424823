// The node's iptables, as kube-proxy drives it: jumps from the built-in chains into its own (checked
// and prepended once), each sync one `iptables-restore --noflush`, and everything removed on stop.
import { writeFileSync } from "node:fs";
import { ensureIptablesRule, sh } from "../util/exec.ts";
import { isServiceChain, ownedChains } from "./iptables-rules.ts";

export interface Iptables {
  restore(input: string): Promise<void>;
  /** Chain names present in the filter and nat tables (one iptables-save). */
  chains(): Promise<{ filter: string[]; nat: string[] }>;
  ensureJumps(): Promise<void>;
  cleanUp(): Promise<void>;
}

const newConn = ["-m", "conntrack", "--ctstate", "NEW"];
const comment = (c: string) => ["-m", "comment", "--comment", c];

/** Upstream's jump rules (iptablesJumpChains) plus the kubelet's guard for localhost node ports. */
export const jumps: Array<{ table: string; chain: string; args: string[] }> = [
  {
    table: "filter",
    chain: "INPUT",
    args: [
      ...newConn,
      ...comment("kubernetes externally-visible service portals"),
      "-j",
      "KUBE-EXTERNAL-SERVICES",
    ],
  },
  {
    table: "filter",
    chain: "FORWARD",
    args: [
      ...newConn,
      ...comment("kubernetes externally-visible service portals"),
      "-j",
      "KUBE-EXTERNAL-SERVICES",
    ],
  },
  {
    table: "filter",
    chain: "INPUT",
    args: [...comment("kubernetes health check service ports"), "-j", "KUBE-NODEPORTS"],
  },
  {
    table: "filter",
    chain: "FORWARD",
    args: [...newConn, ...comment("kubernetes service portals"), "-j", "KUBE-SERVICES"],
  },
  {
    table: "filter",
    chain: "OUTPUT",
    args: [...newConn, ...comment("kubernetes service portals"), "-j", "KUBE-SERVICES"],
  },
  {
    table: "filter",
    chain: "FORWARD",
    args: [...comment("kubernetes forwarding rules"), "-j", "KUBE-FORWARD"],
  },
  {
    table: "filter",
    chain: "INPUT",
    args: [...newConn, ...comment("kubernetes load balancer firewall"), "-j", "KUBE-PROXY-FIREWALL"],
  },
  {
    table: "filter",
    chain: "OUTPUT",
    args: [...newConn, ...comment("kubernetes load balancer firewall"), "-j", "KUBE-PROXY-FIREWALL"],
  },
  {
    table: "filter",
    chain: "FORWARD",
    args: [...newConn, ...comment("kubernetes load balancer firewall"), "-j", "KUBE-PROXY-FIREWALL"],
  },
  { table: "filter", chain: "INPUT", args: ["-j", "KUBE-FIREWALL"] },
  { table: "filter", chain: "OUTPUT", args: ["-j", "KUBE-FIREWALL"] },
  { table: "nat", chain: "OUTPUT", args: [...comment("kubernetes service portals"), "-j", "KUBE-SERVICES"] },
  {
    table: "nat",
    chain: "PREROUTING",
    args: [...comment("kubernetes service portals"), "-j", "KUBE-SERVICES"],
  },
  {
    table: "nat",
    chain: "POSTROUTING",
    args: [...comment("kubernetes postrouting rules"), "-j", "KUBE-POSTROUTING"],
  },
];

/**
 * Node ports answer on 127.0.0.1 too (upstream's default), which needs route_localnet; the
 * kubelet's KUBE-FIREWALL rule then keeps other hosts from reaching the node's loopback services.
 */
const firewall = [
  "*filter",
  ":KUBE-FIREWALL - [0:0]",
  `-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP`,
  "COMMIT",
  "",
].join("\n");

export class HostIptables implements Iptables {
  async restore(input: string): Promise<void> {
    await sh("iptables-restore", ["-w", "--noflush"], input);
  }

  async chains(): Promise<{ filter: string[]; nat: string[] }> {
    const out = { filter: [] as string[], nat: [] as string[] };
    let table: string[] | undefined;
    for (const l of (await sh("iptables-save", [])).split("\n")) {
      if (l.startsWith("*")) table = l === "*filter" ? out.filter : l === "*nat" ? out.nat : undefined;
      else if (l.startsWith(":")) table?.push(l.slice(1).split(" ")[0]);
    }
    return out;
  }

  async ensureJumps(): Promise<void> {
    writeFileSync("/proc/sys/net/ipv4/conf/all/route_localnet", "1");
    // Chains must exist before anything jumps to them.
    const decl = (t: "filter" | "nat") => [`*${t}`, ...ownedChains[t].map((c) => `:${c} - [0:0]`), "COMMIT"];
    await this.restore([...decl("filter"), ...decl("nat"), ""].join("\n"));
    await this.restore(firewall);
    for (const j of jumps) await ensureIptablesRule(j.table, j.chain, j.args);
  }

  async cleanUp(): Promise<void> {
    for (const j of jumps)
      await sh("iptables", ["-w", "-t", j.table, "-D", j.chain, ...j.args]).catch(() => "");
    const present = await this.chains().catch(() => ({ filter: [], nat: [] }));
    for (const table of ["filter", "nat"] as const) {
      const mine = present[table].filter(
        (c) => isServiceChain(c) || (ownedChains[table] as string[]).includes(c) || c === "KUBE-FIREWALL",
      );
      if (!mine.length) continue;
      const lines = [
        `*${table}`,
        ...mine.map((c) => `:${c} - [0:0]`),
        ...mine.map((c) => `-X ${c}`),
        "COMMIT",
        "",
      ];
      await this.restore(lines.join("\n")).catch(() => undefined);
    }
  }
}
