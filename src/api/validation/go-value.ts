// Upstream prints non-scalar bad values with Go's %#v (e.g. `map[string]string{"app":"x"}`)
// and time values with their String() method. A GoValue carries that text so the Status
// message can show it verbatim; field-error.ts needs to print `goString` unquoted (see report).

export class GoValue {
  readonly goString: string;
  constructor(goString: string) {
    this.goString = goString;
  }
  toJSON(): string {
    return this.goString;
  }
  toString(): string {
    return this.goString;
  }
}

function goQuote(s: string): string {
  return JSON.stringify(s);
}

function stringMap(m: Record<string, string> | undefined | null): string {
  if (m === undefined || m === null) return "map[string]string(nil)";
  // fmt prints map keys sorted
  const keys = Object.keys(m).sort();
  return `map[string]string{${keys.map((k) => `${goQuote(k)}:${goQuote(String(m[k]))}`).join(", ")}}`;
}

/** %#v of a map[string]string. */
export function goStringMap(m: Record<string, string> | undefined | null): GoValue {
  return new GoValue(stringMap(m));
}

function stringSlice(values: string[] | undefined | null): string {
  if (!values) return "[]string(nil)";
  return `[]string{${values.map(goQuote).join(", ")}}`;
}

/** %#v of a []string. */
export function goStringSlice(values: string[] | undefined | null): GoValue {
  return new GoValue(stringSlice(values));
}

/** %#v of a (dereferenced) metav1.LabelSelector. */
export function goLabelSelector(sel: any): GoValue {
  if (!sel) return new GoValue("<nil>");
  const exprs: any[] | undefined = sel.matchExpressions;
  const exprText = exprs
    ? `[]v1.LabelSelectorRequirement{${exprs
        .map(
          (e) =>
            `v1.LabelSelectorRequirement{Key:${goQuote(String(e?.key ?? ""))}, Operator:${goQuote(String(e?.operator ?? ""))}, Values:${stringSlice(e?.values)}}`,
        )
        .join(", ")}}`
    : "[]v1.LabelSelectorRequirement(nil)";
  return new GoValue(
    `v1.LabelSelector{MatchLabels:${stringMap(sel.matchLabels)}, MatchExpressions:${exprText}}`,
  );
}

/** time.Time.String() of an RFC 3339 timestamp, as metav1.Time prints in messages. */
export function goTime(ts: string | undefined | null): GoValue {
  if (!ts) return new GoValue("0001-01-01 00:00:00 +0000 UTC");
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return new GoValue(ts);
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return new GoValue(
    `${p(d.getUTCFullYear(), 4)}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000 UTC`,
  );
}

/** A best-effort %#v for structured values upstream prints whole (e.g. a pod template). */
export function goStruct(typeName: string, value: unknown): GoValue {
  return new GoValue(`${typeName}${JSON.stringify(value ?? null)}`);
}
