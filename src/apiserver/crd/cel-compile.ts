// What a CRD's x-kubernetes-validations must pass when the CRD is written, as apiextensions'
// validation checks them: every rule parses and type-checks against its node's schema (cel-go's
// errors: undeclared references, undefined fields, calls no overload takes), evaluates to a bool
// (a messageExpression to a string), and its worst-case cost times the number of times it can
// run (the product of the maxItems and maxProperties above it) stays within the per-rule budget;
// all rules together within the CRD's.
import { kubernetesCelEnv } from "../cel/index.ts";
import { check, type Checked } from "../cel/check/checker.ts";
import { STATIC_CRD_LIMIT, STATIC_RULE_LIMIT, estimateCost, exceedFactor } from "../cel/check/cost.ts";
import { isDyn, type CelT } from "../cel/check/types.ts";
import { forbidden, invalid, required, type FieldError } from "../../apimachinery/field-error.ts";
import { compileRule, ruleVars, selfType, type CelSchema, type ValidationRule } from "./cel-validation.ts";

const REASONS = ["FieldValueInvalid", "FieldValueForbidden", "FieldValueRequired", "FieldValueDuplicate"];
const HINT =
  "(try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)";

// Go prints a set pointer as its address; any address reads the same to a user.
const pointer = (set: boolean, type: string) => `(*${type})(${set ? "0xc000010000" : "nil"})`;

function ruleText(r: ValidationRule): string {
  return `apiextensions.ValidationRule{Rule:${JSON.stringify(r.rule)}, Message:${JSON.stringify(r.message ?? "")}, MessageExpression:${JSON.stringify(r.messageExpression ?? "")}, Reason:${pointer(r.reason !== undefined, "apiextensions.FieldValueErrorReason")}, FieldPath:${JSON.stringify(r.fieldPath ?? "")}, OptionalOldSelf:${pointer(r.optionalOldSelf !== undefined, "bool")}}`;
}

const isA = (t: CelT, name: string) => isDyn(t) || (t.k === "prim" && t.name === name);

/** The expression checked against `self`'s type, or the error text to report for it. */
function checked(r: ValidationRule, expr: string, self: CelT): Checked | string {
  const c = compileRule(r, expr);
  if (c instanceof Error) return `ERROR: ${c.message}`;
  const out = check(expr, ruleVars(r, self), kubernetesCelEnv, c.parsed);
  return out.errors.length ? out.errors.map((e) => `ERROR: ${e}`).join("\n") : out;
}

interface Walk {
  /** How many times a rule at this node can run in one object. */
  cardinality: number;
  total: { cost: number };
  /** The outermost list above this node whose items have no old value (not a map list). */
  uncorrelatable?: string;
}

function ruleErrors(r: ValidationRule, p: string, self: CelT, walk: Walk): FieldError[] {
  const errs: FieldError[] = [];
  if (!r.rule) return [required(`${p}.rule`, "")];
  const rule = checked(r, r.rule, self);
  let cost = 0;
  const c = compileRule(r, r.rule);
  const usesOldSelf = !(c instanceof Error) && c.usesOldSelf;
  if (walk.uncorrelatable && usesOldSelf)
    errs.push(
      invalid(
        `${p}.rule`,
        r.rule,
        `oldSelf cannot be used on the uncorrelatable portion of the schema within ${walk.uncorrelatable}`,
      ),
    );
  if (r.optionalOldSelf && !(c instanceof Error) && !usesOldSelf)
    errs.push(invalid(`${p}.optionalOldSelf`, true, "may not be set if oldSelf is not used in rule"));
  if (typeof rule === "string")
    errs.push(invalid(`${p}.rule`, { goString: ruleText(r) }, `compilation failed: ${rule}`));
  else if (!isA(rule.type, "bool"))
    errs.push(invalid(`${p}.rule`, { goString: ruleText(r) }, "cel expression must evaluate to a bool"));
  else {
    cost = estimateCost(rule) * walk.cardinality;
    if (cost > STATIC_RULE_LIMIT)
      errs.push(
        forbidden(
          `${p}.rule`,
          `estimated rule cost exceeds budget by factor of ${exceedFactor(cost, STATIC_RULE_LIMIT)} ${HINT}`,
        ),
      );
  }
  if (r.messageExpression) {
    const m = checked(r, r.messageExpression, self);
    if (typeof m === "string")
      errs.push(
        invalid(
          `${p}.messageExpression`,
          { goString: ruleText(r) },
          `messageExpression compilation failed: ${m}`,
        ),
      );
    else if (!isA(m.type, "string"))
      errs.push(invalid(`${p}.messageExpression`, { goString: ruleText(r) }, "must evaluate to a string"));
    else {
      const mc = estimateCost(m) * walk.cardinality;
      if (mc > STATIC_RULE_LIMIT)
        errs.push(
          forbidden(
            `${p}.messageExpression`,
            `estimated messageExpression cost exceeds budget by factor of ${exceedFactor(mc, STATIC_RULE_LIMIT)} ${HINT}`,
          ),
        );
      cost += mc;
    }
  }
  if (r.reason && !REASONS.includes(r.reason))
    errs.push(
      invalid(
        `${p}.reason`,
        r.reason,
        'must be one of "FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"',
      ),
    );
  walk.total.cost += cost;
  return errs;
}

const sizeBound = (t: CelT) => ((t.k === "list" || t.k === "map") && t.maxSize !== undefined ? t.maxSize : 1);

function nodeErrors(schema: CelSchema, path: string, root: boolean, walk: Walk): FieldError[] {
  const errs: FieldError[] = [];
  const rules = schema["x-kubernetes-validations"] ?? [];
  if (rules.length) {
    const self = selfType(schema, root);
    rules.forEach((r, i) =>
      errs.push(...ruleErrors(r, `${path}.x-kubernetes-validations[${i}]`, self, walk)),
    );
  }
  // Only a list's or map's own bound is needed here, so the type is built only for those.
  const bound = () => sizeBound(selfType(schema, root));
  const down = (sub: CelSchema, p: string, times: number, uncorrelatable = walk.uncorrelatable) =>
    errs.push(
      ...nodeErrors(sub, p, false, { ...walk, cardinality: walk.cardinality * times, uncorrelatable }),
    );
  for (const [k, sub] of Object.entries(schema.properties ?? {})) down(sub, `${path}.properties[${k}]`, 1);
  if (schema.items)
    down(
      schema.items,
      `${path}.items`,
      bound(),
      walk.uncorrelatable ?? (schema["x-kubernetes-list-type"] === "map" ? undefined : path),
    );
  if (typeof schema.additionalProperties === "object")
    down(schema.additionalProperties, `${path}.additionalProperties`, bound());
  return errs;
}

/** The errors of every rule in the schema, at the CRD field that holds it. */
export function celCompileErrors(schema: CelSchema, path: string): FieldError[] {
  const walk: Walk = { cardinality: 1, total: { cost: 0 } };
  const errs = nodeErrors(schema, path, true, walk);
  if (walk.total.cost > STATIC_CRD_LIMIT)
    errs.push(
      forbidden(
        path,
        `x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema exceeds budget by factor of ${exceedFactor(walk.total.cost, STATIC_CRD_LIMIT)} ${HINT}`,
      ),
    );
  return errs;
}
