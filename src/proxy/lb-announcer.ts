// A node's share of the load balancer's pool addresses (MetalLB's layer-2 mode): of the Ready
// nodes, the one an address hashes to holds it on its own interface, so it answers ARP for it and
// the service proxy routes what arrives. Every node computes the same choice from the same Nodes.
import type { Informer } from "../client/informer.ts";
import { announcerOf } from "../controllers/servicelb/address-pool.ts";
import { nodeInternalIP, readyRealNodes } from "../controllers/util/node-helpers.ts";
import { unavailablePorts } from "../kubelet/node/reserved-ports.ts";
import type { Logger } from "../util/logger.ts";
import { sh } from "../util/exec.ts";

export interface LbAnnouncerDeps {
  services: Informer;
  nodes: Informer;
  logger: Logger;
  nodeName: string;
  nodeIP: string;
  /** Told after the addresses held changed. */
  onChange?(): void;
  /** Adds and removes addresses (tests: a recorder). */
  addresses?: AddressOps;
}

export interface AddressOps {
  /** The interface the node's address is on, and the pool addresses already there (a restart's). */
  discover(nodeIP: string): Promise<{ dev: string; held: string[] }>;
  add(dev: string, ip: string): Promise<void>;
  remove(dev: string, ip: string): Promise<void>;
}

/** Addresses skiff adds carry this label (an alias of at most 15 characters), so a restart finds them. */
const labelFor = (dev: string) => (dev.length <= 12 ? `${dev}:lb` : undefined);

export const ipAddressOps: AddressOps = {
  async discover(nodeIP) {
    const out = await sh("ip", ["-o", "-4", "addr", "show"]);
    let dev = "";
    const labelled: Array<{ label: string; ip: string }> = [];
    for (const line of out.split("\n")) {
      // "2: eth0    inet 10.99.5.2/24 brd ... scope global eth0:lb\ ..."
      const m = /^\d+:\s+(\S+)\s+inet\s+([\d.]+)\/(\d+).*?scope \S+ (?:\S+ )*?(\S+)\\/.exec(line);
      if (!m) continue;
      if (m[2] === nodeIP) dev = m[1]!;
      labelled.push({ label: m[4]!, ip: m[2]! });
    }
    if (!dev) throw new Error(`no interface has the node's address ${nodeIP}`);
    const label = labelFor(dev);
    return { dev, held: label ? labelled.filter((l) => l.label === label).map((l) => l.ip) : [] };
  },
  async add(dev, ip) {
    const label = labelFor(dev);
    await sh("ip", ["addr", "replace", `${ip}/32`, "dev", dev, ...(label ? ["label", label] : [])]);
  },
  async remove(dev, ip) {
    await sh("ip", ["addr", "del", `${ip}/32`, "dev", dev]).catch(() => undefined);
  },
};

export class LbAnnouncer {
  private readonly deps: LbAnnouncerDeps;
  private readonly ops: AddressOps;
  private readonly held = new Set<string>();
  private dev = "";
  private queued = false;
  private changed = false;
  private running: Promise<void> = Promise.resolve();

  constructor(deps: LbAnnouncerDeps) {
    this.deps = deps;
    this.ops = deps.addresses ?? ipAddressOps;
    const changed = () => this.queue();
    for (const inf of [deps.services, deps.nodes]) inf.on({ add: changed, update: changed, delete: changed });
  }

  /** The addresses this node holds now, for the userspace proxy's listeners. */
  holding(): ReadonlySet<string> {
    return this.held;
  }

  /** The pool addresses this node should hold: services' addresses that are no node's own. */
  wanted(): Set<string> {
    const nodes = this.deps.nodes.list();
    const nodeIPs = new Set(nodes.map((n) => nodeInternalIP(n)).filter(Boolean));
    const ready = readyRealNodes(nodes);
    const out = new Set<string>();
    for (const s of this.deps.services.list()) {
      const spec = s.spec as
        { type?: string; ports?: Array<{ port: number; protocol?: string }> } | undefined;
      if (spec?.type !== "LoadBalancer") continue;
      // A node whose userspace proxy could not take one of the ports cannot answer there.
      const ports = (spec.ports ?? []).map((p) => `${p.port}/${p.protocol ?? "TCP"}`);
      const able = ready
        .filter((n) => !ports.some((p) => unavailablePorts(n).has(p)))
        .map((n) => n.metadata?.name ?? "");
      const status = s.status as { loadBalancer?: { ingress?: Array<{ ip?: string }> } } | undefined;
      for (const i of status?.loadBalancer?.ingress ?? []) {
        if (!i.ip || nodeIPs.has(i.ip)) continue;
        if (announcerOf(i.ip, able) === this.deps.nodeName) out.add(i.ip);
      }
    }
    return out;
  }

  private queue(): void {
    if (this.queued || !this.dev) return;
    this.queued = true;
    this.running = this.running.then(async () => {
      this.queued = false;
      await this.sync();
    });
  }

  private async sync(): Promise<void> {
    this.changed = false;
    await this.apply(this.wanted());
    if (this.changed) this.deps.onChange?.();
  }

  private async apply(want: Set<string>): Promise<void> {
    for (const ip of [...this.held]) {
      if (want.has(ip)) continue;
      await this.ops.remove(this.dev, ip);
      this.held.delete(ip);
      this.changed = true;
      this.deps.logger.info("load balancer address released", { address: ip });
    }
    for (const ip of want) {
      if (this.held.has(ip)) continue;
      try {
        await this.ops.add(this.dev, ip);
        this.held.add(ip);
        this.changed = true;
        this.deps.logger.info("announcing load balancer address", { address: ip, dev: this.dev });
      } catch (e) {
        this.deps.logger.warn("cannot take load balancer address", {
          address: ip,
          error: (e as Error).message,
        });
      }
    }
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.deps.services.waitForSync(), this.deps.nodes.waitForSync()]);
    if (signal.aborted) return;
    const found = await this.ops.discover(this.deps.nodeIP);
    this.dev = found.dev;
    // Addresses a previous run left are ours to keep or release.
    for (const ip of found.held) this.held.add(ip);
    this.queue();
    await new Promise<void>((r) => signal.addEventListener("abort", () => r(), { once: true }));
    await this.running;
    for (const ip of this.held) await this.ops.remove(this.dev, ip);
    this.held.clear();
  }
}
