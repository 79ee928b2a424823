// The ValidatingAdmissionPolicy type check (upstream's validatingadmissionpolicy TypeChecker):
// each validation's expression and messageExpression is checked against the schema of every kind
// the policy's resourceRules name (wildcards and subresources are not checked), and what fails
// becomes a warning in status.typeChecking, worded as upstream's: the kind, then cel-go's errors.
import { kubernetesCelEnv } from "../../apiserver/cel/index.ts";
import { check } from "../../apiserver/cel/check/checker.ts";
import { policyVars } from "../../apiserver/cel/check/expression.ts";
import { DYN, schemaType, type CelT } from "../../apiserver/cel/check/types.ts";
import { compile } from "../../apiserver/cel/compile.ts";
import type { SchemaResolver } from "./schemas.ts";

type Json = Record<string, any>;

export interface ExpressionWarning {
  fieldRef: string;
  warning: string;
}

interface Target {
  /** As upstream prints a GroupVersionKind: `apps/v1, Kind=Deployment`. */
  gvk: string;
  object: CelT;
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x) => typeof x === "string") : []);

async function targets(policy: Json, resolver: SchemaResolver): Promise<Target[]> {
  const out: Target[] = [];
  const seen = new Set<string>();
  for (const rule of (policy.spec?.matchConstraints?.resourceRules ?? []) as Json[])
    for (const group of strings(rule.apiGroups))
      for (const version of strings(rule.apiVersions))
        for (const resource of strings(rule.resources)) {
          if ([group, version, resource].includes("*") || resource.includes("/")) continue;
          const r = await resolver.resolve(group, version, resource);
          if (!r) continue;
          const gvk = `${group ? `${group}/` : ""}${version}, Kind=${r.kind}`;
          if (seen.has(gvk)) continue;
          seen.add(gvk);
          out.push({ gvk, object: schemaType(r.schema, true, r.kind).type });
        }
  return out;
}

async function paramsType(policy: Json, resolver: SchemaResolver): Promise<CelT> {
  const pk = policy.spec?.paramKind as Json | undefined;
  if (!pk?.apiVersion || !pk.kind) return DYN;
  const apiVersion = String(pk.apiVersion);
  const i = apiVersion.indexOf("/");
  const [group, version] = i < 0 ? ["", apiVersion] : [apiVersion.slice(0, i), apiVersion.slice(i + 1)];
  const resource = await resolver.resourceFor(group, version, String(pk.kind));
  const r = resource ? await resolver.resolve(group, version, resource) : undefined;
  return r ? schemaType(r.schema, true, r.kind).type : DYN;
}

/** The warnings of every expression that does not type-check against a kind the policy matches. */
export async function typeCheckPolicy(policy: Json, resolver: SchemaResolver): Promise<ExpressionWarning[]> {
  const kinds = await targets(policy, resolver);
  if (!kinds.length) return [];
  const params = await paramsType(policy, resolver);
  const spec = policy.spec as Json;
  const variables = (spec.variables ?? []) as Json[];
  // Each kind's environment: object and oldObject of its type, variables typed in order.
  const envs = kinds.map((k) => {
    const vars = policyVars([]);
    const fields: Record<string, CelT> = {};
    const env: Record<string, CelT> = {
      ...vars,
      object: k.object,
      oldObject: k.object,
      params,
      variables: { k: "object", name: "kubernetes.variables", fields },
    };
    for (const v of variables) {
      const expr = String(v.expression ?? "");
      const c = compile(expr);
      fields[String(v.name)] = c instanceof Error ? DYN : check(expr, env, kubernetesCelEnv, c.parsed).type;
    }
    return { gvk: k.gvk, env };
  });
  const warn = (expr: string): string => {
    const c = compile(expr);
    if (c instanceof Error) return "";
    return envs
      .map(({ gvk, env }) => {
        const errors = check(expr, env, kubernetesCelEnv, c.parsed).errors;
        return errors.length ? `${gvk}: ${errors.map((e) => `ERROR: ${e}`).join("\n")}` : "";
      })
      .filter(Boolean)
      .join("\n");
  };
  const out: ExpressionWarning[] = [];
  ((spec.validations ?? []) as Json[]).forEach((v, i) => {
    for (const field of ["expression", "messageExpression"] as const) {
      if (!v[field]) continue;
      const w = warn(String(v[field]));
      if (w) out.push({ fieldRef: `spec.validations[${i}].${field}`, warning: w });
    }
  });
  return out;
}
