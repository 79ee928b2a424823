// x-kubernetes-validations: CEL rules on a CRD's schema, evaluated as apiextensions-apiserver's
// cel validator does (staging/src/k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel):
// `self` is the value at the rule's node, `oldSelf` the same value before an update (a rule
// that uses it is a transition rule, skipped on create and for new values), integers are CEL
// ints, objects and maps CEL maps. A false rule is a field error with its message (or
// messageExpression, or "failed rule: RULE"), its reason and fieldPath. Rules that do not compile
// are refused when the CRD is written.
import { isCelError, parse, plan, type CelValue } from "@bufbuild/cel";
import { kubernetesCelEnv } from "../cel/index.ts";
import { undefinedFieldError } from "./cel-fields.ts";
import { forbidden, invalid, required, duplicate, type FieldError } from "../../apimachinery/field-error.ts";

type Json = unknown;

export interface ValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  reason?: string;
  fieldPath?: string;
  optionalOldSelf?: boolean;
}

export interface CelSchema {
  type?: string;
  properties?: Record<string, CelSchema>;
  additionalProperties?: CelSchema | boolean;
  items?: CelSchema;
  "x-kubernetes-validations"?: ValidationRule[];
  "x-kubernetes-int-or-string"?: boolean;
}

type Program = (ctx: { self: unknown; oldSelf?: unknown }) => unknown;

const env = kubernetesCelEnv;
const programs = new Map<string, Program | Error>();

/** The compiled rule, or the compiler's error (cached per expression text). */
function compile(expr: string): Program | Error {
  let p = programs.get(expr);
  if (!p) {
    try {
      p = plan(env, parse(expr)) as unknown as Program;
    } catch (e) {
      p = e instanceof Error ? e : new Error(String(e));
    }
    programs.set(expr, p);
  }
  return p;
}

/** The compiler's message for an expression that does not compile, else undefined. */
export function celCompileError(expr: string): string | undefined {
  const c = compile(expr);
  return c instanceof Error ? c.message : undefined;
}

const usesOldSelf = (rule: string) => /\boldSelf\b/.test(rule);
const isObject = (v: Json): v is Record<string, Json> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** The value as CEL sees it under the schema: integers as ints, objects as maps. */
function toCel(v: Json, schema: CelSchema | undefined): unknown {
  if (typeof v === "number") {
    const integer =
      schema?.type === "integer" ||
      schema?.["x-kubernetes-int-or-string"] ||
      (!schema?.type && Number.isInteger(v));
    return integer && Number.isInteger(v) ? BigInt(v) : v;
  }
  if (Array.isArray(v)) return v.map((x) => toCel(x, schema?.items));
  if (isObject(v)) {
    const m = new Map<string, unknown>();
    for (const [k, x] of Object.entries(v)) {
      const sub =
        schema?.properties?.[k] ??
        (typeof schema?.additionalProperties === "object" ? schema.additionalProperties : undefined);
      m.set(k, toCel(x, sub));
    }
    return m;
  }
  return v;
}

function ruleText(r: ValidationRule): string {
  return `apiextensions.ValidationRule{Rule:${JSON.stringify(r.rule)}, Message:${JSON.stringify(r.message ?? "")}, MessageExpression:${JSON.stringify(r.messageExpression ?? "")}, Reason:(*apiextensions.FieldValueErrorReason)(nil), FieldPath:${JSON.stringify(r.fieldPath ?? "")}, OptionalOldSelf:(*bool)(nil)}`;
}

/** Compile errors of every rule in the schema, at the CRD field that holds it. */
export function celCompileErrors(schema: CelSchema, path: string, root = true): FieldError[] {
  const errs: FieldError[] = [];
  (schema["x-kubernetes-validations"] ?? []).forEach((r, i) => {
    const p = `${path}.x-kubernetes-validations[${i}]`;
    if (!r.rule) {
      errs.push(required(`${p}.rule`, ""));
      return;
    }
    const c = compile(r.rule);
    const typeError = c instanceof Error ? undefined : undefinedFieldError(r.rule, schema, root);
    if (c instanceof Error || typeError)
      errs.push(
        invalid(
          `${p}.rule`,
          { goString: ruleText(r) },
          `compilation failed: ERROR: ${c instanceof Error ? c.message : typeError}`,
        ),
      );
    if (r.messageExpression) {
      const m = compile(r.messageExpression);
      if (m instanceof Error)
        errs.push(
          invalid(
            `${p}.messageExpression`,
            { goString: ruleText(r) },
            `messageExpression compilation failed: ERROR: ${m.message}`,
          ),
        );
    }
    if (
      r.reason &&
      !["FieldValueInvalid", "FieldValueForbidden", "FieldValueRequired", "FieldValueDuplicate"].includes(
        r.reason,
      )
    )
      errs.push(
        invalid(
          `${p}.reason`,
          r.reason,
          'must be one of "FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"',
        ),
      );
  });
  for (const [k, sub] of Object.entries(schema.properties ?? {}))
    errs.push(...celCompileErrors(sub, `${path}.properties[${k}]`, false));
  if (schema.items) errs.push(...celCompileErrors(schema.items, `${path}.items`, false));
  if (typeof schema.additionalProperties === "object")
    errs.push(...celCompileErrors(schema.additionalProperties, `${path}.additionalProperties`, false));
  return errs;
}

