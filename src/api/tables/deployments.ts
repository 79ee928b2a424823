// Deployments: pkg/printers/internalversion/printers.go printDeployment.
import { ageColumn, column, containersColumn, imagesColumn, nameColumn, selectorColumn } from "./columns.ts";
import { int, labelSelectorString, layoutContainerCells, str } from "./format.ts";
import { translateTimestampSince } from "./human-duration.ts";
import type { TablePrinter } from "./types.ts";

export const deploymentPrinter: TablePrinter = {
  columns: [
    nameColumn,
    column("Ready", "string", "Number of the pod with ready state"),
    column("Up-to-date", "string", "Total number of pods with the desired template."),
    column("Available", "string", "Total number of pods available for at least minReadySeconds."),
    ageColumn,
    containersColumn,
    imagesColumn,
    selectorColumn("Label selector for pods."),
  ],
  cells(d, now) {
    const [names, images] = layoutContainerCells(d.spec?.template?.spec?.containers);
    // Unlike other printers this uses the selector's String(): "" rather than "<none>" when empty.
    const selector = labelSelectorString(d.spec?.selector);
    return [
      str(d.metadata?.name),
      `${int(d.status?.readyReplicas)}/${int(d.spec?.replicas ?? 1)}`,
      int(d.status?.updatedReplicas),
      int(d.status?.availableReplicas),
      translateTimestampSince(d.metadata?.creationTimestamp, now),
      names,
      images,
      selector ?? "<invalid>",
    ];
  },
};
