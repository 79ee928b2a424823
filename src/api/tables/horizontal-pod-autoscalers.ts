// HorizontalPodAutoscalers: printers.go printHorizontalPodAutoscaler and formatHPAMetrics.
import { ageColumn, column, nameColumn } from "./columns.ts";
import { int, str } from "./format.ts";
import { translateTimestampSince } from "./human-duration.ts";
import type { TablePrinter } from "./types.ts";

type Obj = Record<string, any>;

/** "cpu: 40%/50%", one per metric (at most two, then "+N more..."), current first. */
export function formatHpaMetrics(specs: Obj[] | undefined, statuses: Obj[] | undefined): string {
  const list = specs ?? [];
  if (!list.length) return "<none>";
  const parts: string[] = [];
  const max = 2;
  for (const [i, spec] of list.entries()) {
    if (i >= max) break;
    const status = statuses?.[i];
    if (spec.type === "Resource" || spec.type === "ContainerResource") {
      const key = spec.type === "Resource" ? "resource" : "containerResource";
      const target = spec[key]?.target ?? {};
      const current = status?.[key]?.current ?? {};
      const name = str(spec[key]?.name);
      if (target.type === "AverageValue" || target.averageValue !== undefined) {
        const cur = current.averageValue !== undefined ? str(current.averageValue) : "<unknown>";
        parts.push(`${name}: ${cur}/${str(target.averageValue)}`);
      } else {
        const cur =
          typeof current.averageUtilization === "number" ? `${current.averageUtilization}%` : "<unknown>";
        parts.push(`${name}: ${cur}/${int(target.averageUtilization)}%`);
      }
    } else {
      const key = { Pods: "pods", Object: "object", External: "external" }[spec.type as string] ?? "";
      const target = spec[key]?.target ?? {};
      const current = status?.[key]?.current ?? {};
      const cur = current.averageValue ?? current.value;
      const want = target.averageValue ?? target.value;
      parts.push(
        `${str(spec[key]?.metric?.name)}: ${cur !== undefined ? str(cur) : "<unknown>"}/${str(want)}${target.averageValue !== undefined && spec.type !== "Pods" ? " (avg)" : ""}`,
      );
    }
  }
  let out = parts.join(", ");
  if (list.length > max) out += ` + ${list.length - max} more...`;
  return out;
}

export const horizontalPodAutoscalerPrinter: TablePrinter = {
  columns: [
    nameColumn,
    column(
      "Reference",
      "string",
      "reference to scaled resource; horizontal pod autoscaler will learn the current resource consumption and will set the desired number of pods by using its Scale subresource.",
    ),
    column(
      "Targets",
      "string",
      "metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used).",
    ),
    column(
      "MinPods",
      "string",
      "minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.",
    ),
    column(
      "MaxPods",
      "integer",
      "maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up.",
    ),
    column(
      "Replicas",
      "integer",
      "currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler.",
    ),
    ageColumn,
  ],
  cells(hpa, now) {
    const ref = hpa.spec?.scaleTargetRef ?? {};
    return [
      str(hpa.metadata?.name),
      `${str(ref.kind)}/${str(ref.name)}`,
      formatHpaMetrics(hpa.spec?.metrics, hpa.status?.currentMetrics),
      hpa.spec?.minReplicas !== undefined ? String(hpa.spec.minReplicas) : "<unset>",
      int(hpa.spec?.maxReplicas),
      int(hpa.status?.currentReplicas),
      translateTimestampSince(hpa.metadata?.creationTimestamp, now),
    ];
  },
};
