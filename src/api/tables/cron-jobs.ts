// CronJobs: pkg/printers/internalversion/printers.go printCronJob (TIMEZONE since 1.27).
import { ageColumn, column, containersColumn, imagesColumn, nameColumn, selectorColumn } from "./columns.ts";
import { formatLabelSelector, layoutContainerCells, printBoolPtr, str } from "./format.ts";
import { translateTimestampSince } from "./human-duration.ts";
import type { TablePrinter } from "./types.ts";

export const cronJobPrinter: TablePrinter = {
  columns: [
    nameColumn,
    column("Schedule", "string", "The schedule in Cron format."),
    column("Timezone", "string", "The time zone the schedule is interpreted in."),
    column("Suspend", "boolean", "Whether subsequent executions are suspended."),
    column("Active", "integer", "The number of currently running jobs."),
    column("Last Schedule", "string", "When the job was last successfully scheduled."),
    ageColumn,
    containersColumn,
    imagesColumn,
    selectorColumn("A label query over pods that should match the pod count."),
  ],
  cells(cj, now) {
    const jobSpec = cj.spec?.jobTemplate?.spec;
    const [names, images] = layoutContainerCells(jobSpec?.template?.spec?.containers);
    const last = cj.status?.lastScheduleTime;
    const tz = cj.spec?.timeZone;
    return [
      str(cj.metadata?.name),
      str(cj.spec?.schedule),
      tz === undefined || tz === null ? "<none>" : str(tz),
      printBoolPtr(cj.spec?.suspend),
      (cj.status?.active ?? []).length,
      last === undefined || last === null ? "<none>" : translateTimestampSince(last, now),
      translateTimestampSince(cj.metadata?.creationTimestamp, now),
      names,
      images,
      formatLabelSelector(jobSpec?.selector),
    ];
  },
};
