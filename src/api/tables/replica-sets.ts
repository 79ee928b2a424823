// ReplicaSets: pkg/printers/internalversion/printers.go printReplicaSet.
import { ageColumn, column, containersColumn, imagesColumn, nameColumn, selectorColumn } from "./columns.ts";
import { formatLabelSelector, int, layoutContainerCells, str } from "./format.ts";
import { translateTimestampSince } from "./human-duration.ts";
import type { TablePrinter } from "./types.ts";

export const replicaSetPrinter: TablePrinter = {
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
  cells(rs, now) {
    const [names, images] = layoutContainerCells(rs.spec?.template?.spec?.containers);
    return [
      str(rs.metadata?.name),
      int(rs.spec?.replicas ?? 1),
      int(rs.status?.replicas),
      int(rs.status?.readyReplicas),
      translateTimestampSince(rs.metadata?.creationTimestamp, now),
      names,
      images,
      formatLabelSelector(rs.spec?.selector),
    ];
  },
};
