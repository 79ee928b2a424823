import type { KObject } from "../../apimachinery/meta.ts";
import { rfc3339 } from "../../util/clock.ts";
import {
  ConditionClock,
  podPhase,
  type ConditionInput,
  type ContainerStanding,
  type Phase,
} from "../pod-status.ts";
import { normalizeImage } from "../simulated-runtime.ts";
import type { ContainerInstance } from "./pod-state.ts";

export interface Waiting {
  reason: string;
  message?: string;
}

export interface ContainerView {
  spec: Record<string, any>;
  kind: "init" | "regular";
  /** Instances of this container, newest first. */
  instances: ContainerInstance[];
  /** Why it is not running although it should (pull errors, config errors, back-off). */
  waiting?: Waiting;
  ready: boolean;
  started: boolean;
}

export interface PodStatusInput {
  pod: KObject;
  now: Date;
  conditions: ConditionClock;
  hostIP: string;
  podIP?: string;
  startTime?: string;
  sandboxReady: boolean;
  /** The pod is over: deleted and stopped, or past its deadline. */
  terminal: boolean;
  deadlineExceeded?: boolean;
  containers: ContainerView[];
  /** The termination message a finished instance left (terminationMessagePath or its log). */
  terminationMessage(inst: ContainerInstance, spec: Record<string, any>): string;
}

const containerIdOf = (id: string) => `containerd://${id}`;

function terminated(inst: ContainerInstance, message: string): Record<string, unknown> {
  const t: Record<string, unknown> = {
    exitCode: inst.exitCode,
    reason: inst.reason || (inst.exitCode === 0 ? "Completed" : "Error"),
  };
  if (message) t.message = message;
  t.startedAt = inst.startedAt ? rfc3339(inst.startedAt) : null;
  t.finishedAt = inst.finishedAt ? rfc3339(inst.finishedAt) : null;
  t.containerID = containerIdOf(inst.id);
  return t;
}

function standing(v: ContainerView): ContainerStanding {
  const latest = v.instances[0];
  if (v.waiting) return latest?.state === "exited" ? "restarting" : "waiting";
  if (!latest) return "waiting";
  if (latest.state === "running") return "running";
  if (latest.state === "exited") return latest.exitCode === 0 ? "terminated-ok" : "terminated-failed";
  return "waiting";
}

/** The status the kubelet posts for a pod on a real node (generateAPIPodStatus). */
export function buildPodStatus(input: PodStatusInput): { status: Record<string, unknown>; phase: Phase } {
  const { pod } = input;
  const spec = (pod.spec ?? {}) as { restartPolicy?: string };
  const restartPolicy = spec.restartPolicy ?? "Always";
  const init = input.containers.filter((c) => c.kind === "init");
  const regular = input.containers.filter((c) => c.kind === "regular");
  const initDone = init.every((c) => standing(c) === "terminated-ok");
  const initFailed = init.some((c) => standing(c) === "terminated-failed");
  const terminal = input.terminal;
  let phase = podPhase({
    initialized: initDone,
    initFailed: initFailed && restartPolicy === "Never",
    terminal,
    restartPolicy,
    containers: regular.map(standing),
  });
  if (input.deadlineExceeded) phase = "Failed";
  const now = rfc3339(input.now);
  const over = phase === "Succeeded" || phase === "Failed";

  const containerStatus = (v: ContainerView) => {
    const latest = v.instances[0];
    const previous = v.instances[1];
    const msg = (i: ContainerInstance) => input.terminationMessage(i, v.spec);
    let state: Record<string, unknown>;
    let lastState: Record<string, unknown> = {};
    if (v.waiting && !(terminal && latest?.state === "exited")) {
      state = {
        waiting: v.waiting.message
          ? { reason: v.waiting.reason, message: v.waiting.message }
          : { reason: v.waiting.reason },
      };
      if (latest?.state === "exited") lastState = { terminated: terminated(latest, msg(latest)) };
      else if (previous?.state === "exited") lastState = { terminated: terminated(previous, msg(previous)) };
    } else if (latest?.state === "running") {
      state = { running: { startedAt: rfc3339(latest.startedAt ?? latest.createdAt) } };
      if (previous) lastState = { terminated: terminated(previous, msg(previous)) };
    } else if (latest?.state === "exited") {
      state = { terminated: terminated(latest, msg(latest)) };
      if (previous) lastState = { terminated: terminated(previous, msg(previous)) };
    } else if (terminal) {
      // Never ran before the pod ended (pkg/kubelet/kubelet_pods.go: reported as terminated).
      state = {
        terminated: {
          exitCode: 137,
          reason: "ContainerStatusUnknown",
          message: "The container could not be located when the pod was terminated",
          startedAt: null,
          finishedAt: null,
        },
      };
    } else {
      const reason = v.kind === "regular" && !initDone ? "PodInitializing" : "ContainerCreating";
      state = { waiting: { reason } };
      if (previous) lastState = { terminated: terminated(previous, msg(previous)) };
    }
    const s: Record<string, unknown> = {
      name: v.spec.name,
      state,
      lastState,
      ready: !over && v.ready && latest?.state === "running",
      restartCount: latest?.restartCount ?? 0,
      image:
        latest?.image && !latest.image.startsWith("sha256:")
          ? latest.image
          : normalizeImage(String(v.spec.image ?? "")),
      imageID: latest?.imageRef ?? "",
    };
    if (latest) s.containerID = containerIdOf(latest.id);
    s.started = latest?.state === "running" && v.started;
    return s;
  };

  const unready = regular
    .filter((v) => !(v.ready && v.instances[0]?.state === "running"))
    .map((v) => v.spec.name);
  const incomplete = init.filter((v) => standing(v) !== "terminated-ok").map((v) => v.spec.name);
  const readyCond = (type: string): ConditionInput =>
    over
      ? { type, status: "False", reason: "PodCompleted" }
      : unready.length
        ? {
            type,
            status: "False",
            reason: "ContainersNotReady",
            message: `containers with unready status: [${unready.join(" ")}]`,
          }
        : { type, status: "True" };
  const conditions = input.conditions.stamp(
    [
      { type: "PodReadyToStartContainers", status: input.sandboxReady && !over ? "True" : "False" },
      initDone || over
        ? { type: "Initialized", status: "True" }
        : {
            type: "Initialized",
            status: "False",
            reason: "ContainersNotInitialized",
            message: `containers with incomplete status: [${incomplete.join(" ")}]`,
          },
      readyCond("Ready"),
      readyCond("ContainersReady"),
      { type: "PodScheduled", status: "True" },
    ],
    now,
  );
  const status: Record<string, unknown> = { phase, conditions };
  if (input.deadlineExceeded) {
    status.message = "Pod was active on the node longer than the specified deadline";
    status.reason = "DeadlineExceeded";
  }
  status.hostIP = input.hostIP;
  status.hostIPs = [{ ip: input.hostIP }];
  if (input.podIP) {
    status.podIP = input.podIP;
    status.podIPs = [{ ip: input.podIP }];
  }
  if (input.startTime) status.startTime = input.startTime;
  if (init.length) status.initContainerStatuses = init.map(containerStatus);
  status.containerStatuses = regular.map(containerStatus);
  return { status, phase };
}
