// IngressClasses: pkg/printers/internalversion/printers.go printIngressClass.
import { ageColumn, column, nameColumn } from "./columns.ts";
import { str } from "./format.ts";
import { translateTimestampSince } from "./human-duration.ts";
import type { TablePrinter } from "./types.ts";

/** Kind[.apiGroup]/name of the parameters reference, or "<none>". */
function parameters(p: any): string {
  if (p === undefined || p === null) return "<none>";
  const kind =
    p.apiGroup === undefined || p.apiGroup === null ? str(p.kind) : `${str(p.kind)}.${str(p.apiGroup)}`;
  return `${kind}/${str(p.name)}`;
}

export const ingressClassPrinter: TablePrinter = {
  columns: [
    nameColumn,
    column("Controller", "string", "Controller that is responsible for handling this class"),
    column("Parameters", "string", "A reference to a resource with additional parameters"),
    ageColumn,
  ],
  cells(ic, now) {
    return [
      str(ic.metadata?.name),
      str(ic.spec?.controller),
      parameters(ic.spec?.parameters),
      translateTimestampSince(ic.metadata?.creationTimestamp, now),
    ];
  },
};
