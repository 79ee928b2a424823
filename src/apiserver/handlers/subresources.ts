import { labelSelectorFromMetav1, labelSelectorToString } from "../../apimachinery/selectors/index.ts";
import type { KObject } from "../../apimachinery/meta.ts";
import { badRequest, conflict, invalid, notFound, StatusError } from "../../apimachinery/status-error.ts";
import { rfc3339 } from "../../util/clock.ts";
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from "../patch/index.ts";
import { parseBody, requestContentType } from "./decode.ts";
import type { CrudDeps } from "./crud.ts";
import { successStatus, writeJson } from "./encode.ts";
import type { RequestScope, ResponseSink } from "./scope.ts";

const segments = (path: string) => path.replace(/^\./, "").split(".");

function readPath(obj: unknown, path: string): unknown {
  return segments(path).reduce<unknown>(
    (o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined),
    obj,
  );
}

function writePath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = segments(path);
  let o = obj;
  for (const k of keys.slice(0, -1)) {
    if (typeof o[k] !== "object" || o[k] === null) o[k] = {};
    o = o[k] as Record<string, unknown>;
  }
  o[keys.at(-1)!] = value;
}

/** The autoscaling/v1 Scale view of a workload (upstream's per-resource ScaleREST). */
function scaleOf(scope: RequestScope, obj: any): KObject {
  const paths = scope.info.scalePaths;
  if (paths) {
    const m = obj.metadata;
    const selector = paths.labelSelector ? readPath(obj, paths.labelSelector) : undefined;
    return {
      kind: "Scale",
      apiVersion: "autoscaling/v1",
      metadata: {
        name: m.name,
        namespace: m.namespace,
        uid: m.uid,
        resourceVersion: m.resourceVersion,
        creationTimestamp: m.creationTimestamp,
      },
      spec: { replicas: Number(readPath(obj, paths.specReplicas) ?? 0) },
      status: {
        replicas: Number(readPath(obj, paths.statusReplicas) ?? 0),
        ...(typeof selector === "string" && selector ? { selector } : {}),
      },
    };
  }
  const rc = scope.info.resource === "replicationcontrollers";
  const selector = rc
    ? Object.entries((obj.spec?.selector ?? {}) as Record<string, string>)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => `${k}=${v}`)
        .join(",")
    : labelSelectorToString(labelSelectorFromMetav1(obj.spec?.selector ?? {}));
  const m = obj.metadata;
  return {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: {
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      creationTimestamp: m.creationTimestamp,
    },
    spec: { replicas: obj.spec?.replicas ?? 0 },
    status: { replicas: obj.status?.replicas ?? 0, selector },
  };
}

export async function handleScale(deps: CrudDeps, scope: RequestScope, res: ResponseSink): Promise<void> {
  const store = deps.registry.for(scope.info);
  const { namespace, name, verb } = scope.req;
  if (verb === "get") {
    writeJson(res, 200, scaleOf(scope, await store.get(namespace, name)), scope);
    return;
  }
  if (verb !== "update" && verb !== "patch")
    throw new StatusError(405, "MethodNotAllowed", `${verb} is not supported on scale`);
  const body = parseBody(requestContentType(scope), scope.body);
  let pinned = false;
  const { object } = await store.guaranteedUpdate(
    namespace,
    name,
    scope.ctx,
    async (current) => {
      if (!current) throw notFound({ group: scope.info.group, resource: scope.info.resource }, name);
      const before = scaleOf(scope, current);
      let scale: any;
      if (verb === "update") scale = body;
      else {
        const ct = requestContentType(scope);
        if (ct === "application/json-patch+json") scale = applyJsonPatch(before, body);
        else if (ct === "application/merge-patch+json") scale = applyMergePatch(before, body);
        else if (ct === "application/strategic-merge-patch+json")
          scale = applyStrategicMergePatch(before, body, { group: "autoscaling", kind: "Scale" });
        else throw badRequest(`unsupported patch type for scale: ${ct}`);
      }
      if (typeof scale !== "object" || scale === null) throw badRequest("the body must be a Scale object");
      await deps.admitScale?.(scope, scale, before);
      const replicas = scale.spec?.replicas;
      if (!Number.isInteger(replicas) || replicas < 0) {
        throw invalid("autoscaling", "Scale", name, [
          {
            type: "FieldValueInvalid",
            field: "spec.replicas",
            value: replicas,
            detail: "must be greater than or equal to 0",
          },
        ]);
      }
      const rv = scale.metadata?.resourceVersion;
      if (verb === "update" && rv) {
        pinned = true;
        if (rv !== current.metadata!.resourceVersion)
          throw conflict(
            { group: scope.info.group, resource: scope.info.resource },
            name,
            "the object has been modified; please apply your changes to the latest version and try again",
          );
      }
      const paths = scope.info.scalePaths;
      if (paths) writePath(current as Record<string, unknown>, paths.specReplicas, replicas);
      else (current as any).spec = { ...(current as any).spec, replicas };
      return current;
    },
    { pinned, managedSubresource: "scale" },
  );
  writeJson(res, 200, scaleOf(scope, object), scope);
}

/** pods/binding: assigns a pod to a node once (pkg/registry/core/pod/storage/storage.go). */
export async function handleBinding(
  deps: CrudDeps,
  scope: RequestScope,
  res: ResponseSink,
  podName: string,
): Promise<void> {
  const body = parseBody(requestContentType(scope), scope.body) as any;
  const target = body?.target;
  if (!target?.name) {
    throw invalid("", "Binding", body?.metadata?.name ?? podName, [
      { type: "FieldValueRequired", field: "target.name", detail: "" },
    ]);
  }
  if (target.kind && target.kind !== "Node") {
    throw invalid("", "Binding", podName, [
      {
        type: "FieldValueNotSupported",
        field: "target.kind",
        value: target.kind,
        detail: 'supported values: "Node", ""',
      },
    ]);
  }
  const pods = deps.registry.get("", "pods")!;
  await pods.guaranteedUpdate(
    scope.req.namespace,
    podName,
    scope.ctx,
    (current) => {
      if (!current) throw notFound({ group: "", resource: "pods" }, podName);
      const pod = current as any;
      if (pod.metadata.deletionTimestamp) {
        throw conflict(
          { group: "", resource: "pods/binding" },
          podName,
          "pod is being deleted, cannot be assigned to a host",
        );
      }
      if (pod.spec.nodeName) {
        throw conflict(
          { group: "", resource: "pods/binding" },
          podName,
          `pod ${podName} is already assigned to node "${pod.spec.nodeName}"`,
        );
      }
      pod.spec.nodeName = target.name;
      const annotations = body.metadata?.annotations;
      if (annotations) pod.metadata.annotations = { ...pod.metadata.annotations, ...annotations };
      const conditions = (pod.status.conditions ?? []).filter((c: any) => c.type !== "PodScheduled");
      conditions.push({
        type: "PodScheduled",
        status: "True",
        lastProbeTime: null,
        lastTransitionTime: rfc3339(scope.ctx.now),
      });
      pod.status.conditions = conditions;
      return current;
    },
    { subresource: "binding" },
  );
  writeJson(res, 201, { ...successStatus(undefined), code: 201 }, scope);
}
