import type { KObject } from "../apimachinery/meta.ts";
import { forbidden, notFound } from "../apimachinery/status-error.ts";
import type { RequestScope } from "./handlers/scope.ts";
import type { NamespaceCache } from "./namespace-cache.ts";

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
    throw forbidden(
      `${what} "${obj.metadata?.name ?? ""}" is forbidden: unable to create new content in namespace ${ns} because it is being terminated`,
    );
  }
}
