// Leases: pkg/printers/internalversion/printers.go printLease.
import { ageColumn, column, nameColumn } from "./columns.ts";
import { str } from "./format.ts";
import { translateTimestampSince } from "./human-duration.ts";
import type { TablePrinter } from "./types.ts";

export const leasePrinter: TablePrinter = {
  columns: [nameColumn, column("Holder", "string", "The identity of the holder of the lease."), ageColumn],
  cells(lease, now) {
    return [
      str(lease.metadata?.name),
      str(lease.spec?.holderIdentity),
      translateTimestampSince(lease.metadata?.creationTimestamp, now),
    ];
  },
};
