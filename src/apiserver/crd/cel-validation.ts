// x-kubernetes-validations: CEL rules on a CRD's schema, evaluated as apiextensions-apiserver's
// cel validator does (staging/src/k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel):
// `self` is the value at the rule's node, `oldSelf` the same value before an update (a rule
// that uses it is a transition rule, skipped on create and for new values unless it sets
// `optionalOldSelf`, when `oldSelf` is an optional, none on create), integers are CEL
// ints, objects and maps CEL maps. A false rule is a field error with its message (or
// messageExpression, or "failed rule: RULE"), its reason and fieldPath. Rules that do not compile
// are refused when the CRD is written.
import { isCelError, type CelValue } from "@bufbuild/cel";
import { compile, type Compiled } from "../cel/compile.ts";
import { mapListOld } from "./map-list.ts";
import { kubernetesCelEnv } from "../cel/index.ts";
import { check } from "../cel/check/checker.ts";
import { PER_CALL_LIMIT, RUNTIME_BUDGET, estimateCost } from "../cel/check/cost.ts";
import { sizedType } from "../cel/check/sized.ts";
import { escapeName, optionalOf, schemaType, type CelT, type SchemaNode } from "../cel/check/types.ts";
import { none, of } from "../cel/optional.ts";
import { celGoError } from "../cel/errors.ts";
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
  format?: string;
  maxLength?: number;
  maxItems?: number;
  maxProperties?: number;
  required?: string[];
  properties?: Record<string, CelSchema>;
  additionalProperties?: CelSchema | boolean;
  items?: CelSchema;
  "x-kubernetes-validations"?: ValidationRule[];
  "x-kubernetes-int-or-string"?: boolean;
  "x-kubernetes-list-type"?: string;
  "x-kubernetes-list-map-keys"?: string[];
}

const env = kubernetesCelEnv;

const OLD_SELF: ReadonlySet<string> = new Set(["oldSelf"]);
const NO_OPTIONALS: ReadonlySet<string> = new Set();

/** The rule's expression (its rule or messageExpression), compiled with `oldSelf` as the rule declares it. */
export function compileRule(r: ValidationRule, expr: string): Compiled | Error {
  return compile(expr, r.optionalOldSelf ? OLD_SELF : NO_OPTIONALS);
}

/** The types of `self` and `oldSelf` in the rule, `self` being of type `t`. */
export function ruleVars(r: ValidationRule, t: CelT): Record<string, CelT> {
  return { self: t, oldSelf: r.optionalOldSelf ? optionalOf(t) : t };
}

const isObject = (v: Json): v is Record<string, Json> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

// Strings of format date, date-time and duration are timestamps and durations to rules.
const converters: Record<string, Compiled | Error> = {};
function convert(fn: "timestamp" | "duration", text: string): unknown {
  const c = (converters[fn] ??= compile(`${fn}(s)`));
  if (c instanceof Error) return text;
  const out = c.program({ s: text } as never) as CelValue;
  return isCelError(out) ? text : out;
}

/**
 * The value as CEL sees it under the schema: integers as ints, objects as maps whose declared
 * properties are named as rules spell them (`foo-bar` as `foo__dash__bar`), dates as timestamps.
 */
