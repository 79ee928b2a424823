// Dynamic admission (admissionregistration.k8s.io/v1): every write a MutatingWebhookConfiguration
// or ValidatingWebhookConfiguration matches is sent as an AdmissionReview v1 over HTTPS to its
// webhook, mutating ones first (their JSON patches applied in order), then validating ones; a
// refusal or a failure is upstream's error (k8s.io/apiserver/pkg/admission/plugin/webhook).
import { randomUUID } from "node:crypto";
import type { KObject } from "../../apimachinery/meta.ts";
import {
  labelSelectorFromMetav1,
  matches,
  type MetaV1LabelSelector,
} from "../../apimachinery/selectors/index.ts";
import { StatusError, type StatusReason } from "../../apimachinery/status-error.ts";
import type { Logger } from "../../util/logger.ts";
import { evalCelWith } from "../crd/cel-validation.ts";
import { authorizerValue } from "../cel/authz.ts";
import { applyJsonPatch } from "../patch/json-patch.ts";
import type { Registry } from "../registry/registry.ts";
import type { WatchBroadcaster } from "../watch/broadcaster.ts";
import type { ResourceInfo } from "../../api/resources.ts";
import { asEquivalent, asRequested, equivalentsOf, toStored } from "./equivalents.ts";
import { post, webhookTarget, type Target } from "./webhook-target.ts";

export type Operation = "CREATE" | "UPDATE" | "DELETE" | "CONNECT";

interface Rule {
  operations?: string[];
  apiGroups?: string[];
  apiVersions?: string[];
  resources?: string[];
  scope?: string;
}

export interface Webhook {
  name: string;
  clientConfig: {
    url?: string;
    caBundle?: string;
    service?: { namespace: string; name: string; path?: string; port?: number };
  };
  rules?: Rule[];
  failurePolicy?: "Fail" | "Ignore";
  namespaceSelector?: MetaV1LabelSelector;
  matchConditions?: Array<{ name: string; expression: string }>;
  objectSelector?: MetaV1LabelSelector;
  timeoutSeconds?: number;
  sideEffects?: string;
  admissionReviewVersions?: string[];
  reinvocationPolicy?: "Never" | "IfNeeded";
  matchPolicy?: "Exact" | "Equivalent";
}

export interface AdmissionAttributes {
  operation: Operation;
  group: string;
  version: string;
  resource: string;
  subresource: string;
  kind: string;
  namespaced: boolean;
  namespace: string;
  name: string;
  object?: KObject;
  oldObject?: KObject;
  user: { name: string; groups: string[] };
  dryRun: boolean;
  /** The labels of the request's namespace, for namespaceSelector. */
  namespaceLabels?: Record<string, string>;
  /** The kind of `object` when it is not the resource's own (a Scale, PodExecOptions). */
  objectKind?: { group: string; version: string; kind: string };
  /** The request's options object (CreateOptions, UpdateOptions, DeleteOptions, …). */
  options?: Record<string, unknown>;
  /** The API server's authorizer for CEL's `authorizer` (registerCelAuthorizer's handle). */
  authorizerHandle?: string;
  /** The resource requested; its objects here are in its storage version. */
  info?: ResourceInfo;
  /** The request's own resource and kind, when a call sees it at an equivalent one. */
  request?: { group: string; version: string; resource: string; kind: string };
}

/** CEL's `authorizer` variable for a request, or null when the server registered none. */
export function celAuthorizer(a: AdmissionAttributes): unknown {
  if (!a.authorizerHandle) return null;
  return authorizerValue(a.authorizerHandle, a.user, {
    group: a.group,
    resource: a.resource,
    subresource: a.subresource ?? "",
    namespace: a.namespace ?? "",
    name: a.name ?? "",
  });
}

const PREFIXES = {
  mutating: "/registry/admissionregistration.k8s.io/mutatingwebhookconfigurations/",
  validating: "/registry/admissionregistration.k8s.io/validatingwebhookconfigurations/",
} as const;

