// ServiceAccounts: pkg/printers/internalversion/printers.go printServiceAccount.
import { ageColumn, column, nameColumn } from "./columns.ts";
import { str } from "./format.ts";
import { translateTimestampSince } from "./human-duration.ts";
import type { TablePrinter } from "./types.ts";

export const serviceAccountPrinter: TablePrinter = {
  columns: [
    nameColumn,
    column("Secrets", "string", "The number of secrets listed in the service account."),
    ageColumn,
  ],
  cells(sa, now) {
    return [
      str(sa.metadata?.name),
      (sa.secrets ?? []).length,
      translateTimestampSince(sa.metadata?.creationTimestamp, now),
    ];
  },
};