function ruleError(r: ValidationRule, path: string, type: string, message: string): FieldError {
  // fieldPath is relative to the rule's node: ".spec.x" or "['key']".
  const rel = r.fieldPath ?? "";
  const at = !rel
    ? path
    : path === "<root>"
      ? rel.replace(/^\./, "")
      : rel.startsWith("[") || rel.startsWith(".")
        ? `${path}${rel}`
        : `${path}.${rel}`;
  switch (r.reason) {
    case "FieldValueForbidden":
      return forbidden(at, message);
    case "FieldValueRequired":
      return required(at, message);
    case "FieldValueDuplicate":
      return duplicate(at, type);
    default:
      return invalid(at, type, message);
  }
}

const typeName = (schema: CelSchema, v: Json) =>
  schema.type ??
  (Array.isArray(v)
    ? "array"
    : isObject(v)
      ? "object"
      : typeof v === "number"
        ? Number.isInteger(v)
          ? "integer"
          : "number"
        : typeof v);

/** The rules' errors for `value` (and `old`, on updates) under `schema`, at `path`. */
export function celErrors(value: Json, old: Json | undefined, schema: CelSchema, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (value === undefined || value === null) return errs;
  const at = path || "<root>";
  for (const r of schema["x-kubernetes-validations"] ?? []) {
    const transition = usesOldSelf(r.rule);
    if (transition && old === undefined && !r.optionalOldSelf) continue;
    const program = compile(r.rule);
    if (program instanceof Error) continue;
    const ctx = { self: toCel(value, schema), ...(old !== undefined ? { oldSelf: toCel(old, schema) } : {}) };
    const result = program(ctx) as CelValue;
    if (isCelError(result)) {
      errs.push(invalid(at, typeName(schema, value), `${ruleSummary(r)}: ${result.message}`));
      continue;
    }
    if (result === true) continue;
    let message = r.message || `failed rule: ${r.rule.trim()}`;
    if (r.messageExpression) {
      const m = compile(r.messageExpression);
      const out = m instanceof Error ? undefined : (m(ctx) as CelValue);
      if (typeof out === "string" && out.trim()) message = out;
    }
    errs.push(ruleError(r, at, typeName(schema, value), message));
  }
  if (Array.isArray(value) && schema.items)
    value.forEach((item, i) =>
      errs.push(...celErrors(item, Array.isArray(old) ? old[i] : undefined, schema.items!, `${path}[${i}]`)),
    );
  if (isObject(value))
    for (const [k, v] of Object.entries(value)) {
      const sub =
        schema.properties?.[k] ??
        (typeof schema.additionalProperties === "object" ? schema.additionalProperties : undefined);
      if (sub) errs.push(...celErrors(v, isObject(old) ? old[k] : undefined, sub, path ? `${path}.${k}` : k));
    }
  return errs;
}

function ruleSummary(r: ValidationRule): string {
  return r.message || `failed rule: ${r.rule.trim()}`;
}

/** Whether the schema has any rules at all (most have none, and then nothing is walked). */
export function hasCelRules(schema: CelSchema): boolean {
  if (schema["x-kubernetes-validations"]?.length) return true;
  if (Object.values(schema.properties ?? {}).some(hasCelRules)) return true;
  if (schema.items && hasCelRules(schema.items)) return true;
  return typeof schema.additionalProperties === "object" && hasCelRules(schema.additionalProperties);
}

/**
 * Evaluates an expression over plain JSON variables (integers as ints, objects as maps) and
 * variables that already hold CEL values (a policy's `variables`).
 */
export function evalCelWith(
  expr: string,
  vars: Record<string, Json>,
  celVars: Record<string, unknown>,
): { value?: unknown; error?: string } {
  const program = compile(expr);
  if (program instanceof Error) return { error: `compilation failed: ${program.message}` };
  const ctx: Record<string, unknown> = { ...celVars };
  for (const [k, v] of Object.entries(vars)) ctx[k] = v === undefined ? null : toCel(v, undefined);
  const result = (program as (c: Record<string, unknown>) => CelValue)(ctx);
  if (isCelError(result)) return { error: result.message };
  return { value: result };
}

/** Evaluates an expression over plain JSON variables (integers as ints, objects as maps). */
export function evalCel(expr: string, vars: Record<string, Json>): { value?: unknown; error?: string } {
  return evalCelWith(expr, vars, {});
}
