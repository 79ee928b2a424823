// What cel-go's checker reports most for CRD rules, done on the parsed expression: a field of
// `self` (or `oldSelf`) that the rule's schema does not declare (`undefined field 'x'`), at the
// select's position and with cel-go's source snippet. Values the schema leaves open (maps,
// preserve-unknown-fields, embedded resources, comprehension variables) are not checked.
import { parse } from "@bufbuild/cel";
import type { CelSchema } from "./cel-validation.ts";

// The parsed expression, as far as the walk needs it (cel.expr.Expr).
interface Expr {
  id: bigint;
  exprKind: { case: string | undefined; value?: any };
}

const OPEN = Symbol("open");
type Resolved = CelSchema | typeof OPEN;

function isClosed(s: CelSchema & Record<string, unknown>): boolean {
  return (
    !!s.properties &&
    s.additionalProperties === undefined &&
    !s["x-kubernetes-preserve-unknown-fields"] &&
    !s["x-kubernetes-embedded-resource"]
  );
}

/** cel-go's error text for the first undefined field, or undefined when there is none. */
export function undefinedFieldError(rule: string, schema: CelSchema, root: boolean): string | undefined {
  let parsed: { expr?: Expr; sourceInfo?: { positions: Record<string, number> } };
  try {
    parsed = parse(rule) as never;
  } catch {
    return undefined;
  }
  const positions = parsed.sourceInfo?.positions ?? {};
  let found: { offset: number; field: string } | undefined;
  const fieldsOf = (s: CelSchema) => {
    const props = { ...(s.properties ?? {}) } as Record<string, CelSchema>;
    // At a CRD's root, self is the whole object: apiVersion, kind and metadata are there too.
    if (root && s === schema) for (const k of ["apiVersion", "kind", "metadata"]) props[k] ??= {};
    return props;
  };
  const resolve = (e: Expr | undefined): Resolved => {
    if (!e) return OPEN;
    const v = e.exprKind.value;
    switch (e.exprKind.case) {
      case "identExpr":
        return v.name === "self" || v.name === "oldSelf" ? schema : OPEN;
      case "selectExpr": {
        const base = resolve(v.operand);
        if (base === OPEN) return OPEN;
        const s = base as CelSchema & Record<string, unknown>;
        if (isClosed(s) || (root && s === schema && s.properties)) {
          const props = fieldsOf(s);
          if (!(v.field in props)) {
            found ??= { offset: positions[String(e.id)] ?? 0, field: v.field };
            return OPEN;
          }
          return props[v.field];
        }
        if (typeof s.additionalProperties === "object") return s.additionalProperties;
        return OPEN;
      }
      case "callExpr":
        resolve(v.target);
        for (const a of v.args ?? []) resolve(a);
        return OPEN;
      case "listExpr":
        for (const a of v.elements ?? []) resolve(a);
        return OPEN;
      case "structExpr":
        for (const en of v.entries ?? []) {
          if (en.keyKind?.case === "mapKey") resolve(en.keyKind.value);
          resolve(en.value);
        }
        return OPEN;
      case "comprehensionExpr":
        for (const part of [v.iterRange, v.accuInit, v.loopCondition, v.loopStep, v.result]) resolve(part);
        return OPEN;
      default:
        return OPEN;
    }
  };
  resolve(parsed.expr);
  if (!found) return undefined;
  const before = rule.slice(0, found.offset);
  const line = before.split("\n").length;
  const column = found.offset - (before.lastIndexOf("\n") + 1);
  const text = rule.split("\n")[line - 1] ?? "";
  return `<input>:${line}:${column + 1}: undefined field '${found.field}'\n | ${text}\n | ${".".repeat(column)}^`;
}
