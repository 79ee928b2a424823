import type { KObject } from "../apimachinery/meta.ts";
import { NodeInfo } from "./node-info.ts";
import { OwnerZoneIndex } from "./owner-zone-index.ts";
import type { PodInfo } from "./pod-info.ts";
import type { Snapshot } from "./types.ts";

/**
 * The scheduler's view of nodes and the pods placed on them, updated incrementally from informer
 * events, plus pods it has assumed onto a node before their binding is visible
 * (pkg/scheduler/backend/cache).
 */
export class SchedulerCache implements Snapshot {
  private readonly nodeInfos = new Map<string, NodeInfo>();
  /** Nodes that exist (have a Node object), in a stable order the scheduler walks round-robin. */
  readonly nodeList: NodeInfo[] = [];
  private readonly pods = new Map<string, { info: PodInfo; assumed: boolean }>();
  private readonly zones = new OwnerZoneIndex();

  get nodes(): readonly NodeInfo[] {
    return this.nodeList;
  }

  ownerZoneCounts(ownerUid: string): ReadonlyMap<string, number> | undefined {
    return this.zones.get(ownerUid);
  }

  private nodeInfo(name: string): NodeInfo {
    let n = this.nodeInfos.get(name);
    if (!n) this.nodeInfos.set(name, (n = new NodeInfo(name, this.zones)));
    return n;
  }

  getNode(name: string): NodeInfo | undefined {
    const n = this.nodeInfos.get(name);
    return n?.node ? n : undefined;
  }

  /** Adds or updates a node. */
  setNode(node: KObject): void {
    const n = this.nodeInfo(node.metadata!.name!);
    if (!n.node) this.nodeList.push(n);
    n.setNode(node);
  }

  removeNode(name: string): void {
    const n = this.nodeInfos.get(name);
    if (!n) return;
    if (n.node) this.nodeList.splice(this.nodeList.indexOf(n), 1);
    n.setNode(undefined);
    // Pods still bound there keep a node-less entry until they go (as upstream's cache does).
    if (!n.pods.size) this.nodeInfos.delete(name);
  }

  isAssumed(key: string): boolean {
    return this.pods.get(key)?.assumed ?? false;
  }

  podNode(key: string): string | undefined {
    return this.pods.get(key)?.info.nodeName;
  }

  /** Places a pod on a node ahead of its binding, so the next decisions see the node as used. */
  assumePod(info: PodInfo, nodeName: string): void {
    info.nodeName = nodeName;
    this.removePod(info.key);
    this.pods.set(info.key, { info, assumed: true });
    this.nodeInfo(nodeName).addPod(info);
  }

  /** Undoes assumePod after a failed binding. */
  forgetPod(key: string): void {
    if (this.pods.get(key)?.assumed) this.removePod(key);
  }

  /** A bound pod as the informer reports it; replaces any assumption about it. */
  addOrUpdatePod(info: PodInfo): void {
    this.removePod(info.key);
    this.pods.set(info.key, { info, assumed: false });
    this.nodeInfo(info.nodeName).addPod(info);
  }

  removePod(key: string): void {
    const cur = this.pods.get(key);
    if (!cur) return;
    this.pods.delete(key);
    const n = this.nodeInfos.get(cur.info.nodeName);
    if (!n) return;
    n.removePod(key);
    if (!n.node && !n.pods.size) this.nodeInfos.delete(n.name);
  }
}
