// Secrets: pkg/printers/internalversion/printers.go printSecret.
import { ageColumn, column, nameColumn } from "./columns.ts";
import { str } from "./format.ts";
import { translateTimestampSince } from "./human-duration.ts";
import type { TablePrinter } from "./types.ts";

export const secretPrinter: TablePrinter = {
  columns: [
    nameColumn,
    column("Type", "string", "Used to facilitate programmatic handling of secret data."),
    column("Data", "string", "The number of data keys."),
    ageColumn,
  ],
  cells(secret, now) {
    return [
      str(secret.metadata?.name),
      // SetDefaults_Secret: an unset type is Opaque.
      str(secret.type) || "Opaque",
      Object.keys(secret.data ?? {}).length,
      translateTimestampSince(secret.metadata?.creationTimestamp, now),
    ];
  },
};
