// Roles and bindings: pkg/printers/internalversion/printers.go printRole, printClusterRole,
// printRoleBinding and printClusterRoleBinding.
import { ageColumn, column, nameColumn } from "./columns.ts";
import { str } from "./format.ts";
import { translateTimestampSince } from "./human-duration.ts";
import type { TablePrinter } from "./types.ts";

const createdAt = column("Created At", "date", "Time when this object was created.");

export const rolePrinter: TablePrinter = {
  columns: [nameColumn, createdAt],
  cells(role) {
    return [str(role.metadata?.name), str(role.metadata?.creationTimestamp)];
  },
};

interface Subject {
  kind?: string;
  name?: string;
  namespace?: string;
}

function subjectsOf(binding: { subjects?: Subject[] }) {
  const users: string[] = [];
  const groups: string[] = [];
  const sas: string[] = [];
  for (const s of binding.subjects ?? []) {
    if (s.kind === "User") users.push(str(s.name));
    else if (s.kind === "Group") groups.push(str(s.name));
    else if (s.kind === "ServiceAccount") sas.push(`${str(s.namespace)}/${str(s.name)}`);
  }
  return [users.join(", "), groups.join(", "), sas.join(", ")];
}

export const roleBindingPrinter: TablePrinter = {
  columns: [
    nameColumn,
    column("Role", "string", "Role of the binding."),
    ageColumn,
    column("Users", "string", "Users in the binding.", 1),
    column("Groups", "string", "Groups in the binding.", 1),
    column("ServiceAccounts", "string", "ServiceAccounts in the binding.", 1),
  ],
  cells(binding, now) {
    return [
      str(binding.metadata?.name),
      `${str(binding.roleRef?.kind)}/${str(binding.roleRef?.name)}`,
      translateTimestampSince(binding.metadata?.creationTimestamp, now),
      ...subjectsOf(binding),
    ];
  },
};
