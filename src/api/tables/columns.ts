// Column definitions shared by many printers (pkg/printers/internalversion/printers.go).
import type { TableColumnDefinition } from "./types.ts";

export function column(name: string, type: string, description: string, priority = 0): TableColumnDefinition {
  return { name, type, format: "", description, priority };
}

export const nameColumn: TableColumnDefinition = {
  name: "Name",
  type: "string",
  format: "name",
  description: "Name must be unique within a namespace.",
  priority: 0,
};

export const ageColumn = column("Age", "string", "Time since the object was created (creationTimestamp).");

export const containersColumn = column("Containers", "string", "Names of each container in the template.", 1);
export const imagesColumn = column(
  "Images",
  "string",
  "Images referenced by each container in the template.",
  1,
);
export const selectorColumn = (description: string) => column("Selector", "string", description, 1);
