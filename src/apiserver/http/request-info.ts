// Splits a request path into the API coordinates, as apiserver/pkg/endpoints/request/requestinfo.go does.
import { parseGoBool } from "../../util/go-bool.ts";
export type RequestVerb =
  "get" | "list" | "watch" | "create" | "update" | "patch" | "delete" | "deletecollection" | "connect";

export interface ResourceRequest {
  isResource: true;
  verb: RequestVerb;
  apiPrefix: "api" | "apis";
  group: string;
  version: string;
  namespace: string;
  resource: string;
  name: string;
  subresource: string;
  /** Path parts after the subresource (e.g. proxy paths). */
  rest: string[];
  /** A list or watch of one object by `metadata.name=` field selector: the name authorization sees. */
  selectedName?: string;
  /** A list or watch of pods by `spec.nodeName=` field selector: what a node may list (AuthorizeNodeWithSelectors). */
  selectedNodeName?: string;
}

export interface NonResourceRequest {
  isResource: false;
  path: string;
  parts: string[];
}

export type RequestInfo = ResourceRequest | NonResourceRequest;

export function parseRequestInfo(method: string, pathname: string, query: URLSearchParams): RequestInfo {
  const parts = pathname
    .split("/")
    .filter((p) => p !== "")
    .map(decodeURIComponent);
  const nonResource: NonResourceRequest = { isResource: false, path: pathname, parts };
  if (parts.length === 0) return nonResource;
  const prefix = parts[0];
  let i: number;
  let group: string;
  let version: string;
  if (prefix === "api") {
    if (parts.length < 3) return nonResource;
    group = "";
    version = parts[1];
    i = 2;
  } else if (prefix === "apis") {
    if (parts.length < 4) return nonResource;
    group = parts[1];
    version = parts[2];
    i = 3;
  } else {
    return nonResource;
  }
  let watchPrefix = false;
  if (parts[i] === "watch") {
    watchPrefix = true;
    i++;
  }
  let namespace = "";
  // "/namespaces/{ns}/{x}" names a namespaced resource unless x is a subresource of the namespace.
  if (parts[i] === "namespaces" && parts.length > i + 2) {
    if (!isNamespaceSubresource(parts[i + 2])) {
      namespace = parts[i + 1];
      i += 2;
    }
  }
  const resource = parts[i] ?? "";
  const name = parts[i + 1] ?? "";
  const subresource = parts[i + 2] ?? "";
  const rest = parts.slice(i + 3);
  let verb: RequestVerb;
  switch (method) {
    case "GET":
    case "HEAD":
      verb = name ? "get" : "list";
      if (watchPrefix || (!subresource && isTrue(query.get("watch")))) verb = "watch";
      break;
    case "POST":
      verb = "create";
      break;
    case "PUT":
      verb = "update";
      break;
    case "PATCH":
      verb = "patch";
      break;
    case "DELETE":
      verb = name ? "delete" : "deletecollection";
      break;
    default:
      verb = "connect";
  }
  if (
    subresource === "exec" ||
    subresource === "attach" ||
    subresource === "portforward" ||
    subresource === "proxy"
  ) {
    verb = "connect";
  }
  let selectedName: string | undefined;
  let selectedNodeName: string | undefined;
  if (verb === "list" || verb === "watch") {
    const selector = query.get("fieldSelector") ?? "";
    const m = /(?:^|,)metadata\.name==?([^,]*)(?:,|$)/.exec(selector);
    if (m?.[1] && m[1] !== "." && m[1] !== ".." && !/[/%]/.test(m[1])) selectedName = m[1];
    const n = /(?:^|,)spec\.nodeName==?([^,]*)(?:,|$)/.exec(selector);
    if (n?.[1]) selectedNodeName = n[1];
  }
  return {
    ...(selectedName ? { selectedName } : {}),
    ...(selectedNodeName ? { selectedNodeName } : {}),
    isResource: true,
    verb,
    apiPrefix: prefix,
    group,
    version,
    namespace,
    resource,
    name,
    subresource,
    rest,
  };
}

function isNamespaceSubresource(s: string): boolean {
  return s === "status" || s === "finalize";
}

export function isTrue(v: string | null): boolean {
  return parseGoBool(v) === true;
}
