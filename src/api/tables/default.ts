// Resources without a printer of their own: Name and Age, the columns a CustomResourceDefinition
// without additionalPrinterColumns gets (apiextensions-apiserver tableconvertor, type "date").
import { nameColumn } from "./columns.ts";
import { str } from "./format.ts";
import { translateTimestampSince } from "./human-duration.ts";
import type { TablePrinter } from "./types.ts";

export const defaultPrinter: TablePrinter = {
  columns: [
    nameColumn,
    { name: "Age", type: "date", format: "", description: "Time since the object was created.", priority: 0 },
  ],
  cells(obj, now) {
    return [str(obj?.metadata?.name), translateTimestampSince(obj?.metadata?.creationTimestamp, now)];
  },
};
