// ReplicationControllers: pkg/printers/internalversion/printers.go printReplicationController.
import { ageColumn, column, containersColumn, imagesColumn, nameColumn, selectorColumn } from "./columns.ts";
import { formatLabels, int, layoutContainerCells, str } from "./format.ts";
import { translateTimestampSince } from "./human-duration.ts";
import type { TablePrinter } from "./types.ts";

export const replicationControllerPrinter: TablePrinter = {
  columns: [
    nameColumn,
    column("Desired", "integer", "The number of replicas wanted."),
    column("Current", "integer", "The most recently observed number of replicas."),
    column("Ready", "integer", "The number of ready replicas."),
    ageColumn,
    containersColumn,
    imagesColumn,
    selectorColumn("Label query over pods that should match the replicas count."),
  ],
  cells(rc, now) {
    const [names, images] = layoutContainerCells(rc.spec?.template?.spec?.containers);
    return [
      str(rc.metadata?.name),
      // SetDefaults_ReplicationController: replicas defaults to 1.
      int(rc.spec?.replicas ?? 1),
      int(rc.status?.replicas),
      int(rc.status?.readyReplicas),
      translateTimestampSince(rc.metadata?.creationTimestamp, now),
      names,
      images,
      formatLabels(rc.spec?.selector),
    ];
  },
};
