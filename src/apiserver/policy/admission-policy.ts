// ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1): CEL validations, bound to requests
// by ValidatingAdmissionPolicyBindings, evaluated in the API server after the object's own
// validation and before validating webhooks (k8s.io/apiserver/pkg/admission/plugin/policy).
// Each binding whose policy and match resources select the request evaluates the policy's
// matchConditions, variables and validations over object, oldObject, request, params and
// namespaceObject; a false validation is denied, warned or (Audit) only logged, per the
// binding's validationActions.
import { celMap, celType } from "@bufbuild/cel";
import type { KObject } from "../../apimachinery/meta.ts";
import { StatusError, type StatusReason } from "../../apimachinery/status-error.ts";
import { parseApiVersion } from "../../api/resources.ts";
import {
  labelSelectorFromMetav1,
  matches,
  type MetaV1LabelSelector,
} from "../../apimachinery/selectors/index.ts";
import type { Logger } from "../../util/logger.ts";
import { evalCelWith } from "../crd/cel-validation.ts";
import type { Registry } from "../registry/registry.ts";
import type { WatchBroadcaster } from "../watch/broadcaster.ts";
import {
  celAuthorizer,
  webhookApplies,
  webhookInvocation,
  type AdmissionAttributes,
  type Webhook,
} from "../webhooks/webhook-admission.ts";

type Obj = Record<string, any>;

const PREFIXES = {
  policies: "/registry/admissionregistration.k8s.io/validatingadmissionpolicies/",
  bindings: "/registry/admissionregistration.k8s.io/validatingadmissionpolicybindings/",
} as const;

const REASON_CODES: Record<string, number> = {
  Invalid: 422,
  Forbidden: 403,
  Unauthorized: 401,
  RequestEntityTooLarge: 413,
};

interface Violation {
  message: string;
  reason: string;
}

const namedRules = (rules: unknown, name: string): Obj[] =>
  ((rules ?? []) as Obj[]).filter((r) => {
    const names = (r.resourceNames ?? []) as string[];
    return !names.length || names.includes(name);
  });

/**
 * Whether match resources (a policy's constraints, or a binding's own) select the request. A
 * binding without resourceRules takes every resource its policy matches.
 */
function selects(
  m: Obj | undefined,
  a: AdmissionAttributes,
  rulesRequired: boolean,
): AdmissionAttributes | undefined {
  if (!m) return a;
  const hook = (rules: Obj[], selectors: boolean): Webhook => ({
    name: "",
    clientConfig: {},
    matchPolicy: m.matchPolicy === "Exact" ? "Exact" : "Equivalent",
    rules: rules as Webhook["rules"],
    namespaceSelector: selectors ? (m.namespaceSelector as MetaV1LabelSelector | undefined) : undefined,
    objectSelector: selectors ? (m.objectSelector as MetaV1LabelSelector | undefined) : undefined,
  });
  const any = [{ operations: ["*"], apiGroups: ["*"], apiVersions: ["*"], resources: ["*", "*/*"] }];
  const rules = (m.resourceRules ?? []) as Obj[];
  const include = rules.length || rulesRequired ? namedRules(rules, a.name) : any;
  const seen = webhookInvocation(hook(include, true), a);
  if (!seen) return undefined;
  const excluded = namedRules(m.excludeResourceRules, a.name);
  return excluded.length && webhookApplies(hook(excluded, false), a) ? undefined : seen;
}

export class ValidatingAdmissionPolicies {
  private readonly policies = new Map<string, Obj>();
  private readonly bindings = new Map<string, Obj>();
  private readonly registry: Registry;
  private readonly logger: Logger;

  constructor(deps: { registry: Registry; logger: Logger }) {
    this.registry = deps.registry;
    this.logger = deps.logger;
  }

  async follow(broadcaster: WatchBroadcaster, signal: AbortSignal): Promise<void> {
    for (const kind of ["policies", "bindings"] as const) {
      const map = this[kind];
      const r = await this.registry.storage.list(PREFIXES[kind]);
      const put = (obj: Obj | undefined, key: string) => {
        const name = key.slice(PREFIXES[kind].length);
        if (obj) map.set(name, obj);
        else map.delete(name);
      };
      for (const kv of r.items) put(JSON.parse(kv.value) as Obj, kv.key);
      await broadcaster.subscribe(
        r.revision,
        {
          prefix: PREFIXES[kind],
          onEvents: (events) => {
            for (const e of events) put(e.type === "DELETED" ? undefined : (e.object as Obj), e.key);
          },
          onError: (err) => {
            if (!signal.aborted) this.logger.warn("admission policy watch ended", { error: err.message });
          },
        },
        signal,
      );
    }
  }