const matchesList = (list: string[] | undefined, v: string) => !!list?.some((x) => x === "*" || x === v);

function ruleMatches(rule: Rule, a: AdmissionAttributes): boolean {
  if (!matchesList(rule.operations, a.operation)) return false;
  if (!matchesList(rule.apiGroups, a.group) || !matchesList(rule.apiVersions, a.version)) return false;
  const full = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const resourceOk = (rule.resources ?? []).some((r) => {
    if (r === "*" || r === "*/*") return r === "*/*" || !a.subresource;
    if (r === full) return true;
    const [res, sub] = r.split("/");
    return (res === "*" && sub === a.subresource) || (sub === "*" && res === a.resource && !!a.subresource);
  });
  if (!resourceOk) return false;
  const scope = rule.scope ?? "*";
  return scope === "*" || (scope === "Namespaced") === a.namespaced;
}

function selected(
  selector: MetaV1LabelSelector | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  if (!selector) return true;
  return matches(labelSelectorFromMetav1(selector), labels ?? {});
}

/**
 * The request as the webhook is called with it, or undefined when the webhook does not apply:
 * at the request's own version when a rule names it, else (matchPolicy Equivalent) at the first
 * equivalent resource a rule names, its objects converted to that version.
 */
export function webhookInvocation(w: Webhook, a: AdmissionAttributes): AdmissionAttributes | undefined {
  if (!selectorsPass(w, a)) return undefined;
  const rules = w.rules ?? [];
  if (rules.some((r) => ruleMatches(r, a))) return asRequested(a);
  if (w.matchPolicy === "Exact" || !a.info) return undefined;
  for (const e of equivalentsOf(a.info)) {
    if (e.group === a.group && e.version === a.version && e.resource === a.resource) continue;
    const at = { ...a, group: e.group, version: e.version, resource: e.resource };
    if (rules.some((r) => ruleMatches(r, at))) return asEquivalent(a, e);
  }
  return undefined;
}

/** Whether the webhook applies to this request (at its own or an equivalent resource). */
export function webhookApplies(w: Webhook, a: AdmissionAttributes): boolean {
  return webhookInvocation(w, a) !== undefined;
}

function selectorsPass(w: Webhook, a: AdmissionAttributes): boolean {
  // Namespaces themselves are matched by their own labels; cluster-scoped objects ignore the selector.
  const nsLabels =
    a.group === "" && a.resource === "namespaces"
      ? (a.object ?? a.oldObject)?.metadata?.labels
      : a.namespaceLabels;
  if ((a.namespaced || a.resource === "namespaces") && !selected(w.namespaceSelector, nsLabels)) return false;
  return (
    selected(w.objectSelector, (a.object ?? a.oldObject)?.metadata?.labels) ||
    selected(w.objectSelector, a.oldObject?.metadata?.labels)
  );
}

/**
 * matchConditions (CEL over object, oldObject and request): all true, the webhook is called; one
 * false, it is skipped; an error fails the request unless failurePolicy is Ignore.
 */
export function matchConditionsPass(w: Webhook, a: AdmissionAttributes): true | false | string {
  if (!w.matchConditions?.length) return true;
  const asked = a.request ?? a;
  const request = {
    kind: { group: a.group, version: a.version, kind: a.kind },
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
  };
  for (const c of w.matchConditions) {
    const r = evalCelWith(
      c.expression,
      { object: a.object ?? null, oldObject: a.oldObject ?? null, request },
      { authorizer: celAuthorizer(a) },
    );
    if (r.error !== undefined) return `failed to evaluate match condition "${c.name}": ${r.error}`;
    if (r.value !== true) return false;
  }
  return true;
}

interface ReviewResponse {
  uid?: string;
  allowed?: boolean;
  status?: { code?: number; message?: string; reason?: string };
  patch?: string;
  patchType?: string;
  warnings?: string[];
}

export class WebhookAdmission {
  private readonly configs = {
    mutating: new Map<string, Webhook[]>(),
    validating: new Map<string, Webhook[]>(),
  };
  private readonly registry: Registry;
  private readonly logger: Logger;

