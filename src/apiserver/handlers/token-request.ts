// serviceaccounts/token (`kubectl create token`): a TokenRequest answered with a signed JWT for the
// service account, for the audiences asked (the API server's by default), bound to a pod, secret or
// node when asked, and valid for expirationSeconds (3600 by default, at least 10 minutes).
import { parseBody, requestContentType } from "./decode.ts";
import { writeJson } from "./encode.ts";
import { StatusError, invalid, notFound } from "../../apimachinery/status-error.ts";
import { invalid as invalidField, notSupported } from "../../apimachinery/field-error.ts";
import { rfc3339 } from "../../util/clock.ts";
import type { Registry } from "../registry/registry.ts";
import type { ServiceAccountTokens } from "../auth/service-account-tokens.ts";
import type { RequestScope, ResponseSink } from "./scope.ts";

type Obj = Record<string, any>;
const MIN_SECONDS = 600;
const MAX_SECONDS = 2 ** 32;
const BOUND_RESOURCES: Record<string, string> = { Pod: "pods", Secret: "secrets", Node: "nodes" };

export async function handleTokenRequest(
  registry: Registry,
  tokens: ServiceAccountTokens,
  scope: RequestScope,
  res: ResponseSink,
): Promise<void> {
  const { namespace, name } = scope.req;
  const body = (scope.body?.length ? parseBody(requestContentType(scope), scope.body, undefined) : {}) as Obj;
  const spec: Obj = { ...(body?.spec as Obj | undefined) };
  const sa = await registry.get("", "serviceaccounts")!.get(namespace, name);
  if (!Array.isArray(spec.audiences) || spec.audiences.length === 0) spec.audiences = tokens.apiAudiences;
  spec.expirationSeconds ??= 3600;
  const seconds = Number(spec.expirationSeconds);
  const errs = [];
  if (seconds < MIN_SECONDS)
    errs.push(
      invalidField("spec.expirationSeconds", seconds, "may not specify a duration less than 10 minutes"),
    );
  if (seconds > MAX_SECONDS)
    errs.push(
      invalidField("spec.expirationSeconds", seconds, "may not specify a duration larger than 2^32 seconds"),
    );
  const ref = spec.boundObjectRef as Obj | undefined;
  if (ref && !BOUND_RESOURCES[ref.kind as string])
    errs.push(notSupported("spec.boundObjectRef.kind", ref.kind ?? "", ["Pod", "Secret", "Node"]));
  if (errs.length) throw invalid("authentication.k8s.io", "TokenRequest", name, errs);
  let bound: { kind: string; name: string; uid: string } | undefined;
  if (ref) {
    const resource = BOUND_RESOURCES[ref.kind as string]!;
    const store = registry.get("", resource)!;
    const obj = await store.tryGet(resource === "nodes" ? "" : namespace, String(ref.name ?? ""));
    if (!obj) throw notFound({ group: "", resource }, String(ref.name ?? ""));
    if (ref.uid && ref.uid !== obj.metadata?.uid)
      throw new StatusError(
        409,
        "Conflict",
        `Operation cannot be fulfilled on ${resource} "${ref.name}": the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`,
      );
    bound = { kind: ref.kind as string, name: String(ref.name), uid: obj.metadata!.uid! };
    spec.boundObjectRef = { ...ref, uid: bound.uid };
  }
  const { token, claims } = tokens.issue({
    namespace,
    serviceAccount: { name, uid: sa.metadata!.uid! },
    audiences: spec.audiences as string[],
    expirationSeconds: seconds,
    now: scope.ctx.now,
    bound,
  });
  writeJson(
    res,
    201,
    {
      kind: "TokenRequest",
      apiVersion: "authentication.k8s.io/v1",
      metadata: { name, namespace, creationTimestamp: null },
      spec,
      status: { token, expirationTimestamp: rfc3339(new Date(claims.exp * 1000)) },
    },
    scope,
  );
}