  get empty(): boolean {
    return this.bindings.size === 0;
  }

  /** Evaluates every binding that selects the request; throws the first denial. */
  async validate(a: AdmissionAttributes, warnings: string[], namespaceObject?: KObject): Promise<void> {
    const names = [...this.bindings.keys()].sort();
    for (const bindingName of names) {
      const binding = this.bindings.get(bindingName)!;
      const spec = (binding.spec ?? {}) as Obj;
      const policy = this.policies.get(String(spec.policyName ?? ""));
      if (!policy) continue;
      const pspec = (policy.spec ?? {}) as Obj;
      // The policy sees the request at the version its constraints matched.
      const seen = selects(pspec.matchConstraints, a, true);
      if (!seen || !selects(spec.matchResources, a, false)) continue;
      const policyName = String(policy.metadata?.name ?? "");
      const prefix = `ValidatingAdmissionPolicy '${policyName}' with binding '${bindingName}'`;
      const actions = new Set<string>((spec.validationActions ?? []) as string[]);
      const fail = (message: string, reason = "Invalid") => {
        if (actions.has("Deny")) throw denial(a, `${prefix} denied request: ${message}`, reason);
        if (actions.has("Warn")) warnings.push(`Validation failed for ${prefix}: ${message}`);
        if (actions.has("Audit"))
          this.logger.info("admission policy audit", { policy: policyName, binding: bindingName, message });
      };
      const ignoreErrors = pspec.failurePolicy === "Ignore";
      const failed = (message: string) => {
        if (ignoreErrors)
          this.logger.warn("admission policy failed, ignored by its failurePolicy", {
            policy: policyName,
            message,
          });
        else fail(message);
      };
      let params: Array<Obj | null>;
      try {
        params = await this.paramsFor(pspec.paramKind, spec.paramRef, a);
      } catch (e) {
        failed((e as Error).message);
        continue;
      }
      for (const param of params) {
        const violation = this.evaluate(pspec, seen, param, namespaceObject, policyName);
        if (!violation) continue;
        if ("error" in violation) failed(violation.error);
        else fail(violation.message, violation.reason);
      }
    }
  }

  /** The parameter objects a binding names: one evaluation each; [null] without a paramKind. */
  private async paramsFor(
    paramKind: Obj | undefined,
    ref: Obj | undefined,
    a: AdmissionAttributes,
  ): Promise<Array<Obj | null>> {
    if (!paramKind) return [null];
    const notFound =
      "failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction";
    if (!ref)
      throw new Error("failed to configure binding: paramKind is set but the binding has no paramRef");
    const gv = parseApiVersion(String(paramKind.apiVersion ?? ""));
    const store = this.registry.byKind(gv.group, String(paramKind.kind ?? ""));
    const info = store?.info;
    if (!info || !store)
      throw new Error(
        `failed to configure policy: failed to find resource referenced by paramKind: '${paramKind.apiVersion}, Kind=${paramKind.kind}'`,
      );
    const ns = info.namespaced ? String(ref.namespace ?? a.namespace ?? "") : "";
    let found: Obj[];
    if (ref.name) {
      const one = await store.tryGet(ns, String(ref.name));
      found = one ? [one as Obj] : [];
    } else {
      const selector = labelSelectorFromMetav1((ref.selector ?? {}) as MetaV1LabelSelector);
      found = (await store.list(ns, { filter: (o) => matches(selector, o.metadata?.labels ?? {}) }))
        .items as Obj[];
    }
    if (!found.length) {
      if (ref.parameterNotFoundAction === "Allow") return [];
      throw new Error(notFound);
    }
    return found;
  }