  constructor(deps: { registry: Registry; logger: Logger }) {
    this.registry = deps.registry;
    this.logger = deps.logger;
  }

  async follow(broadcaster: WatchBroadcaster, signal: AbortSignal): Promise<void> {
    for (const kind of ["mutating", "validating"] as const) {
      const prefix = PREFIXES[kind];
      const map = this.configs[kind];
      const r = await this.registry.storage.list(prefix);
      const put = (key: string, obj: KObject | undefined) => {
        if (obj) map.set(key, ((obj as { webhooks?: Webhook[] }).webhooks ?? []) as Webhook[]);
        else map.delete(key);
      };
      for (const kv of r.items) put(kv.key, JSON.parse(kv.value) as KObject);
      await broadcaster.subscribe(
        r.revision,
        {
          prefix,
          onEvents: (events) => {
            for (const e of events) put(e.key, e.type === "DELETED" ? undefined : e.object);
          },
          onError: (err) => {
            if (!signal.aborted)
              this.logger.warn("webhook configuration watch ended", { error: err.message });
          },
        },
        signal,
      );
    }
  }

  /** Whether any configuration exists at all: most writes skip admission webhooks entirely. */
  get empty(): boolean {
    return this.configs.mutating.size === 0 && this.configs.validating.size === 0;
  }

  private hooks(kind: "mutating" | "validating"): Webhook[] {
    // Upstream calls configurations in name order, each one's webhooks in their order.
    return [...this.configs[kind].entries()].sort(([a], [b]) => a.localeCompare(b)).flatMap(([, w]) => w);
  }

  /**
   * Mutating webhooks in order; the object is patched in place. A webhook with
   * reinvocationPolicy IfNeeded is called once more if a later webhook changed the object after
   * its call (upstream's reinvocation: at most one more round).
   */
  async mutate(a: AdmissionAttributes, warnings: string[]): Promise<void> {
    const after = new Map<Webhook, string>();
    const hooks = this.hooks("mutating");
    const invoke = async (w: Webhook): Promise<boolean> => {
      const seen = a.object ? webhookInvocation(w, a) : undefined;
      if (!seen || !this.conditionsAllow(w, seen)) return false;
      await this.mutateOnce(w, seen, a, warnings);
      return true;
    };
    for (const w of hooks)
      if ((await invoke(w)) && w.reinvocationPolicy === "IfNeeded") after.set(w, JSON.stringify(a.object));
    if (!after.size || !a.object) return;
    const final = JSON.stringify(a.object);
    for (const w of hooks) {
      const seen = after.get(w);
      if (seen === undefined || seen === final) continue;
      await invoke(w);
    }
  }

  /** One mutating call with the request as `seen` has it; the patch lands on `a.object`. */
  private async mutateOnce(
    w: Webhook,
    seen: AdmissionAttributes,
    a: AdmissionAttributes,
    warnings: string[],
  ): Promise<void> {
    const res = await this.call(w, seen);
    if (!res || !a.object || !seen.object) return;
    warnings.push(...(res.warnings ?? []));
    if (!res.allowed) throw denied(w, res);
    if (!res.patch) return;
    if (res.patchType !== "JSONPatch") throw internal(w, `unsupported patch type "${res.patchType ?? ""}"`);
    let patched: unknown;
    try {
      patched = applyJsonPatch(seen.object, JSON.parse(Buffer.from(res.patch, "base64").toString("utf8")));
    } catch (e) {
      throw internal(w, `the patch could not be applied: ${(e as Error).message}`);
    }
    patched = toStored(seen, patched as KObject);
    for (const k of Object.keys(a.object)) delete (a.object as Record<string, unknown>)[k];
    Object.assign(a.object, patched);
  }

