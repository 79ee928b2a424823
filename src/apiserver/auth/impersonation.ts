// Impersonation (`kubectl --as`, `--as-group`, `--as-uid`): the Impersonate-* headers switch the
// request's user, after the real user has been authorized to impersonate each of them
// (apiserver/pkg/endpoints/filters/impersonation.go).
import type { IncomingHttpHeaders } from "node:http";
import { StatusError, badRequest } from "../../apimachinery/status-error.ts";
import type { UserInfo } from "../registry/strategy.ts";
import type { Attributes, Authorizer } from "./authorizer.ts";
import { forbiddenMessage } from "./authorizer.ts";

const SA_PREFIX = "system:serviceaccount:";

function headerList(headers: IncomingHttpHeaders, name: string): string[] {
  const v = headers[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v])
    .flatMap((x) => x.split(","))
    .map((x) => x.trim())
    .filter(Boolean);
}

function check(
  authorizer: Authorizer,
  user: UserInfo,
  resource: string,
  name: string,
  namespace = "",
  group = "",
  subresource = "",
) {
  const a: Attributes = {
    user,
    verb: "impersonate",
    isResource: true,
    namespace,
    apiGroup: group,
    resource,
    subresource,
    name,
    path: "",
  };
  const d = authorizer.authorize(a);
  if (!d.allowed) {
    const msg = forbiddenMessage(a) + (d.reason ? `: ${d.reason}` : "");
    throw new StatusError(403, "Forbidden", `${resource} "${name}" is forbidden: ${msg}`, {
      name,
      group: group || undefined,
      kind: resource,
    });
  }
}

function hasExtra(headers: IncomingHttpHeaders): boolean {
  for (const h in headers) if (h.startsWith("impersonate-extra-")) return true;
  return false;
}

/** The user the request acts as: the authenticated one, or whom the headers name once allowed. */
export function impersonate(authorizer: Authorizer, user: UserInfo, headers: IncomingHttpHeaders): UserInfo {
  const asUser = headers["impersonate-user"];
  const uid = headers["impersonate-uid"];
  if (asUser === undefined) {
    if (headers["impersonate-group"] !== undefined || uid !== undefined || hasExtra(headers))
      throw badRequest("requested impersonation of groups, uid or extra without impersonating a user");
    return user;
  }
  const groups = headerList(headers, "impersonate-group");
  const extraKeys = Object.keys(headers).filter((h) => h.startsWith("impersonate-extra-"));
  const name = Array.isArray(asUser) ? asUser[0]! : asUser;
  if (name.startsWith(SA_PREFIX)) {
    const [ns = "", sa = ""] = name.slice(SA_PREFIX.length).split(":");
    check(authorizer, user, "serviceaccounts", sa, ns);
  } else {
    check(authorizer, user, "users", name);
  }
  for (const g of groups) check(authorizer, user, "groups", g);
  if (typeof uid === "string") check(authorizer, user, "uids", uid, "", "authentication.k8s.io");
  for (const h of extraKeys)
    for (const v of headerList(headers, h))
      check(
        authorizer,
        user,
        "userextras",
        v,
        "",
        "authentication.k8s.io",
        h.slice("impersonate-extra-".length),
      );
  const out = new Set(groups);
  if (name.startsWith(SA_PREFIX)) {
    out.add("system:serviceaccounts");
    out.add(`system:serviceaccounts:${name.slice(SA_PREFIX.length).split(":")[0]}`);
  }
  if (name !== "system:anonymous") out.add("system:authenticated");
  return { name, groups: [...out] };
}
