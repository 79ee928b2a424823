// Kubernetes' CEL authz library (k8s.io/apiserver/pkg/cel/library/authz.go) for admission
// policies and webhook match conditions: `authorizer.group('apps').resource('deployments')
// .namespace('ns').check('create').allowed()`, `authorizer.path('/healthz').check('get')`,
// `authorizer.serviceAccount(ns, name)`, and `authorizer.requestResource`, the request's own
// resource. Checks ask the API server's authorizer (RBAC, Node) for the request's user.
import { CelScalar, celMethod, objectType, type CelFunc, type CelObjectType } from "@bufbuild/cel";
import { create, type DescMessage } from "@bufbuild/protobuf";
import { protoFile, textOf } from "./types.ts";

const PKG = "kubernetes.authorization";
export const authzFile = protoFile(PKG, [
  { name: "Authorizer", fields: [{ name: "value" }, { name: "requestResource", message: "ResourceCheck" }] },
  { name: "PathCheck" },
  { name: "GroupCheck" },
  { name: "ResourceCheck" },
  { name: "Decision" },
]);

const desc = (name: string): DescMessage => authzFile.getMessage(`${PKG}.${name}`)!;
const AUTHORIZER = desc("Authorizer");
const PATH = desc("PathCheck");
const GROUP = desc("GroupCheck");
const RESOURCE = desc("ResourceCheck");
const DECISION = desc("Decision");
const t = (d: DescMessage) => objectType(d) as CelObjectType<any>;
export const AUTHZ_TYPE = t(AUTHORIZER);

/** The question a check asks, as an authorizer's attributes. */
export interface AuthzQuestion {
  user: { name: string; groups: string[] };
  verb: string;
  isResource: boolean;
  apiGroup: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  path: string;
}
export type AuthzAnswer = { allowed: boolean; reason: string; error?: string };

// Each API server registers its authorizer; values carry its handle, so servers sharing a
// process (tests, in-process clients) each ask their own.
const authorizers = new Map<string, (q: AuthzQuestion) => AuthzAnswer>();
let next = 0;

export function registerCelAuthorizer(fn: (q: AuthzQuestion) => AuthzAnswer): string {
  const handle = String(++next);
  authorizers.set(handle, fn);
  return handle;
}

interface State {
  handle: string;
  user: { name: string; groups: string[] };
  apiGroup?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  path?: string;
}

const state = (v: unknown): State => JSON.parse(textOf(v) || "{}") as State;
const make = (d: DescMessage, s: object) => create(d, { value: JSON.stringify(s) } as never) as never;

/** The `authorizer` variable for a request: its user, and its own resource as requestResource. */
export function authorizerValue(
  handle: string,
  user: { name: string; groups: string[] },
  request: { group: string; resource: string; subresource: string; namespace: string; name: string },
): unknown {
  const base = { handle, user };
  return create(AUTHORIZER, {
    value: JSON.stringify(base),
    requestResource: create(RESOURCE, {
      value: JSON.stringify({
        ...base,
        apiGroup: request.group,
        resource: request.resource,
        subresource: request.subresource,
        namespace: request.namespace,
        name: request.name,
      }),
    } as never),
  } as never);
}

function decide(s: State, verb: string, isResource: boolean): never {
  const fn = authorizers.get(s.handle);
  const q: AuthzQuestion = {
    user: s.user,
    verb,
    isResource,
    apiGroup: s.apiGroup ?? "",
    resource: s.resource ?? "",
    subresource: s.subresource ?? "",
    namespace: s.namespace ?? "",
    name: s.name ?? "",
    path: s.path ?? "",
  };
  const answer: AuthzAnswer = fn ? fn(q) : { allowed: false, reason: "", error: "no authorizer" };
  return make(DECISION, answer);
}

const setter = (key: keyof State) =>
  function (this: unknown, v: string): never {
    return make(RESOURCE, { ...state(this), [key]: v });
  };

export const authzFuncs: CelFunc[] = [
  celMethod("path", t(AUTHORIZER), [CelScalar.STRING], t(PATH), function (this: unknown, p: string) {
    return make(PATH, { ...state(this), path: p });
  }),
  celMethod("group", t(AUTHORIZER), [CelScalar.STRING], t(GROUP), function (this: unknown, g: string) {
    return make(GROUP, { ...state(this), apiGroup: g });
  }),
  celMethod(
    "serviceAccount",
    t(AUTHORIZER),
    [CelScalar.STRING, CelScalar.STRING],
    t(AUTHORIZER),
    function (this: unknown, ns: string, name: string) {
      const user = {
        name: `system:serviceaccount:${ns}:${name}`,
        groups: ["system:serviceaccounts", `system:serviceaccounts:${ns}`, "system:authenticated"],
      };
      return make(AUTHORIZER, { handle: state(this).handle, user });
    },
  ),
  celMethod("resource", t(GROUP), [CelScalar.STRING], t(RESOURCE), function (this: unknown, r: string) {
    return make(RESOURCE, { ...state(this), resource: r });
  }),
  celMethod("subresource", t(RESOURCE), [CelScalar.STRING], t(RESOURCE), setter("subresource")),
  celMethod("namespace", t(RESOURCE), [CelScalar.STRING], t(RESOURCE), setter("namespace")),
  celMethod("name", t(RESOURCE), [CelScalar.STRING], t(RESOURCE), setter("name")),
  celMethod("check", t(RESOURCE), [CelScalar.STRING], t(DECISION), function (this: unknown, verb: string) {
    return decide(state(this), verb, true);
  }),
  celMethod("check", t(PATH), [CelScalar.STRING], t(DECISION), function (this: unknown, verb: string) {
    return decide(state(this), verb.toLowerCase(), false);
  }),
  celMethod("allowed", t(DECISION), [], CelScalar.BOOL, function (this: unknown) {
    return (state(this) as unknown as AuthzAnswer).allowed === true;
  }),
  celMethod("reason", t(DECISION), [], CelScalar.STRING, function (this: unknown) {
    return (state(this) as unknown as AuthzAnswer).reason ?? "";
  }),
  celMethod("errored", t(DECISION), [], CelScalar.BOOL, function (this: unknown) {
    return !!(state(this) as unknown as AuthzAnswer).error;
  }),
  celMethod("error", t(DECISION), [], CelScalar.STRING, function (this: unknown) {
    return (state(this) as unknown as AuthzAnswer).error ?? "";
  }),
];
