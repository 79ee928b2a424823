import type { KObject } from "../apimachinery/meta.ts";

// Annotations that make a Node simulated and steer the simulated lifecycle of its pods.
export const SIMULATED = "skiff.dev/simulated";
export const SIMULATED_IP = "skiff.dev/simulated-ip";
export const SIMULATED_STATE = "skiff.dev/simulated-state";
export const SIMULATED_DURATION = "skiff.dev/simulated-duration";
export const SIMULATED_EXIT_CODE = "skiff.dev/simulated-exit-code";
export const SIMULATED_READY = "skiff.dev/simulated-ready";

function annotation(obj: KObject | undefined, key: string): string | undefined {
  return obj?.metadata?.annotations?.[key];
}

export function isSimulatedNode(node: KObject | undefined): boolean {
  return annotation(node, SIMULATED) === "true";
}

/** A node annotated "down" behaves as one that lost its network: no heartbeats, no status writes. */
export function isNodeDown(node: KObject | undefined): boolean {
  return annotation(node, SIMULATED_STATE) === "down";
}

export function simulatedIp(node: KObject | undefined): string | undefined {
  return annotation(node, SIMULATED_IP) || undefined;
}

/** How long a pod's containers run: the annotation, else forever for Always and 1s otherwise. */
export function simulatedDurationMs(pod: KObject): number | undefined {
  const raw = annotation(pod, SIMULATED_DURATION);
  if (raw !== undefined) {
    const ms = parseGoDuration(raw);
    if (ms !== undefined) return ms;
  }
  const policy = (pod.spec as { restartPolicy?: string } | undefined)?.restartPolicy ?? "Always";
  return policy === "Always" ? undefined : 1000;
}

export function simulatedExitCode(pod: KObject): number {
  const n = Number(annotation(pod, SIMULATED_EXIT_CODE) ?? 0);
  return Number.isInteger(n) && n >= 0 && n <= 255 ? n : 1;
}

export function simulatedReady(pod: KObject): boolean {
  return annotation(pod, SIMULATED_READY) !== "false";
}

const units: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Go's time.ParseDuration ("1.5s", "2m30s", "300ms"), in milliseconds; undefined when invalid. */
export function parseGoDuration(s: string): number | undefined {
  let rest = s.trim();
  let sign = 1;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    if (rest[0] === "-") sign = -1;
    rest = rest.slice(1);
  }
  if (rest === "0") return 0;
  if (!rest) return undefined;
  let total = 0;
  const re = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;
  while (rest) {
    const m = re.exec(rest);
    if (!m) return undefined;
    total += Number(m[1]) * units[m[2]];
    rest = rest.slice(m[0].length);
  }
  return sign * total;
}
