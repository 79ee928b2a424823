// A custom resource's table from its CRD's additionalPrinterColumns (apiextensions-apiserver's
// tableconvertor): Name, then each column's JSONPath value, a date column shown as an age.
import { nameColumn } from "./columns.ts";
import { translateTimestampSince } from "./human-duration.ts";
import type { TablePrinter } from "./types.ts";

export interface PrinterColumnSpec {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath: string;
}

type Step = { field: string } | { index: number } | { all: true } | { filter: string; value: string };

/** The subset of kubectl's JSONPath printer columns use: .a.b, [0], [*] and [?(@.k=="v")]. */
export function parseJsonPath(path: string): Step[] | undefined {
  const steps: Step[] = [];
  const re =
    /\.([A-Za-z0-9_-]+)|\[(\d+)\]|\[\*\]|\[\?\(@\.([A-Za-z0-9_.-]+)\s*==\s*["']([^"']*)["']\)\]|\['([^']+)'\]/gy;
  let m: RegExpExecArray | null;
  const p = path.replace(/^\{(.*)\}$/, "$1");
  while (re.lastIndex < p.length && (m = re.exec(p))) {
    if (m[1] !== undefined) steps.push({ field: m[1] });
    else if (m[2] !== undefined) steps.push({ index: Number(m[2]) });
    else if (m[3] !== undefined) steps.push({ filter: m[3], value: m[4]! });
    else if (m[5] !== undefined) steps.push({ field: m[5] });
    else steps.push({ all: true });
  }
  return re.lastIndex === p.length || p.length === 0 ? steps : undefined;
}

function dig(obj: unknown, path: string): unknown {
  return path
    .split(".")
    .reduce<unknown>(
      (o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined),
      obj,
    );
}

export function evalJsonPath(obj: unknown, steps: Step[]): unknown[] {
  let cur: unknown[] = [obj];
  for (const s of steps) {
    const next: unknown[] = [];
    for (const v of cur) {
      if ("field" in s) {
        if (v && typeof v === "object" && !Array.isArray(v) && s.field in v)
          next.push((v as Record<string, unknown>)[s.field]);
      } else if ("index" in s) {
        if (Array.isArray(v) && s.index < v.length) next.push(v[s.index]);
      } else if ("all" in s) {
        if (Array.isArray(v)) next.push(...v);
        else if (v && typeof v === "object") next.push(...Object.values(v));
      } else if (Array.isArray(v)) next.push(...v.filter((item) => String(dig(item, s.filter)) === s.value));
    }
    cur = next;
  }
  return cur;
}

export function customColumnsPrinter(columns: PrinterColumnSpec[]): TablePrinter {
  const parsed = columns.map((c) => parseJsonPath(c.jsonPath) ?? []);
  return {
    columns: [
      nameColumn,
      ...columns.map((c) => ({
        name: c.name,
        type: c.type,
        format: c.format ?? "",
        description: c.description ?? "",
        priority: c.priority ?? 0,
      })),
    ],
    cells(obj, now) {
      return [
        obj?.metadata?.name ?? "",
        ...columns.map((c, i) => {
          const values = evalJsonPath(obj, parsed[i]!);
          if (!values.length) return null;
          const v = values.length === 1 ? values[0] : values;
          if (c.type === "date" && typeof v === "string") return translateTimestampSince(v, now);
          if (typeof v === "object" && v !== null) return JSON.stringify(v);
          return v;
        }),
      ];
    },
  };
}