function toCel(v: Json, schema: CelSchema | undefined): unknown {
  if (typeof v === "number") {
    const integer =
      schema?.type === "integer" ||
      schema?.["x-kubernetes-int-or-string"] ||
      (!schema?.type && Number.isInteger(v));
    return integer && Number.isInteger(v) ? BigInt(v) : v;
  }
  if (typeof v === "string" && schema?.type === "string" && schema.format) {
    if (schema.format === "date-time") return convert("timestamp", v);
    if (schema.format === "date") return convert("timestamp", `${v}T00:00:00Z`);
    if (schema.format === "duration") return convert("duration", v);
  }
  if (Array.isArray(v)) return v.map((x) => toCel(x, schema?.items));
  if (isObject(v)) {
    const m = new Map<string, unknown>();
    for (const [k, x] of Object.entries(v)) {
      const declared = schema?.properties?.[k];
      if (declared) {
        const name = escapeName(k);
        if (name !== undefined) m.set(name, toCel(x, declared));
        continue;
      }
      const sub = typeof schema?.additionalProperties === "object" ? schema.additionalProperties : undefined;
      m.set(k, toCel(x, sub));
    }
    return m;
  }
  return v;
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

const selfTypes = new WeakMap<CelSchema, CelT>();
/** The type `self` has at the schema's node (a resource at the root and at embedded resources). */
export function selfType(schema: CelSchema, root: boolean): CelT {
  let t = selfTypes.get(schema);
  if (!t) selfTypes.set(schema, (t = schemaType(schema as SchemaNode, root).type));
  return t;
}

/** What is left of the cost budget of one object's validation (upstream's RuntimeCELCostBudget). */
interface Budget {
  left: number;
  exhausted?: boolean;
}

/**
 * The rules' cost on these values, priced before they run: a rule over more than the per-call
 * limit is not run, and the object's rules together may not spend more than the budget.
 */
const staticCosts = new WeakMap<ValidationRule, number>();
// Below this, a rule's worst case is charged as it is: pricing it on the value would take
// longer than the rule itself.
const CHEAP = 1000;

function priceRule(
  r: ValidationRule,
  c: Compiled,
  schema: CelSchema,
  root: boolean,
  value: Json,
  old: Json,
): number {
  const t = selfType(schema, root);
  let worst = staticCosts.get(r);
  if (worst === undefined) {
    worst = price(r, c, ruleVars(r, t));
    staticCosts.set(r, worst);
  }
  if (worst <= CHEAP) return worst;
  const oldSelf = sizedType(t, old ?? value);
  return price(r, c, {
    self: sizedType(t, value),
    oldSelf: r.optionalOldSelf ? optionalOf(oldSelf) : oldSelf,
  });
}

function price(r: ValidationRule, c: Compiled, vars: Record<string, CelT>): number {
  let cost = estimateCost(check(r.rule, vars, env, c.parsed));
  if (r.messageExpression) {
    const m = compileRule(r, r.messageExpression);
    if (!(m instanceof Error)) cost += estimateCost(check(r.messageExpression, vars, env, m.parsed));
  }
  return cost;
}

/** The rules' errors for `value` (and `old`, on updates) under `schema`, at `path`. */
export function celErrors(
  value: Json,
  old: Json | undefined,
  schema: CelSchema,
  path: string,
  budget: Budget = { left: RUNTIME_BUDGET },
): FieldError[] {
  const errs: FieldError[] = [];
  if (value === undefined || value === null || budget.exhausted) return errs;
  const at = path || "<root>";
  for (const r of schema["x-kubernetes-validations"] ?? []) {
    const c = compileRule(r, r.rule);
    if (c instanceof Error) continue;
    const transition = c.usesOldSelf;
    if (transition && old === undefined && !r.optionalOldSelf) continue;
    const cost = priceRule(r, c, schema, path === "", value, old);
    if (cost > PER_CALL_LIMIT) {
      errs.push(invalid(at, typeName(schema, value), `call cost exceeds limit for rule: ${r.rule.trim()}`));
      continue;
    }
    budget.left -= cost;
    if (budget.left < 0) {
      budget.exhausted = true;
      errs.push(
        invalid(
          at,
          typeName(schema, value),
          "validation failed due to running out of cost budget, no further validation rules will be run",
        ),
      );
      return errs;
    }
    const oldSelf = old !== undefined ? toCel(old, schema) : undefined;
    const ctx = r.optionalOldSelf
      ? { self: toCel(value, schema), oldSelf: oldSelf === undefined ? none() : of(oldSelf) }
      : { self: toCel(value, schema), ...(oldSelf !== undefined ? { oldSelf } : {}) };
    const result = c.program(ctx) as CelValue;
    if (isCelError(result)) {
      errs.push(invalid(at, typeName(schema, value), runtimeError(r, celGoError(result.message))));
      continue;
    }
    if (result === true) continue;
    let message = r.message || `failed rule: ${r.rule.trim()}`;
    if (r.messageExpression) {
      const m = compileRule(r, r.messageExpression);
      const out = m instanceof Error ? undefined : (m.program(ctx) as CelValue);
      if (typeof out === "string" && out.trim()) message = out;
    }
    errs.push(ruleError(r, at, typeName(schema, value), message));
  }
  if (Array.isArray(value) && schema.items) {
    const oldItem = mapListOld(schema, old);
    value.forEach((item, i) =>
      errs.push(...celErrors(item, oldItem?.(item), schema.items!, `${path}[${i}]`, budget)),
    );
  }
  if (isObject(value))
    for (const [k, v] of Object.entries(value)) {
      const sub =
        schema.properties?.[k] ??
        (typeof schema.additionalProperties === "object" ? schema.additionalProperties : undefined);
      if (sub)
        errs.push(
          ...celErrors(v, isObject(old) ? old[k] : undefined, sub, path ? `${path}.${k}` : k, budget),
        );
    }
  return errs;
}

// apiextensions' wording of a rule that fails to evaluate: the error, then the rule's message or
// its text; an overload error (a dyn value of the wrong type) explained.
function runtimeError(r: ValidationRule, error: string): string {
  const rule = (r.message || r.rule).trim();
  if (error.startsWith("no such overload"))
    return `'${error}': call arguments did not match a supported operator, function or macro signature for rule: ${rule}`;
  return `${error} evaluating rule: ${rule}`;
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
  const c = compile(expr);
  if (c instanceof Error) return { error: `compilation failed: ${c.message}` };
  const ctx: Record<string, unknown> = { ...celVars };
  for (const [k, v] of Object.entries(vars)) ctx[k] = v === undefined ? null : toCel(v, undefined);
  const result = (c.program as (c: Record<string, unknown>) => CelValue)(ctx);
  if (isCelError(result)) return { error: celGoError(result.message) };
  return { value: result };
}

/** Evaluates an expression over plain JSON variables (integers as ints, objects as maps). */
export function evalCel(expr: string, vars: Record<string, Json>): { value?: unknown; error?: string } {
  return evalCelWith(expr, vars, {});
}
