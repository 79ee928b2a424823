// PodDisruptionBudgets: pkg/printers/internalversion/printers.go printPodDisruptionBudget.
import { ageColumn, column, nameColumn } from "./columns.ts";
import { int, str } from "./format.ts";
import { translateTimestampSince } from "./human-duration.ts";
import type { TablePrinter } from "./types.ts";

const intOrString = (v: unknown) => (v === undefined || v === null ? "N/A" : str(v));

export const podDisruptionBudgetPrinter: TablePrinter = {
  columns: [
    nameColumn,
    column("Min Available", "string", "The minimum number of pods that must be available."),
    column("Max Unavailable", "string", "The maximum number of pods that may be unavailable."),
    column("Allowed Disruptions", "integer", "Calculated number of pods that may be disrupted at this time."),
    ageColumn,
  ],
  cells(pdb, now) {
    return [
      str(pdb.metadata?.name),
      intOrString(pdb.spec?.minAvailable),
      intOrString(pdb.spec?.maxUnavailable),
      int(pdb.status?.disruptionsAllowed),
      translateTimestampSince(pdb.metadata?.creationTimestamp, now),
    ];
  },
};
