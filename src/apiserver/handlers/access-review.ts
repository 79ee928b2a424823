// authorization.k8s.io/v1 reviews (`kubectl auth can-i`, `--list`, and webhooks' SubjectAccessReview):
// the authorizer's answer for the attributes in the spec, for the caller or the user named there.
// Nothing is stored; the answer echoes the spec with a status.
import { parseBody, requestContentType } from "./decode.ts";
import { writeJson } from "./encode.ts";
import { badRequest, invalid } from "../../apimachinery/status-error.ts";
import { invalid as invalidField } from "../../apimachinery/field-error.ts";
import type { Attributes, Authorizer } from "../auth/authorizer.ts";
import type { UserInfo } from "../registry/strategy.ts";
import type { RequestScope, ResponseSink } from "./scope.ts";

type Obj = Record<string, any>;

function bodyOf(scope: RequestScope): Obj {
  const body = scope.body?.length ? parseBody(requestContentType(scope), scope.body, undefined) : {};
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw badRequest("the body of the request was in an unknown format");
  return body as Obj;
}

function attributesFrom(spec: Obj, user: UserInfo): Attributes {
  const r = spec.resourceAttributes as Obj | undefined;
  if (r)
    return {
      user,
      verb: String(r.verb ?? ""),
      isResource: true,
      namespace: String(r.namespace ?? ""),
      apiGroup: String(r.group ?? ""),
      resource: String(r.resource ?? ""),
      subresource: String(r.subresource ?? ""),
      name: String(r.name ?? ""),
      path: "",
    };
  const n = (spec.nonResourceAttributes ?? {}) as Obj;
  return {
    user,
    verb: String(n.verb ?? ""),
    isResource: false,
    namespace: "",
    apiGroup: "",
    resource: "",
    subresource: "",
    name: "",
    path: String(n.path ?? ""),
  };
}

function validateSpec(kind: string, spec: Obj): void {
  if (spec.resourceAttributes && spec.nonResourceAttributes)
    throw invalid("authorization.k8s.io", kind, "", [
      invalidField(
        "spec.nonResourceAttributes",
        spec.nonResourceAttributes,
        "cannot be specified in combination with resourceAttributes",
      ),
    ]);
  if (!spec.resourceAttributes && !spec.nonResourceAttributes)
    throw invalid("authorization.k8s.io", kind, "", [
      invalidField(
        "spec.resourceAttributes",
        null,
        "exactly one of nonResourceAttributes or resourceAttributes must be specified",
      ),
    ]);
}

function answer(scope: RequestScope, res: ResponseSink, kind: string, spec: Obj, status: Obj): void {
  const meta: Obj = { creationTimestamp: null };
  if (scope.req.namespace && kind === "LocalSubjectAccessReview") meta.namespace = scope.req.namespace;
  writeJson(
    res,
    201,
    {
      kind,
      apiVersion: `${scope.served.group}/${scope.served.version}`,
      metadata: meta,
      spec,
      status,
    },
    scope,
    scope.output.kind === "object" && scope.output.yaml,
  );
}

export function handleAccessReview(authorizer: Authorizer, scope: RequestScope, res: ResponseSink): void {
  const kind = scope.info.kind;
  const body = bodyOf(scope);
  const spec = (body.spec ?? {}) as Obj;
  if (kind === "SelfSubjectRulesReview") {
    const namespace = String(spec.namespace ?? "");
    return answer(scope, res, kind, spec, authorizer.rulesFor(scope.ctx.user, namespace));
  }
  validateSpec(kind, spec);
  let user = scope.ctx.user;
  if (kind === "SubjectAccessReview" || kind === "LocalSubjectAccessReview") {
    if (!spec.user && !(spec.groups as unknown[] | undefined)?.length)
      throw invalid("authorization.k8s.io", kind, "", [
        invalidField("spec.user", spec.user ?? "", "at least one of user or group must be specified"),
      ]);
    user = {
      name: String(spec.user ?? ""),
      groups: ((spec.groups as string[] | undefined) ?? []).map(String),
    };
  }
  if (kind === "LocalSubjectAccessReview") {
    const ns = scope.req.namespace;
    const attrs = (spec.resourceAttributes ?? {}) as Obj;
    if (spec.nonResourceAttributes)
      throw badRequest("disallowed on this kind of request: nonResourceAttributes");
    if (attrs.namespace && attrs.namespace !== ns)
      throw badRequest(`spec.resourceAttributes.namespace must match namespace: ${ns}`);
    spec.resourceAttributes = { ...attrs, namespace: ns };
  }
  const decision = authorizer.authorize(attributesFrom(spec, user), true);
  const status: Obj = { allowed: decision.allowed };
  if (decision.reason) status.reason = decision.reason;
  answer(scope, res, kind, spec, status);
}
