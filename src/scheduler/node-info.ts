import type { KObject } from "../apimachinery/meta.ts";
import type { OwnerZoneIndex } from "./owner-zone-index.ts";
import type { HostPort, PodInfo } from "./pod-info.ts";
import {
  addResources,
  emptyResources,
  resourcesFromList,
  subtractResources,
  type Resources,
} from "./resources.ts";
import { hostnameLabel, zoneLabel, type Taint } from "./types.ts";

/** Everything the plugins need about one node, kept current as pods come and go (framework.NodeInfo). */
export class NodeInfo {
  readonly name: string;
  node: KObject | undefined;
  labels: Record<string, string> = {};
  /** The node's topology labels, read once per node update rather than per pod scored. */
  hostnameValue: string | undefined;
  zoneValue: string | undefined;
  taints: Taint[] = [];
  unschedulable = false;
  allocatable: Resources = emptyResources();
  /** Sum of the requests of the pods here, including pods assumed but not yet seen bound. */
  readonly requested: Resources = emptyResources();
  readonly nonZeroRequested = { milliCPU: 0, memory: 0 };
  readonly pods = new Map<string, PodInfo>();
  /** "ip/protocol/port" → users, and "protocol/port" → users across every ip. */
  private readonly ports = new Map<string, number>();
  private readonly anyIpPorts = new Map<string, number>();
  /** Non-terminating pods here per controlling owner, for default spreading. */
  readonly ownerCounts = new Map<string, number>();
  private readonly zones: OwnerZoneIndex | undefined;
  /** The zone this node's pods are counted under in `zones` (only while the node exists and has one). */
  private indexedZone: string | undefined;

  constructor(name: string, zones?: OwnerZoneIndex) {
    this.name = name;
    this.zones = zones;
  }

  setNode(node: KObject | undefined): void {
    this.node = node;
    const n = node as any;
    this.labels = n?.metadata?.labels ?? {};
    this.hostnameValue = this.labels[hostnameLabel];
    this.zoneValue = this.labels[zoneLabel];
    this.taints = n?.spec?.taints ?? [];
    this.unschedulable = !!n?.spec?.unschedulable;
    this.allocatable = resourcesFromList(n?.status?.allocatable);
    const zone = node ? this.labels[zoneLabel] : undefined;
    if (zone !== this.indexedZone && this.zones) {
      for (const [owner, c] of this.ownerCounts) {
        if (this.indexedZone !== undefined) this.zones.add(owner, this.indexedZone, -c);
        if (zone !== undefined) this.zones.add(owner, zone, c);
      }
    }
    this.indexedZone = zone;
  }

  addPod(p: PodInfo): void {
    this.pods.set(p.key, p);
    this.account(p, 1);
  }

  removePod(key: string): PodInfo | undefined {
    const p = this.pods.get(key);
    if (!p) return undefined;
    this.pods.delete(key);
    this.account(p, -1);
    return p;
  }

  private account(p: PodInfo, sign: 1 | -1): void {
    if (sign > 0) addResources(this.requested, p.requests);
    else subtractResources(this.requested, p.requests);
    this.nonZeroRequested.milliCPU += sign * p.nonZero.milliCPU;
    this.nonZeroRequested.memory += sign * p.nonZero.memory;
    for (const hp of p.hostPorts) {
      bump(this.ports, `${hp.ip}/${hp.protocol}/${hp.port}`, sign);
      bump(this.anyIpPorts, `${hp.protocol}/${hp.port}`, sign);
    }
    if (p.ownerUid && !p.terminating) {
      bump(this.ownerCounts, p.ownerUid, sign);
      if (this.indexedZone !== undefined) this.zones?.add(p.ownerUid, this.indexedZone, sign);
    }
  }

  /** HostPortInfo.CheckConflict: 0.0.0.0 collides with the port on any ip, and any ip with 0.0.0.0. */
  portConflict(hp: HostPort): boolean {
    if (hp.ip === "0.0.0.0") return this.anyIpPorts.has(`${hp.protocol}/${hp.port}`);
    return (
      this.ports.has(`0.0.0.0/${hp.protocol}/${hp.port}`) ||
      this.ports.has(`${hp.ip}/${hp.protocol}/${hp.port}`)
    );
  }
}

function bump(m: Map<string, number>, k: string, by: number): void {
  const v = (m.get(k) ?? 0) + by;
  if (v <= 0) m.delete(k);
  else m.set(k, v);
}
