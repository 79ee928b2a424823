// The authorizer's view of a request (authorizer.AttributesRecord from the RequestInfo), and the
// 403 that a refusal answers.
import { StatusError } from "../../apimachinery/status-error.ts";
import type { RequestInfo } from "../http/request-info.ts";
import type { UserInfo } from "../registry/strategy.ts";
import { type Attributes, forbiddenMessage } from "./authorizer.ts";

const METHOD_VERBS: Record<string, string> = {
  GET: "get",
  HEAD: "get",
  POST: "create",
  PUT: "update",
  PATCH: "patch",
  DELETE: "delete",
};

export function attributesOf(method: string, path: string, info: RequestInfo, user: UserInfo): Attributes {
  const methodVerb = METHOD_VERBS[method.toUpperCase()] ?? method.toLowerCase();
  if (!info.isResource)
    return {
      user,
      verb: methodVerb,
      isResource: false,
      namespace: "",
      apiGroup: "",
      resource: "",
      subresource: "",
      name: "",
      path,
    };
  return {
    user,
    // Connections (exec, attach, port-forward, proxy) are authorized by their HTTP method, as upstream.
    verb: info.verb === "connect" ? methodVerb : info.verb,
    isResource: true,
    namespace: info.namespace,
    apiGroup: info.group,
    resource: info.resource,
    subresource: info.subresource,
    name: info.name || info.selectedName || "",
    path,
    ...(info.selectedNodeName ? { fieldNodeName: info.selectedNodeName } : {}),
  };
}

/** responsewriters.Forbidden: `pods "x" is forbidden: User "u" cannot get resource "pods/log" …`. */
export function forbiddenError(a: Attributes, reason: string): StatusError {
  const msg = reason ? `${forbiddenMessage(a)}: ${reason}` : forbiddenMessage(a);
  if (!a.isResource) return new StatusError(403, "Forbidden", `forbidden: ${msg}`, {});
  const qr = a.apiGroup ? `${a.resource}.${a.apiGroup}` : a.resource;
  const message = a.name ? `${qr} "${a.name}" is forbidden: ${msg}` : `${qr} is forbidden: ${msg}`;
  return new StatusError(403, "Forbidden", message, {
    name: a.name || undefined,
    group: a.apiGroup || undefined,
    kind: a.resource || undefined,
  });
}