  /** Validating webhooks (upstream calls them in parallel; any refusal refuses the request). */
  async validate(a: AdmissionAttributes, warnings: string[]): Promise<void> {
    const calls = this.hooks("validating").flatMap((w) => {
      const seen = webhookInvocation(w, a);
      return seen && this.conditionsAllow(w, seen) ? [{ w, seen }] : [];
    });
    const results = await Promise.allSettled(
      calls.map(({ w, seen }) => this.call(w, seen).then((r) => ({ w, r }))),
    );
    for (const r of results) if (r.status === "rejected") throw r.reason;
    for (const r of results) {
      if (r.status !== "fulfilled" || !r.value.r) continue;
      warnings.push(...(r.value.r.warnings ?? []));
      if (!r.value.r.allowed) throw denied(r.value.w, r.value.r);
    }
  }

  /** One call; undefined when it failed and its failurePolicy is Ignore. */
  private async call(w: Webhook, a: AdmissionAttributes): Promise<ReviewResponse | undefined> {
    const uid = randomUUID();
    const timeoutMs = (w.timeoutSeconds ?? 10) * 1000;
    let target: Target;
    try {
      target = await webhookTarget(this.registry, w);
    } catch (e) {
      return this.failed(w, (e as Error).message);
    }
    const asked = a.request ?? a;
    const review = {
      kind: "AdmissionReview",
      apiVersion: "admission.k8s.io/v1",
      request: {
        uid,
        kind: a.objectKind ?? { group: a.group, version: a.version, kind: a.kind },
        resource: { group: a.group, version: a.version, resource: a.resource },
        ...(a.subresource ? { subResource: a.subresource } : {}),
        requestKind: a.objectKind ?? { group: asked.group, version: asked.version, kind: asked.kind },
        requestResource: { group: asked.group, version: asked.version, resource: asked.resource },
        ...(a.subresource ? { requestSubResource: a.subresource } : {}),
        ...(a.name ? { name: a.name } : {}),
        ...(a.namespace ? { namespace: a.namespace } : {}),
        operation: a.operation,
        userInfo: { username: a.user.name, groups: a.user.groups },
        object: a.object ?? null,
        oldObject: a.oldObject ?? null,
        dryRun: a.dryRun,
        options: a.options ?? null,
      },
    };
    const ca = w.clientConfig.caBundle
      ? Buffer.from(w.clientConfig.caBundle, "base64").toString("utf8")
      : undefined;
    let text: string;
    try {
      text = await post(target, JSON.stringify(review), ca, timeoutMs);
    } catch (e) {
      return this.failed(w, `failed to call webhook: Post "${target.display}": ${(e as Error).message}`);
    }
    let res: ReviewResponse | undefined;
    try {
      res = (JSON.parse(text) as { response?: ReviewResponse }).response;
    } catch {
      return this.failed(w, "received invalid webhook response: the response is not JSON");
    }
    if (!res) return this.failed(w, "received invalid webhook response: response is nil");
    if (res.uid !== uid) return this.failed(w, `expected response.uid="${uid}", got "${res.uid ?? ""}"`);
    return res;
  }

  private conditionsAllow(w: Webhook, a: AdmissionAttributes): boolean {
    const r = matchConditionsPass(w, a);
    if (typeof r !== "string") return r;
    this.failed(w, r);
    return false;
  }

  private failed(w: Webhook, message: string): undefined {
    if (w.failurePolicy === "Ignore") {
      this.logger.warn("webhook failed, ignored by its failurePolicy", { webhook: w.name, error: message });
      return undefined;
    }
    throw internal(w, message);
  }
}

function denied(w: Webhook, res: ReviewResponse): StatusError {
  const by = `admission webhook "${w.name}" denied the request`;
  const message = res.status?.message ? `${by}: ${res.status.message}` : `${by} without explanation`;
  const code = res.status?.code || 400;
  return new StatusError(
    code,
    (res.status?.reason ?? (code === 400 ? "BadRequest" : "")) as StatusReason,
    message,
  );
}

function internal(w: Webhook, message: string): StatusError {
  return new StatusError(
    500,
    "InternalError",
    `Internal error occurred: failed calling webhook "${w.name}": ${message}`,
  );
}
