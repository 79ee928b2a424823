// DaemonSets: pkg/printers/internalversion/printers.go printDaemonSet.
import { ageColumn, column, containersColumn, imagesColumn, nameColumn, selectorColumn } from "./columns.ts";
import { formatLabelSelector, formatLabels, int, layoutContainerCells, str } from "./format.ts";
import { translateTimestampSince } from "./human-duration.ts";
import type { TablePrinter } from "./types.ts";

export const daemonSetPrinter: TablePrinter = {
  columns: [
    nameColumn,
    column("Desired", "integer", "The number of nodes that should be running the daemon pod."),
    column("Current", "integer", "The number of nodes running at least one daemon pod that are supposed to."),
    column("Ready", "integer", "The number of nodes whose daemon pod is ready."),
    column("Up-to-date", "integer", "The number of nodes running the updated daemon pod."),
    column("Available", "integer", "The number of nodes whose daemon pod is available."),
    column("Node Selector", "string", "The node labels the daemon pods are restricted to."),
    ageColumn,
    containersColumn,
    imagesColumn,
    selectorColumn("Label query over the pods the daemon set manages."),
  ],
  cells(ds, now) {
    const st = ds.status ?? {};
    const podSpec = ds.spec?.template?.spec;
    const [names, images] = layoutContainerCells(podSpec?.containers);
    return [
      str(ds.metadata?.name),
      int(st.desiredNumberScheduled),
      int(st.currentNumberScheduled),
      int(st.numberReady),
      int(st.updatedNumberScheduled),
      int(st.numberAvailable),
      formatLabels(podSpec?.nodeSelector),
      translateTimestampSince(ds.metadata?.creationTimestamp, now),
      names,
      images,
      formatLabelSelector(ds.spec?.selector),
    ];
  },
};
