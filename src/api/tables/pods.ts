// Pods: pkg/printers/internalversion/printers.go printPod (READY, STATUS reason logic, RESTARTS).
import { ageColumn, column, nameColumn } from "./columns.ts";
import { int, str } from "./format.ts";
import { humanDuration, parseTimestamp, translateTimestampSince } from "./human-duration.ts";
import type { TablePrinter, TableRowCondition } from "./types.ts";

// pkg/util/node: the reason the node lifecycle controller gives pods on unreachable nodes.
const nodeUnreachablePodReason = "NodeLost";

const isRestartableInitContainer = (c: any): boolean => c?.restartPolicy === "Always";

const hasCondition = (pod: any, type: string): boolean =>
  ((pod.status?.conditions ?? []) as any[]).some((c) => c?.type === type && c?.status === "True");

// isPodInitializedConditionTrue looks only at the first Initialized condition.
function isInitialized(pod: any): boolean {
  const c = ((pod.status?.conditions ?? []) as any[]).find((x) => x?.type === "Initialized");
  return c?.status === "True";
}

function terminatedReason(t: any, prefix: string): string {
  if (str(t.reason) !== "") return prefix + t.reason;
  if (int(t.signal) !== 0) return `${prefix}Signal:${int(t.signal)}`;
  return `${prefix}ExitCode:${int(t.exitCode)}`;
}

/** The READY, STATUS and RESTARTS cells. */
export function podSummary(pod: any, now: Date): { ready: string; status: string; restarts: string } {
  const spec = pod.spec ?? {};
  const status = pod.status ?? {};
  const initSpecs: any[] = spec.initContainers ?? [];
  let restarts = 0;
  let restartableInitRestarts = 0;
  let total = (spec.containers ?? []).length;
  let ready = 0;
  let lastRestart = 0;
  let lastRestartableInitRestart = 0;

  const phase = str(status.phase);
  let reason = str(status.reason) !== "" ? str(status.reason) : phase;
  for (const c of (status.conditions ?? []) as any[]) {
    if (c?.type === "PodScheduled" && c?.reason === "SchedulingGated") reason = "SchedulingGated";
  }

  const initByName = new Map<string, any>();
  for (const c of initSpecs) {
    initByName.set(c?.name, c);
    if (isRestartableInitContainer(c)) total++;
  }

  const finishedAt = (cs: any): number => parseTimestamp(cs?.lastState?.terminated?.finishedAt) ?? 0;

  let initializing = false;
  const initStatuses: any[] = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = initStatuses[i] ?? {};
    const state = cs.state ?? {};
    restarts += int(cs.restartCount);
    if (cs.lastState?.terminated) lastRestart = Math.max(lastRestart, finishedAt(cs));
    const restartable = isRestartableInitContainer(initByName.get(cs.name));
    if (restartable) {
      restartableInitRestarts += int(cs.restartCount);
      if (cs.lastState?.terminated)
        lastRestartableInitRestart = Math.max(lastRestartableInitRestart, finishedAt(cs));
    }
    if (state.terminated && int(state.terminated.exitCode) === 0) continue;
    if (restartable && cs.started === true) {
      if (cs.ready) ready++;
      continue;
    }
    if (state.terminated) {
      reason = terminatedReason(state.terminated, "Init:");
    } else if (
      state.waiting &&
      str(state.waiting.reason) !== "" &&
      state.waiting.reason !== "PodInitializing"
    ) {
      reason = "Init:" + state.waiting.reason;
    } else {
      reason = `Init:${i}/${initSpecs.length}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || isInitialized(pod)) {
    restarts = restartableInitRestarts;
    lastRestart = lastRestartableInitRestart;
    let hasRunning = false;
    const statuses: any[] = status.containerStatuses ?? [];
    // Walked from the last container so that the first container's state wins.
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i] ?? {};
      const state = cs.state ?? {};
      restarts += int(cs.restartCount);
      if (cs.lastState?.terminated) lastRestart = Math.max(lastRestart, finishedAt(cs));
      if (state.waiting && str(state.waiting.reason) !== "") {
        reason = state.waiting.reason;
      } else if (state.terminated) {
        reason = terminatedReason(state.terminated, "");
      } else if (cs.ready && state.running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === "Completed" && hasRunning) reason = hasCondition(pod, "Ready") ? "Running" : "NotReady";
  }

  if (pod.metadata?.deletionTimestamp && status.reason === nodeUnreachablePodReason) {
    reason = "Unknown";
  } else if (pod.metadata?.deletionTimestamp && phase !== "Failed" && phase !== "Succeeded") {
    reason = "Terminating";
  }

  const restartsCell =
    restarts !== 0 && lastRestart > 0
      ? `${restarts} (${humanDuration(now.getTime() - lastRestart)} ago)`
      : String(restarts);
  return { ready: `${ready}/${total}`, status: reason, restarts: restartsCell };
}

function readinessGates(pod: any): string {
  const gates: any[] = pod.spec?.readinessGates ?? [];
  if (gates.length === 0) return "<none>";
  const conditions: any[] = pod.status?.conditions ?? [];
  let trueCount = 0;
  for (const gate of gates) {
    const c = conditions.find((x) => x?.type === gate?.conditionType);
    if (c?.status === "True") trueCount++;
  }
  return `${trueCount}/${gates.length}`;
}

// The v1 → internal conversion makes status.podIP authoritative over podIPs[0].
function podIP(pod: any): string {
  const ip = str(pod.status?.podIP) || str(pod.status?.podIPs?.[0]?.ip);
  return ip === "" ? "<none>" : ip;
}

export const podPrinter: TablePrinter = {
  columns: [
    nameColumn,
    column("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
    column("Status", "string", "The aggregate status of the containers in this pod."),
    column(
      "Restarts",
      "string",
      "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
    ),
    ageColumn,
    column("IP", "string", "The pod's IP address.", 1),
    column("Node", "string", "The node the pod is scheduled to.", 1),
    column("Nominated Node", "string", "The node the scheduler nominated for this pod after preemption.", 1),
    column("Readiness Gates", "string", "Readiness gates that are true, of all the pod's gates.", 1),
  ],
  cells(pod, now) {
    const s = podSummary(pod, now);
    return [
      str(pod.metadata?.name),
      s.ready,
      s.status,
      s.restarts,
      translateTimestampSince(pod.metadata?.creationTimestamp, now),
      podIP(pod),
      str(pod.spec?.nodeName) || "<none>",
      str(pod.status?.nominatedNodeName) || "<none>",
      readinessGates(pod),
    ];
  },
  conditions(pod): TableRowCondition[] | undefined {
    switch (pod.status?.phase) {
      case "Succeeded":
        return [
          {
            type: "Completed",
            status: "True",
            reason: "Succeeded",
            message: "The pod has completed successfully.",
          },
        ];
      case "Failed":
        return [{ type: "Completed", status: "True", reason: "Failed", message: "The pod failed." }];
      default:
        return undefined;
    }
  },
};
