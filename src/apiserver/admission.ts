import type { KObject } from "../apimachinery/meta.ts";
import { forbidden, notFound, StatusError } from "../apimachinery/status-error.ts";
import type { RequestScope } from "./handlers/scope.ts";
import type { NamespaceCache } from "./namespace-cache.ts";
import type { GenericStore } from "./registry/generic-store.ts";

/**
 * Admission for creates. NamespaceLifecycle: the namespace must exist and not be terminating
 * (plugin/pkg/admission/namespace/lifecycle).
 */
export async function admitCreate(
  namespaces: NamespaceCache,
  scope: RequestScope,
  obj: KObject,
): Promise<void> {
  if (!scope.info.namespaced) return;
  const ns = scope.req.namespace;
  const namespace = await namespaces.get(ns);
  if (!namespace) throw notFound({ group: "", resource: "namespaces" }, ns);
  if (namespace.metadata?.deletionTimestamp || (namespace.status as any)?.phase === "Terminating") {
    const what = scope.info.group ? `${scope.info.resource}.${scope.info.group}` : scope.info.resource;
    const name = obj.metadata?.name ?? "";
    const err = forbidden(
      `${what} "${name}" is forbidden: unable to create new content in namespace ${ns} because it is being terminated`,
    );
    // Controllers recognise this cause and stop creating (NamespaceTerminatingCause upstream).
    throw new StatusError(err.code, err.reason, err.message, {
      name,
      group: scope.info.group || undefined,
      kind: scope.info.resource,
      causes: [
        {
          reason: "NamespaceTerminating",
          message: `namespace ${ns} is being terminated`,
          field: "metadata.namespace",
        },
      ],
    });
  }
}

const DEFAULT_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class";

/**
 * DefaultIngressClass (plugin/pkg/admission/network/defaultingressclass): an Ingress created without
 * a class, by field or by the legacy annotation, gets the default IngressClass, the newest when
 * several are marked default.
 */
export async function admitIngressClass(classes: GenericStore, obj: KObject): Promise<void> {
  const spec = (obj.spec ??= {}) as { ingressClassName?: string };
  if (spec.ingressClassName || obj.metadata?.annotations?.["kubernetes.io/ingress.class"] !== undefined)
    return;
  const { items } = await classes.list("");
  const defaults = items
    .filter((c) => c.metadata?.annotations?.[DEFAULT_CLASS_ANNOTATION] === "true")
    .sort(
      (a, b) =>
        (b.metadata?.creationTimestamp ?? "").localeCompare(a.metadata?.creationTimestamp ?? "") ||
        (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""),
    );
  if (defaults[0]?.metadata?.name) spec.ingressClassName = defaults[0].metadata.name;
}
