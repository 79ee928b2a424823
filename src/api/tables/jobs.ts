// Jobs: pkg/printers/internalversion/printers.go printJob (STATUS since 1.30, COMPLETIONS, DURATION).
import { ageColumn, column, containersColumn, imagesColumn, nameColumn, selectorColumn } from "./columns.ts";
import { formatLabelSelector, int, layoutContainerCells, str } from "./format.ts";
import { humanDuration, parseTimestamp, translateTimestampSince } from "./human-duration.ts";
import type { TablePrinter } from "./types.ts";

// hasJobCondition: the first condition of the type decides.
function hasCondition(job: any, type: string): boolean {
  const c = ((job.status?.conditions ?? []) as any[]).find((x) => x?.type === type);
  return c?.status === "True";
}

function jobStatus(job: any): string {
  if (hasCondition(job, "Complete")) return "Complete";
  if (hasCondition(job, "Failed")) return "Failed";
  if (job.metadata?.deletionTimestamp) return "Terminating";
  if (hasCondition(job, "Suspended")) return "Suspended";
  if (hasCondition(job, "FailureTarget")) return "FailureTarget";
  return "Running";
}

function completions(job: any): string {
  const succeeded = int(job.status?.succeeded);
  const c = job.spec?.completions;
  if (c !== undefined && c !== null) return `${succeeded}/${int(c)}`;
  const parallelism = int(job.spec?.parallelism);
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function jobDuration(job: any, now: Date): string {
  const start = parseTimestamp(job.status?.startTime);
  if (start === undefined) return "";
  const end = parseTimestamp(job.status?.completionTime);
  return humanDuration((end ?? now.getTime()) - start);
}

export const jobPrinter: TablePrinter = {
  columns: [
    nameColumn,
    column("Status", "string", "Status of the job."),
    column("Completions", "string", "The number of pods which reached phase Succeeded."),
    column("Duration", "string", "Time required to complete the job."),
    ageColumn,
    containersColumn,
    imagesColumn,
    selectorColumn("A label query over pods that should match the pod count."),
  ],
  cells(job, now) {
    const [names, images] = layoutContainerCells(job.spec?.template?.spec?.containers);
    return [
      str(job.metadata?.name),
      jobStatus(job),
      completions(job),
      jobDuration(job, now),
      translateTimestampSince(job.metadata?.creationTimestamp, now),
      names,
      images,
      formatLabelSelector(job.spec?.selector),
    ];
  },
};
