// ResourceQuotas and LimitRanges: printers.go printResourceQuota and printLimitRange.
import { ageColumn, column, nameColumn } from "./columns.ts";
import { str } from "./format.ts";
import { translateTimestampSince } from "./human-duration.ts";
import type { TablePrinter } from "./types.ts";

export const resourceQuotaPrinter: TablePrinter = {
  columns: [
    nameColumn,
    ageColumn,
    column(
      "Request",
      "string",
      "Request represents a minimum amount of cpu/memory that a container may consume.",
    ),
    column(
      "Limit",
      "string",
      "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.",
    ),
  ],
  cells(q, now) {
    const hard: Record<string, string> = q.status?.hard ?? {};
    const used: Record<string, string> = q.status?.used ?? {};
    const requests: string[] = [];
    const limits: string[] = [];
    for (const r of Object.keys(hard).sort()) {
      const cell = `${r}: ${str(used[r] ?? "0")}/${str(hard[r])}`;
      (r.split(".").length > 1 && r.split(".")[0] === "limits" ? limits : requests).push(cell);
    }
    return [
      str(q.metadata?.name),
      translateTimestampSince(q.metadata?.creationTimestamp, now),
      requests.join(", "),
      limits.join(", "),
    ];
  },
};

export const limitRangePrinter: TablePrinter = {
  columns: [
    nameColumn,
    {
      name: "Created At",
      type: "date",
      format: "",
      description: "Time when the object was created.",
      priority: 0,
    },
  ],
  cells: (lr) => [str(lr.metadata?.name), lr.metadata?.creationTimestamp ?? null],
};
