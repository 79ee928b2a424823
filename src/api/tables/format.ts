// Value formatting shared by printers: labels, label selectors, containers and booleans,
// as k8s.io/apimachinery labels.FormatLabels / metav1.FormatLabelSelector and printers.go print them.

/** labels.Set.String with "<none>" for an empty set: keys sorted, "k=v" joined by commas. */
export function formatLabels(labels: Record<string, string> | undefined | null): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) return "<none>";
  return keys.map((k) => `${k}=${labels![k]}`).join(",");
}

interface Requirement {
  key: string;
  op: "=" | "in" | "notin" | "exists" | "!";
  values: string[];
}

/**
 * metav1.LabelSelectorAsSelector(...).String(): "" for a nil or empty selector, undefined when the
 * selector is invalid. Requirements are sorted by key and in/notin values sorted.
 */
export function labelSelectorString(selector: any): string | undefined {
  if (selector === undefined || selector === null) return "";
  const reqs: Requirement[] = [];
  for (const [key, value] of Object.entries((selector.matchLabels ?? {}) as Record<string, string>)) {
    reqs.push({ key, op: "=", values: [String(value)] });
  }
  for (const expr of (selector.matchExpressions ?? []) as any[]) {
    const values: string[] = Array.isArray(expr?.values) ? expr.values.map(String) : [];
    switch (expr?.operator) {
      case "In":
      case "NotIn":
        if (values.length === 0) return undefined;
        reqs.push({ key: expr.key, op: expr.operator === "In" ? "in" : "notin", values });
        break;
      case "Exists":
      case "DoesNotExist":
        if (values.length !== 0) return undefined;
        reqs.push({ key: expr.key, op: expr.operator === "Exists" ? "exists" : "!", values });
        break;
      default:
        return undefined;
    }
  }
  reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return reqs.map(requirementString).join(",");
}

function requirementString(r: Requirement): string {
  switch (r.op) {
    case "=":
      return `${r.key}=${r.values[0]}`;
    case "exists":
      return r.key;
    case "!":
      return `!${r.key}`;
    default:
      return `${r.key} ${r.op} (${[...r.values].sort().join(",")})`;
  }
}

/** metav1.FormatLabelSelector: "<none>" when it selects nothing or everything, "<error>" when invalid. */
export function formatLabelSelector(selector: any): string {
  const s = labelSelectorString(selector);
  if (s === undefined) return "<error>";
  return s === "" ? "<none>" : s;
}

/** printers.go layoutContainerCells: container names and images, each joined by commas. */
export function layoutContainerCells(containers: any[] | undefined | null): [string, string] {
  const list = containers ?? [];
  return [list.map((c) => c?.name ?? "").join(","), list.map((c) => c?.image ?? "").join(",")];
}

/** printers.go printBoolPtr. */
export function printBoolPtr(value: unknown): string {
  if (value === undefined || value === null) return "<unset>";
  return value ? "True" : "False";
}

/** A Go int32/int64 field read from JSON, 0 when absent. */
export function int(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? Math.trunc(value) : 0;
}

/** A Go string field read from JSON, "" when absent. */
export function str(value: unknown): string {
  return typeof value === "string" ? value : value === undefined || value === null ? "" : String(value);
}
