// StatefulSets and ControllerRevisions: pkg/printers/internalversion/printers.go printStatefulSet
// and printControllerRevision.
import { ageColumn, column, containersColumn, imagesColumn, nameColumn } from "./columns.ts";
import { int, layoutContainerCells, str } from "./format.ts";
import { translateTimestampSince } from "./human-duration.ts";
import type { TablePrinter } from "./types.ts";

export const statefulSetPrinter: TablePrinter = {
  columns: [
    nameColumn,
    column("Ready", "string", "Number of the pod with ready state"),
    ageColumn,
    containersColumn,
    imagesColumn,
  ],
  cells(sts, now) {
    const [names, images] = layoutContainerCells(sts.spec?.template?.spec?.containers);
    return [
      str(sts.metadata?.name),
      `${int(sts.status?.readyReplicas)}/${int(sts.spec?.replicas ?? 1)}`,
      translateTimestampSince(sts.metadata?.creationTimestamp, now),
      names,
      images,
    ];
  },
};

/** "statefulset.apps/web": the controller's group kind in lower case and its name. */
function controllerName(cr: any): string {
  const ref = (cr.metadata?.ownerReferences ?? []).find((o: any) => o?.controller === true);
  if (!ref) return "<none>";
  const apiVersion = str(ref.apiVersion);
  const group = apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.indexOf("/")) : "";
  const groupKind = group ? `${str(ref.kind)}.${group}` : str(ref.kind);
  return `${groupKind.toLowerCase()}/${str(ref.name)}`;
}

export const controllerRevisionPrinter: TablePrinter = {
  columns: [
    nameColumn,
    column("Controller", "string", "Controller of the object"),
    column("Revision", "string", "Revision indicates the revision of the state represented by Data."),
    ageColumn,
  ],
  cells(cr, now) {
    return [
      str(cr.metadata?.name),
      controllerName(cr),
      int(cr.revision),
      translateTimestampSince(cr.metadata?.creationTimestamp, now),
    ];
  },
};
