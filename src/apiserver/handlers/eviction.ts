// pods/eviction (pkg/registry/core/pod/storage/eviction.go): a delete that a PodDisruptionBudget
// may refuse with 429 while it has no disruptions left; an allowed one is counted in the budget's
// status (disruptionsAllowed down by one, the pod in disruptedPods) before the pod is deleted.
import type { KObject } from "../../apimachinery/meta.ts";
import { labelSelectorFromMetav1, matches } from "../../apimachinery/selectors/index.ts";
import { badRequest, forbidden, internal, StatusError } from "../../apimachinery/status-error.ts";
import { rfc3339 } from "../../util/clock.ts";
import { parseBody, requestContentType } from "./decode.ts";
import { parseDeleteOptions, type CrudDeps } from "./crud.ts";
import { successStatus, writeJson } from "./encode.ts";
import type { RequestScope, ResponseSink } from "./scope.ts";

type Obj = Record<string, any>;

const violation = "Cannot evict pod as it would violate the pod's disruption budget.";

function tooManyRequests(cause: string): StatusError {
  return new StatusError(429, "TooManyRequests", violation, {
    causes: [{ reason: "DisruptionBudget", message: cause }],
  });
}

const isReady = (pod: Obj) =>
  (pod.status?.conditions ?? []).some((c: Obj) => c.type === "Ready" && c.status === "True");

/** A pod that is not running anything a budget protects is evicted without one (canIgnorePDB). */
function canIgnoreBudget(pod: Obj): boolean {
  const phase = pod.status?.phase;
  return (
    Boolean(pod.metadata?.deletionTimestamp) ||
    phase === "Succeeded" ||
    phase === "Failed" ||
    phase === "Pending"
  );
}

export async function handleEviction(deps: CrudDeps, scope: RequestScope, res: ResponseSink): Promise<void> {
  const body = (parseBody(requestContentType(scope), scope.body) ?? {}) as Obj;
  const { namespace, name } = scope.req;
  if (body.metadata?.name && body.metadata.name !== name)
    throw badRequest("name in URL does not match name in Eviction object");
  const pods = deps.registry.get("", "pods")!;
  const pod = (await pods.get(namespace, name)) as Obj;
  const deleteOptions = {
    ...parseDeleteOptions({ ...scope, body: undefined }),
    ...(body.deleteOptions ?? {}),
  };
  const evict = async () => {
    await pods.delete(namespace, name, deleteOptions, scope.ctx);
    writeJson(res, 201, { ...successStatus(undefined), code: 201 }, scope);
  };
  if (canIgnoreBudget(pod)) return evict();
  const budgets = deps.registry.get("policy", "poddisruptionbudgets")!;
  const { items } = await budgets.list(namespace);
  const covering = (items as Obj[]).filter(
    (b) =>
      b.spec?.selector != null && matches(labelSelectorFromMetav1(b.spec.selector), pod.metadata?.labels),
  );
  if (!covering.length) return evict();
  if (covering.length > 1)
    throw internal(
      "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
    );
  const budgetName = covering[0]!.metadata.name as string;
  await budgets.guaranteedUpdate(
    namespace,
    budgetName,
    scope.ctx,
    (current) => {
      const pdb = current as Obj;
      const status = (pdb.status ??= {}) as Obj;
      if ((status.observedGeneration ?? 0) < (pdb.metadata?.generation ?? 0))
        throw tooManyRequests(`The disruption budget ${budgetName} is still being processed by the server.`);
      // An unready pod may go while the budget is healthy without it (IfHealthyBudget), or always.
      if (!isReady(pod)) {
        if (pdb.spec?.unhealthyPodEvictionPolicy === "AlwaysAllow") return pdb as KObject;
        if ((status.currentHealthy ?? 0) >= (status.desiredHealthy ?? 0) && (status.desiredHealthy ?? 0) > 0)
          return pdb as KObject;
      }
      const allowed = status.disruptionsAllowed ?? 0;
      if (allowed < 0) throw forbidden("pdb disruptions allowed is negative");
      if (allowed === 0)
        throw tooManyRequests(
          `The disruption budget ${budgetName} needs ${status.desiredHealthy ?? 0} healthy pods and has ${status.currentHealthy ?? 0} currently`,
        );
      status.disruptionsAllowed = allowed - 1;
      if (status.disruptionsAllowed === 0) {
        for (const c of (status.conditions ?? []) as Obj[])
          if (c.type === "DisruptionAllowed" && c.status !== "False") {
            c.status = "False";
            c.reason = "InsufficientPods";
            c.lastTransitionTime = rfc3339(scope.ctx.now);
          }
      }
      status.disruptedPods = { ...status.disruptedPods, [name]: rfc3339(scope.ctx.now) };
      return pdb as KObject;
    },
    // Concurrent evictions (drain evicts in parallel) retry on a conflict, as upstream's
    // RetryOnConflict does, instead of failing with the read version they carried.
    { subresource: "status", pinned: false },
  );
  return evict();
}
