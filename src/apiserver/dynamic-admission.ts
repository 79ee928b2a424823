// Dynamic admission: admission webhooks and ValidatingAdmissionPolicies, as the API server's
// handlers call them. Mutating webhooks run before an object's own validation; policies, then
// validating webhooks, after it (upstream's plugin order). Writes skip all of it while no
// webhook configuration or policy binding exists.
import type { KObject } from "../apimachinery/meta.ts";
import type { Logger } from "../util/logger.ts";
import type { RequestScope } from "./handlers/scope.ts";
import type { NamespaceCache } from "./namespace-cache.ts";
import { ValidatingAdmissionPolicies } from "./policy/admission-policy.ts";
import type { Registry } from "./registry/registry.ts";
import type { UserInfo } from "./registry/strategy.ts";
import type { WatchBroadcaster } from "./watch/broadcaster.ts";
import { WebhookAdmission, type AdmissionAttributes, type Operation } from "./webhooks/webhook-admission.ts";

/** The options object an AdmissionReview carries: the request's Create/Update/DeleteOptions. */
function optionsOf(operation: Operation, scope: RequestScope): Record<string, unknown> | undefined {
  const kind = { CREATE: "CreateOptions", UPDATE: "UpdateOptions", DELETE: "DeleteOptions" }[
    operation as "CREATE"
  ];
  if (!kind) return undefined;
  const options: Record<string, unknown> = { kind, apiVersion: "meta.k8s.io/v1" };
  if (scope.ctx.dryRun) options.dryRun = ["All"];
  if (operation !== "DELETE" && scope.ctx.fieldManager) options.fieldManager = scope.ctx.fieldManager;
  return options;
}

export class DynamicAdmission {
  private readonly webhooks: WebhookAdmission;
  private readonly policies: ValidatingAdmissionPolicies;
  private readonly namespaces: NamespaceCache;
  private readonly authorizerHandle: string | undefined;

  constructor(deps: {
    registry: Registry;
    logger: Logger;
    namespaces: NamespaceCache;
    /** registerCelAuthorizer's handle for the server's authorizer, for CEL's `authorizer`. */
    authorizerHandle?: string;
  }) {
    this.webhooks = new WebhookAdmission(deps);
    this.policies = new ValidatingAdmissionPolicies(deps);
    this.namespaces = deps.namespaces;
    this.authorizerHandle = deps.authorizerHandle;
  }

  async follow(broadcaster: WatchBroadcaster, signal: AbortSignal): Promise<void> {
    await this.webhooks.follow(broadcaster, signal);
    await this.policies.follow(broadcaster, signal);
  }

  /** Whether any admission webhook or policy binding exists: most writes skip all of this. */
  get active(): boolean {
    return !this.webhooks.empty || !this.policies.empty;
  }

  /** What webhooks and policies are told about a request, or undefined when none can apply. */
  private async attrs(
    scope: RequestScope,
    operation: Operation,
    obj: KObject | undefined,
    old: KObject | undefined,
    extra: Partial<AdmissionAttributes> = {},
  ): Promise<AdmissionAttributes | undefined> {
    // Webhook configurations are never sent to webhooks, so that a broken one can be fixed.
    if (!this.active || scope.info.group === "admissionregistration.k8s.io") return undefined;
    const ns = scope.info.namespaced ? scope.req.namespace : "";
    return {
      operation,
      group: scope.served.group,
      version: scope.served.version,
      resource: scope.info.resource,
      subresource: scope.req.subresource,
      kind: scope.info.kind,
      namespaced: scope.info.namespaced,
      namespace: ns,
      name: (obj ?? old)?.metadata?.name ?? scope.req.name,
      object: obj,
      oldObject: old,
      user: scope.ctx.user,
      dryRun: scope.ctx.dryRun,
      namespaceLabels: ns ? (await this.namespaces.get(ns))?.metadata?.labels : undefined,
      options: optionsOf(operation, scope),
      authorizerHandle: this.authorizerHandle,
      info: scope.info,
      ...extra,
    };
  }

  /** Mutating admission webhooks, before the object's own validation. */
  async mutate(
    scope: RequestScope,
    operation: Operation,
    obj: KObject | undefined,
    old: KObject | undefined,
    extra?: Partial<AdmissionAttributes>,
  ): Promise<void> {
    const attrs = await this.attrs(scope, operation, obj, old, extra);
    if (attrs) await this.webhooks.mutate(attrs, scope.ctx.warnings);
  }

  /** Policies, then validating webhooks: after the object's own validation, before it is stored. */
  async validate(
    scope: RequestScope,
    operation: Operation,
    obj: KObject | undefined,
    old: KObject | undefined,
    extra?: Partial<AdmissionAttributes>,
  ): Promise<void> {
    const attrs = await this.attrs(scope, operation, obj, old, extra);
    if (attrs) await this.validateAttrs(attrs, scope.ctx.warnings);
  }

  private async validateAttrs(attrs: AdmissionAttributes, warnings: string[]): Promise<void> {
    if (!this.policies.empty)
      await this.policies.validate(
        attrs,
        warnings,
        attrs.namespace ? await this.namespaces.get(attrs.namespace) : undefined,
      );
    await this.webhooks.validate(attrs, warnings);
  }

  /** exec, attach and port-forward: a CONNECT with the request's options object. */
  async connect(
    user: UserInfo,
    namespace: string,
    name: string,
    subresource: string,
    options: KObject,
  ): Promise<void> {
    if (!this.active) return;
    const attrs: AdmissionAttributes = {
      operation: "CONNECT",
      group: "",
      version: "v1",
      resource: "pods",
      subresource,
      kind: "Pod",
      objectKind: { group: "", version: "v1", kind: String(options.kind) },
      namespaced: true,
      namespace,
      name,
      object: options,
      user,
      dryRun: false,
      namespaceLabels: (await this.namespaces.get(namespace))?.metadata?.labels,
      authorizerHandle: this.authorizerHandle,
    };
    const warnings: string[] = [];
    await this.webhooks.mutate(attrs, warnings);
    await this.validateAttrs(attrs, warnings);
  }
}
