// Checking the expressions of admission webhooks' matchConditions and admission policies when
// they are written: undeclared variables and functions and mistyped literals are refused with
// cel-go's errors, as upstream's compiler refuses them. The request's objects are dyn here.
import { kubernetesCelEnv } from "../index.ts";
import { check } from "./checker.ts";
import { compile } from "../compile.ts";
import { DYN, isDyn, opaque, typeName, type CelT } from "./types.ts";

const AUTHORIZER = opaque("kubernetes.authorization.Authorizer");
const RESOURCE_CHECK = opaque("kubernetes.authorization.ResourceCheck");

/** The variables a webhook's matchConditions see. */
export const matchConditionVars: Record<string, CelT> = {
  object: DYN,
  oldObject: DYN,
  request: DYN,
  authorizer: AUTHORIZER,
  "authorizer.requestResource": RESOURCE_CHECK,
};

/** The variables a ValidatingAdmissionPolicy's expressions see, with its own `variables`. */
export function policyVars(variableNames: string[]): Record<string, CelT> {
  const fields: Record<string, CelT> = {};
  for (const n of variableNames) fields[n] = DYN;
  return {
    ...matchConditionVars,
    params: DYN,
    namespaceObject: DYN,
    variables: { k: "object", name: "kubernetes.variables", fields },
  };
}

/**
 * cel-go's errors for the expression (after a first `ERROR: ` the caller writes), `{ mistyped }`
 * when it does not evaluate to `result`, or undefined when it compiles.
 */
export function expressionError(
  expr: string,
  vars: Record<string, CelT>,
  result?: "bool" | "string",
): string | { mistyped: true } | undefined {
  const c = compile(expr);
  if (c instanceof Error) return c.message;
  const checked = check(expr, vars, kubernetesCelEnv, c.parsed);
  if (checked.errors.length) return checked.errors.join("\nERROR: ");
  const t = checked.type;
  if (result && !isDyn(t) && typeName(t) !== result) return { mistyped: true };
  return undefined;
}
