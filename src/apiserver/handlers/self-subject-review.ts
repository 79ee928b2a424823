// authentication.k8s.io SelfSubjectReview (`kubectl auth whoami`): the request's own user as the
// authenticator saw it, in the version asked for. Nothing is stored, so the object has no name and
// Go encodes its zero creationTimestamp as null.
import { parseBody, requestContentType } from "./decode.ts";
import { writeJson } from "./encode.ts";
import { badRequest } from "../../apimachinery/status-error.ts";
import type { RequestScope, ResponseSink } from "./scope.ts";

export function handleSelfSubjectReview(scope: RequestScope, res: ResponseSink): void {
  const body = scope.body?.length ? parseBody(requestContentType(scope), scope.body, undefined) : {};
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw badRequest("the body of the request was in an unknown format");
  const { user } = scope.ctx;
  const userInfo: Record<string, unknown> = { username: user.name };
  if (user.groups.length) userInfo.groups = user.groups;
  writeJson(
    res,
    201,
    {
      kind: "SelfSubjectReview",
      apiVersion: `${scope.served.group}/${scope.served.version}`,
      metadata: { creationTimestamp: null },
      status: { userInfo },
    },
    scope,
    scope.output.kind === "object" && scope.output.yaml,
  );
}
