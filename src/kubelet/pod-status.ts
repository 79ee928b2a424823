// Pod status pieces as the kubelet generates them (pkg/kubelet/status/generate.go, kubelet_pods.go).

export type Phase = "Pending" | "Running" | "Succeeded" | "Failed";

/** The conditions the kubelet owns; others (DisruptionTarget, readiness gates) are kept as found. */
export const kubeletConditionTypes = new Set([
  "PodReadyToStartContainers",
  "Initialized",
  "Ready",
  "ContainersReady",
  "PodScheduled",
]);

export interface ConditionInput {
  type: string;
  status: "True" | "False";
  reason?: string;
  message?: string;
}

/** Remembers when each condition last changed, so lastTransitionTime moves only on a change. */
export class ConditionClock {
  private readonly since = new Map<string, { status: string; at: string }>();

  seed(type: string, status: string, at: string): void {
    this.since.set(type, { status, at });
  }

  stamp(conditions: ConditionInput[], now: string): Record<string, unknown>[] {
    return conditions.map((c) => {
      let s = this.since.get(c.type);
      if (!s || s.status !== c.status) {
        s = { status: c.status, at: now };
        this.since.set(c.type, s);
      }
      const out: Record<string, unknown> = {
        type: c.type,
        status: c.status,
        lastTransitionTime: s.at,
      };
      if (c.reason) out.reason = c.reason;
      if (c.message) out.message = c.message;
      return out;
    });
  }
}

/**
 * JSON with object keys sorted and null fields left out (a merge patch stores no nulls), so statuses
 * from different writers compare equal when they mean the same.
 */
export function stableStringify(v: unknown): string {
  if (v === null || typeof v !== "object") return JSON.stringify(v) ?? "null";
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(",")}]`;
  const keys = Object.keys(v).sort();
  const parts: string[] = [];
  for (const k of keys) {
    const val = (v as Record<string, unknown>)[k];
    if (val === undefined || val === null) continue;
    parts.push(`${JSON.stringify(k)}:${stableStringify(val)}`);
  }
  return `{${parts.join(",")}}`;
}

/** The kubelet-owned part of an API pod status, shaped like `desired` for comparison. */
export function ownedProjection(
  current: Record<string, unknown> | undefined,
  desired: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(desired)) {
    const v = current?.[k];
    if (k === "conditions" && Array.isArray(v))
      out[k] = v.filter((c: { type?: string }) => kubeletConditionTypes.has(c.type ?? ""));
    else out[k] = v;
  }
  return out;
}

/** Conditions other writers put on the pod, which a kubelet status write must keep. */
export function foreignConditions(current: Record<string, unknown> | undefined): unknown[] {
  const list = current?.conditions;
  if (!Array.isArray(list)) return [];
  return list.filter((c: { type?: string }) => !kubeletConditionTypes.has(c.type ?? ""));
}

/** How a regular container stands, as getPhase counts it. */
export type ContainerStanding = "waiting" | "running" | "terminated-ok" | "terminated-failed" | "restarting";

/**
 * The pod phase from its containers (pkg/kubelet/kubelet_pods.go getPhase). `restarting` is a
 * container waiting to start again after it ran (it counts as stopped, not waiting).
 */
export function podPhase(input: {
  initialized: boolean;
  initFailed: boolean;
  terminal: boolean;
  restartPolicy: string;
  containers: ContainerStanding[];
}): Phase {
  if (input.initFailed && input.restartPolicy === "Never") return "Failed";
  if (!input.initialized && !input.terminal) return "Pending";
  let waiting = 0;
  let running = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const c of input.containers) {
    if (c === "running") running++;
    else if (c === "waiting") waiting++;
    else {
      stopped++;
      if (c === "terminated-ok") succeeded++;
    }
  }
  if (input.terminal) return stopped > 0 && stopped === succeeded ? "Succeeded" : "Failed";
  if (waiting > 0) return "Pending";
  if (running > 0) return "Running";
  if (stopped > 0) {
    if (input.restartPolicy === "Always") return "Running";
    if (stopped === succeeded) return "Succeeded";
    if (input.restartPolicy === "Never") return "Failed";
    return "Running";
  }
  return "Pending";
}
