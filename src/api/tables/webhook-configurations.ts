// Mutating and validating webhook configurations: NAME, WEBHOOKS (their count) and AGE, as
// upstream's printers show them.
import { ageColumn, column, nameColumn } from "./columns.ts";
import { str } from "./format.ts";
import { translateTimestampSince } from "./human-duration.ts";
import type { TablePrinter } from "./types.ts";

export const webhookConfigurationPrinter: TablePrinter = {
  columns: [
    nameColumn,
    { ...column("Webhooks", "integer", "Webhooks indicates the number of webhooks in this configuration.") },
    ageColumn,
  ],
  cells(obj, now) {
    return [
      str(obj?.metadata?.name),
      Array.isArray(obj?.webhooks) ? obj.webhooks.length : 0,
      translateTimestampSince(obj?.metadata?.creationTimestamp, now),
    ];
  },
};
