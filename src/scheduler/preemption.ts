// The DefaultPreemption PostFilter (framework/plugins/defaultpreemption and framework/preemption):
// for a pod that fits nowhere, the nodes where evicting lower-priority pods would make room; on
// each the fewest victims (every lower-priority pod removed, then as many as possible given back,
// most important first); the node whose victims matter least; or the message saying why none.
import { fitErrorMessage } from "./fit-error.ts";
import { NodeInfo } from "./node-info.ts";
import type { PodInfo } from "./pod-info.ts";
import { status, type CycleState, type FilterPlugin, type Status } from "./types.ts";

const notHelpful = status(
  "UnschedulableAndUnresolvable",
  "DefaultPreemption",
  "Preemption is not helpful for scheduling",
);
const noVictims = status(
  "UnschedulableAndUnresolvable",
  "DefaultPreemption",
  "No preemption victims found for incoming pod",
);

export interface PreemptionCandidate {
  node: string;
  victims: PodInfo[];
}

export type PreemptionResult = { candidate: PreemptionCandidate } | { message: string };

const startTime = (p: PodInfo): number =>
  Date.parse(p.pod.status?.startTime ?? p.pod.metadata?.creationTimestamp ?? "") || 0;

/** MoreImportantPod: higher priority first, then the one that started earlier. */
const moreImportant = (a: PodInfo, b: PodInfo): number =>
  b.priority - a.priority || startTime(a) - startTime(b);

function fits(
  filters: readonly FilterPlugin[],
  state: CycleState,
  pod: PodInfo,
  node: NodeInfo,
): Status | null {
  for (const f of filters) {
    const failed = f.filter(state, pod, node);
    if (failed) return failed;
  }
  return null;
}

/** selectVictimsOnNode: undefined and the reason when evicting cannot make room here. */
function selectVictims(
  pod: PodInfo,
  node: NodeInfo,
  filters: readonly FilterPlugin[],
  state: CycleState,
): { victims: PodInfo[] } | { status: Status } {
  const lower = [...node.pods.values()].filter((p) => p.priority < pod.priority && !p.terminating);
  if (!lower.length) return { status: noVictims };
  const trial = new NodeInfo(node.name);
  trial.setNode(node.node);
  for (const p of node.pods.values()) if (!lower.includes(p)) trial.addPod(p);
  const failed = fits(filters, state, pod, trial);
  if (failed) return { status: failed };
  const victims: PodInfo[] = [];
  for (const p of [...lower].sort(moreImportant)) {
    trial.addPod(p);
    if (fits(filters, state, pod, trial)) {
      trial.removePod(p.key);
      victims.push(p);
    }
  }
  return { victims };
}

/** pickOneNodeForPreemption: the lowest highest victim priority, then the lowest sum, then the fewest. */
function pickOne(candidates: PreemptionCandidate[]): PreemptionCandidate {
  const key = (c: PreemptionCandidate) => {
    const prios = c.victims.map((v) => v.priority);
    return [Math.max(...prios), prios.reduce((a, b) => a + b, 0), c.victims.length];
  };
  return [...candidates].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka[0]! - kb[0]! || ka[1]! - kb[1]! || ka[2]! - kb[2]!;
  })[0]!;
}

export function preempt(
  pod: PodInfo,
  nodes: readonly NodeInfo[],
  nodeToStatus: Map<string, Status>,
  filters: readonly FilterPlugin[],
  state: CycleState,
): PreemptionResult {
  if (pod.pod.spec?.preemptionPolicy === "Never")
    return { message: "preemption: not eligible due to preemptionPolicy=Never." };
  const statuses: Status[] = [];
  const candidates: PreemptionCandidate[] = [];
  for (const node of nodes) {
    const s = nodeToStatus.get(node.name);
    if (!s || s.code === "UnschedulableAndUnresolvable") {
      statuses.push(notHelpful);
      continue;
    }
    const r = selectVictims(pod, node, filters, state);
    if ("status" in r) statuses.push(r.status);
    else candidates.push({ node: node.name, victims: r.victims });
  }
  if (candidates.length) return { candidate: pickOne(candidates) };
  return { message: `preemption: ${fitErrorMessage(nodes.length, statuses)}` };
}

/** The PostFilter's message alone (undefined when some node would fit after evicting victims). */
export function preemptionMessage(
  pod: PodInfo,
  nodes: readonly NodeInfo[],
  nodeToStatus: Map<string, Status>,
  filters: readonly FilterPlugin[],
  state: CycleState,
): string | undefined {
  const r = preempt(pod, nodes, nodeToStatus, filters, state);
  return "message" in r ? r.message : undefined;
}