  /** One policy over one parameter: undefined when it passes. */
  private evaluate(
    spec: Obj,
    a: AdmissionAttributes,
    params: Obj | null,
    namespaceObject: KObject | undefined,
    policyName: string,
  ): Violation | { error: string } | undefined {
    const asked = a.request ?? a;
    const json = {
      object: a.object ?? null,
      oldObject: a.oldObject ?? null,
      params,
      namespaceObject: namespaceObject ?? null,
      request: {
        kind: a.objectKind ?? { group: a.group, version: a.version, kind: a.kind },
        resource: { group: a.group, version: a.version, resource: a.resource },
        subResource: a.subresource ?? "",
        requestKind: a.objectKind ?? { group: asked.group, version: asked.version, kind: asked.kind },
        requestResource: { group: asked.group, version: asked.version, resource: asked.resource },
        requestSubResource: a.subresource ?? "",
        name: a.name ?? "",
        namespace: a.namespace ?? "",
        operation: a.operation,
        userInfo: { username: a.user.name, groups: a.user.groups },
        dryRun: a.dryRun,
      },
    };
    const variables = new Map<string, unknown>();
    const variableErrors = new Map<string, string>();
    const authorizer = celAuthorizer(a);
    const celVars = () => ({ variables: celMap(variables as Map<string, never>), authorizer });
    for (const v of (spec.variables ?? []) as Obj[]) {
      const r = evalCelWith(String(v.expression), json, celVars());
      if (r.error !== undefined) variableErrors.set(String(v.name), r.error);
      else variables.set(String(v.name), r.value);
    }
    const usesBroken = (expr: string) =>
      [...variableErrors].find(([name]) => new RegExp(`\\bvariables\\.${name}\\b`).test(expr));
    for (const c of (spec.matchConditions ?? []) as Obj[]) {
      const expr = String(c.expression);
      const broken = usesBroken(expr);
      if (broken) return { error: `failed to evaluate match condition "${c.name}": ${broken[1]}` };
      const r = evalCelWith(expr, json, celVars());
      if (r.error !== undefined)
        return { error: `failed to evaluate match condition "${c.name}": ${r.error}` };
      if (r.value !== true) return undefined;
    }
    // auditAnnotations: skiff keeps no audit log, so the annotations an audit event would carry
    // (`<policy>/<key>: value`) go to the server's log; an error fails as a validation's does.
    for (const an of (spec.auditAnnotations ?? []) as Obj[]) {
      const expr = String(an.valueExpression);
      const broken = usesBroken(expr);
      if (broken) return { error: `valueExpression '${expr}' resulted in error: ${broken[1]}` };
      const r = evalCelWith(expr, json, celVars());
      if (r.error !== undefined) return { error: `valueExpression '${expr}' resulted in error: ${r.error}` };
      if (r.value === null || r.value === "") continue;
      if (typeof r.value !== "string")
        return {
          error: `valueExpression '${expr}' resulted in unsupported return type: ${celType(r.value as never).name}. Return type must be either string or null.`,
        };
      this.logger.info("admission policy audit annotation", {
        key: `${policyName}/${String(an.key)}`,
        value: r.value.slice(0, MAX_AUDIT_VALUE),
      });
    }
    for (const v of (spec.validations ?? []) as Obj[]) {
      const expr = String(v.expression);
      const broken = usesBroken(expr);
      if (broken) return { error: `expression '${expr}' resulted in error: ${broken[1]}` };
      const r = evalCelWith(expr, json, celVars());
      if (r.error !== undefined) return { error: `expression '${expr}' resulted in error: ${r.error}` };
      if (r.value === true) continue;
      let message = v.message ? String(v.message) : `failed expression: ${expr.trim()}`;
      if (v.messageExpression) {
        const m = evalCelWith(String(v.messageExpression), json, celVars());
        if (typeof m.value === "string" && m.value.trim() && !m.value.includes("\n")) message = m.value;
      }
      return { message, reason: String(v.reason ?? "Invalid") };
    }
    return undefined;
  }
}

// Upstream truncates an audit annotation's value to 10 KiB.
const MAX_AUDIT_VALUE = 10 * 1024;

/**
 * Upstream's denial: admission.NewForbidden's message and details, with the validation's reason
 * and its code, and the message once more as a cause (kubectl prints `The deployments "x" is
 * invalid: : ValidatingAdmissionPolicy …`).
 */
function denial(a: AdmissionAttributes, message: string, reason: string): StatusError {
  const resource = a.group ? `${a.resource}.${a.group}` : a.resource;
  return new StatusError(
    REASON_CODES[reason] ?? 422,
    reason as StatusReason,
    `${resource} "${a.name}" is forbidden: ${message}`,
    {
      name: a.name,
      ...(a.group ? { group: a.group } : {}),
      kind: a.resource,
      causes: [{ message }],
    },
  );
}
