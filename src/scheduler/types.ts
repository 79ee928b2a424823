import type { KObject } from "../apimachinery/meta.ts";
import type { NodeInfo } from "./node-info.ts";
import type { PodInfo } from "./pod-info.ts";

/** Plugin verdicts, as framework.Code: only the ones the scheduler acts on. */
export type Code = "Unschedulable" | "UnschedulableAndUnresolvable" | "Error";

/** A non-success plugin status; success is `null` so the hot path allocates nothing. */
export interface Status {
  code: Code;
  reasons: readonly string[];
  plugin: string;
}

export function status(code: Code, plugin: string, ...reasons: string[]): Status {
  return { code, plugin, reasons };
}

/** Per-attempt scratch space plugins share between their extension points (framework.CycleState). */
export type CycleState = Map<string, unknown>;

export interface FilterPlugin {
  readonly name: string;
  /** Computes per-pod data once per attempt; the Filter calls then only read it. */
  preFilter?(state: CycleState, pod: PodInfo): Status | undefined | void;
  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Status | null;
}

export interface ScorePlugin {
  readonly name: string;
  readonly weight: number;
  /** Returns false to skip scoring (framework.Skip): the plugin then adds nothing for any node. */
  preScore?(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], snapshot: Snapshot): boolean;
  score(state: CycleState, pod: PodInfo, node: NodeInfo): number;
  /** Rewrites `scores` (one per node, same order) in place to 0..100. */
  normalize?(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], scores: number[]): void;
}

export const maxNodeScore = 100;

export const hostnameLabel = "kubernetes.io/hostname";
export const zoneLabel = "topology.kubernetes.io/zone";

/** The cluster as one scheduling cycle sees it. */
export interface Snapshot {
  /** Every node that exists, in the order filtering walks them. */
  readonly nodes: readonly NodeInfo[];
  /** Non-terminating pods of an owner per zone label value, kept incrementally by the cache. */
  ownerZoneCounts?(ownerUid: string): ReadonlyMap<string, number> | undefined;
}

export interface Taint {
  key: string;
  value?: string;
  effect: string;
}

export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

export type Pod = KObject & {
  spec?: Record<string, any>;
  status?: Record<string, any>;
};
