// admissionregistration/v1 SetDefaults_*: webhooks and their rules as upstream stores them.
import { isObj, type Obj } from "./util.ts";

function defaultWebhook(w: Obj, mutating: boolean): void {
  w.failurePolicy ??= "Fail";
  w.matchPolicy ??= "Equivalent";
  w.namespaceSelector ??= {};
  w.objectSelector ??= {};
  w.timeoutSeconds ??= 10;
  if (mutating) w.reinvocationPolicy ??= "Never";
  if (Array.isArray(w.rules)) for (const r of w.rules) if (isObj(r)) r.scope ??= "*";
  const svc = isObj(w.clientConfig) ? w.clientConfig.service : undefined;
  if (isObj(svc)) svc.port ??= 443;
}

const defaulter = (mutating: boolean) => (cfg: Obj) => {
  if (!Array.isArray(cfg.webhooks)) return;
  for (const w of cfg.webhooks) if (isObj(w)) defaultWebhook(w, mutating);
};

export const defaultMutatingWebhookConfiguration = defaulter(true);
export const defaultValidatingWebhookConfiguration = defaulter(false);

function defaultMatchResources(m: unknown): void {
  if (!isObj(m)) return;
  m.matchPolicy ??= "Equivalent";
  m.namespaceSelector ??= {};
  m.objectSelector ??= {};
  for (const list of [m.resourceRules, m.excludeResourceRules])
    if (Array.isArray(list)) for (const r of list) if (isObj(r)) r.scope ??= "*";
}

export function defaultValidatingAdmissionPolicy(p: Obj): void {
  const spec = isObj(p.spec) ? p.spec : (p.spec = {});
  spec.failurePolicy ??= "Fail";
  defaultMatchResources(spec.matchConstraints);
}

export function defaultValidatingAdmissionPolicyBinding(b: Obj): void {
  const spec = isObj(b.spec) ? b.spec : (b.spec = {});
  defaultMatchResources(spec.matchResources);
  if (isObj(spec.paramRef)) spec.paramRef.parameterNotFoundAction ??= "Deny";
}
