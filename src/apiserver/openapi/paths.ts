// The REST paths of one group-version as upstream's OpenAPI v3 documents list them: the
// collection, the item, the all-namespaces list, the deprecated watch paths and the
// subresources, with operations tagged by x-kubernetes-action and x-kubernetes-group-version-kind.
// kubectl enables server-side field validation only when the PATCH operation of a kind lists
// the fieldValidation query parameter (k8s.io/cli-runtime resource/query_param_verifier_v3.go).
import type { GroupVersion, ServedResource } from "../../api/resources.ts";
import { ref, type Schema } from "./schema-registry.ts";

export interface Gvk {
  group: string;
  version: string;
  kind: string;
}

/** Resolves the schema name of a kind in this document ("Pod" → "io.k8s.api.core.v1.Pod"). */
export type SchemaLookup = (gvk: Gvk) => string;

const q = (name: string, description: string, type: "string" | "boolean" | "integer" = "string"): Schema => ({
  description,
  in: "query",
  name,
  schema: { type, uniqueItems: true },
});

const pretty = q("pretty", "If 'true', the output is pretty printed.");
const dryRun = q(
  "dryRun",
  "When present (the only valid value is All), the request is validated and answered but not persisted.",
);
const fieldManager = q("fieldManager", "The name of the actor making the change, recorded in managedFields.");
const fieldValidation = q(
  "fieldValidation",
  "What the server does with unknown or duplicate fields in the request body: Ignore drops them, Warn drops them and answers with a warning for each, Strict fails the request with a BadRequest naming them.",
);
const force = q(
  "force",
  "Apply requests only: take over fields owned by other managers instead of failing with a conflict.",
  "boolean",
);
const listParams = [
  q("allowWatchBookmarks", "Asks a watch for BOOKMARK events.", "boolean"),
  q("continue", "The continue token of the previous page of a paginated list."),
  q("fieldSelector", "Restricts the list to objects whose fields match."),
  q("labelSelector", "Restricts the list to objects whose labels match."),
  q("limit", "The most objects to return in one page.", "integer"),
  q("resourceVersion", "The resource version a list or watch starts from."),
  q("resourceVersionMatch", "How resourceVersion is applied to a list: Exact or NotOlderThan."),
  q("sendInitialEvents", "Starts a watch with the current objects as ADDED events.", "boolean"),
  q("timeoutSeconds", "How long a list or watch may last.", "integer"),
  q("watch", "Watch for changes instead of listing.", "boolean"),
];
const deleteParams = [
  dryRun,
  q("gracePeriodSeconds", "Seconds before the object is deleted; zero deletes at once.", "integer"),
  q(
    "ignoreStoreReadErrorWithClusterBreakingPotential",
    "Deletes an object that cannot be read from storage.",
    "boolean",
  ),
  q("orphanDependents", "Deprecated: use propagationPolicy.", "boolean"),
  q(
    "propagationPolicy",
    "Whether and how dependents are garbage collected: Orphan, Background or Foreground.",
  ),
];
const pathParam = (name: string, description: string): Schema => ({
  description,
  in: "path",
  name,
  required: true,
  schema: { type: "string", uniqueItems: true },
});
const namespaceParam = pathParam("namespace", "object name and auth scope, such as for teams and projects");

const jsonish = (schema: Schema): Schema => ({
  "application/json": { schema },
  "application/yaml": { schema },
  "application/vnd.kubernetes.protobuf": { schema },
});
const ok = (schema: Schema): Schema => ({ description: "OK", content: jsonish(schema) });
const unauthorized = { description: "Unauthorized" };
const patchBody = (): Schema => {
  const schema = ref("io.k8s.apimachinery.pkg.apis.meta.v1.Patch");
  return {
    content: {
      "application/apply-patch+yaml": { schema },
      "application/json-patch+json": { schema },
      "application/merge-patch+json": { schema },
      "application/strategic-merge-patch+json": { schema },
    },
    required: true,
  };
};
const body = (schema: Schema): Schema => ({ content: { "*/*": { schema } }, required: true });

/** "" → "Core", "networking.k8s.io" → "Networking", "rbac.authorization.k8s.io" → "RbacAuthorization". */
function groupWord(group: string): string {
  if (!group) return "Core";
  return group
    .replace(/\.k8s\.io$/, "")
    .split(".")
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join("");
}

interface Op {
  verb: string;
  action: string;
  description: string;
  parameters?: Schema[];
  requestBody?: Schema;
  responses: Record<string, Schema>;
  gvk: Gvk;
}

export function buildPaths(gv: GroupVersion, lookup: SchemaLookup): Record<string, Schema> {
  const paths: Record<string, Schema> = {};
  const gw = groupWord(gv.group);
  const id = gw + gv.version[0].toUpperCase() + gv.version.slice(1);
  const tag = `${gw[0].toLowerCase()}${gw.slice(1)}_${gv.version}`;
  const prefix = gv.group ? `/apis/${gv.group}/${gv.version}` : `/api/${gv.version}`;

  const add = (path: string, params: Schema[], ops: Array<Op & { operationId: string }>) => {
    if (!ops.length) return;
    const item: Schema = {};
    for (const op of ops) {
      const o: Schema = { description: op.description, operationId: op.operationId };
      if (op.parameters?.length) o.parameters = op.parameters;
      if (op.requestBody) o.requestBody = op.requestBody;
      o.responses = op.responses;
      o.tags = [tag];
      o["x-kubernetes-action"] = op.action;
      o["x-kubernetes-group-version-kind"] = op.gvk;
      item[op.verb] = o;
    }
    item.parameters = [...params, pretty];
    paths[path] = item;
  };

  for (const sr of gv.resources) addResource(sr);
  return paths;

  function addResource(sr: ServedResource): void {
    const { info } = sr;
    const kind = info.kind;
    const gvk: Gvk = { group: gv.group, version: gv.version, kind };
    const obj = ref(lookup(gvk));
    const list = () => ref(lookup({ ...gvk, kind: `${kind}List` }));
    const status = ref("io.k8s.apimachinery.pkg.apis.meta.v1.Status");
    const watchEvent = ref("io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent");
    const deleteOptions = body(ref("io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions"));
    const verbs = new Set(info.verbs);
    const ns = info.namespaced ? "Namespaced" : "";
    const scope = info.namespaced ? [namespaceParam] : [];
    const coll = info.namespaced
      ? `${prefix}/namespaces/{namespace}/${info.resource}`
      : `${prefix}/${info.resource}`;
    const nameParam = pathParam("name", `name of the ${kind}`);
    const opId = (verb: string, suffix = "") => `${verb}${id}${ns}${kind}${suffix}`;
    const when = <T>(cond: boolean, x: () => T): T[] => (cond ? [x()] : []);

    add(coll, scope, [
      ...when(verbs.has("list"), () => ({
        verb: "get",
        action: "list",
        operationId: opId("list"),
        description: `list or watch objects of kind ${kind}`,
        parameters: listParams,
        responses: { "200": ok(list()), "401": unauthorized },
        gvk,
      })),
      ...when(verbs.has("create"), () => ({
        verb: "post",
        action: "post",
        operationId: opId("create"),
        description: `create ${/^[AEIOU]/.test(kind) ? "an" : "a"} ${kind}`,
        parameters: [dryRun, fieldManager, fieldValidation],
        requestBody: body(obj),
        responses: {
          "200": ok(obj),
          "201": { description: "Created", content: jsonish(obj) },
          "202": { description: "Accepted", content: jsonish(obj) },
          "401": unauthorized,
        },
        gvk,
      })),
      ...when(verbs.has("deletecollection"), () => ({
        verb: "delete",
        action: "deletecollection",
        operationId: `delete${id}Collection${ns}${kind}`,
        description: `delete collection of ${kind}`,
        parameters: [
          ...listParams.filter((p) => p.name !== "watch" && p.name !== "allowWatchBookmarks"),
          ...deleteParams,
        ],
        requestBody: deleteOptions,
        responses: { "200": ok(status), "401": unauthorized },
        gvk,
      })),
    ]);

    add(
      `${coll}/{name}`,
      [nameParam, ...scope],
      [
        ...when(verbs.has("get"), () => ({
          verb: "get",
          action: "get",
          operationId: opId("read"),
          description: `read the specified ${kind}`,
          responses: { "200": ok(obj), "401": unauthorized },
          gvk,
        })),
        ...when(verbs.has("update"), () => ({
          verb: "put",
          action: "put",
          operationId: opId("replace"),
          description: `replace the specified ${kind}`,
          parameters: [dryRun, fieldManager, fieldValidation],
          requestBody: body(obj),
          responses: {
            "200": ok(obj),
            "201": { description: "Created", content: jsonish(obj) },
            "401": unauthorized,
          },
          gvk,
        })),
        ...when(verbs.has("patch"), () => ({
          verb: "patch",
          action: "patch",
          operationId: opId("patch"),
          description: `partially update the specified ${kind}`,
          parameters: [dryRun, fieldManager, fieldValidation, force],
          requestBody: patchBody(),
          responses: {
            "200": ok(obj),
            "201": { description: "Created", content: jsonish(obj) },
            "401": unauthorized,
          },
          gvk,
        })),
        ...when(verbs.has("delete"), () => ({
          verb: "delete",
          action: "delete",
          operationId: opId("delete"),
          description: `delete ${/^[AEIOU]/.test(kind) ? "an" : "a"} ${kind}`,
          parameters: deleteParams,
          requestBody: deleteOptions,
          responses: {
            "200": ok(status),
            "202": { description: "Accepted", content: jsonish(status) },
            "401": unauthorized,
          },
          gvk,
        })),
      ],
    );

    if (info.namespaced && verbs.has("list")) {
      add(
        `${prefix}/${info.resource}`,
        [],
        [
          {
            verb: "get",
            action: "list",
            operationId: `list${id}${kind}ForAllNamespaces`,
            description: `list or watch objects of kind ${kind}`,
            parameters: listParams,
            responses: { "200": ok(list()), "401": unauthorized },
            gvk,
          },
        ],
      );
    }
    if (verbs.has("watch")) {
      const wcoll = info.namespaced
        ? `${prefix}/watch/namespaces/{namespace}/${info.resource}`
        : `${prefix}/watch/${info.resource}`;
      const watchOp = (
        action: string,
        operationId: string,
        description: string,
      ): Op & { operationId: string } => ({
        verb: "get",
        action,
        operationId,
        description,
        parameters: listParams,
        responses: { "200": ok(watchEvent), "401": unauthorized },
        gvk,
      });
      add(wcoll, scope, [
        watchOp(
          "watchlist",
          opId("watch", "List"),
          `watch individual changes to a list of ${kind}. deprecated: use the 'watch' parameter with a list operation instead.`,
        ),
      ]);
      add(
        `${wcoll}/{name}`,
        [nameParam, ...scope],
        [
          watchOp(
            "watch",
            opId("watch"),
            `watch changes to an object of kind ${kind}. deprecated: use the 'watch' parameter with a list operation instead, filtering to a single item with the 'fieldSelector' parameter.`,
          ),
        ],
      );
      if (info.namespaced) {
        add(
          `${prefix}/watch/${info.resource}`,
          [],
          [
            watchOp(
              "watchlist",
              `watch${id}${kind}ListForAllNamespaces`,
              `watch individual changes to a list of ${kind}. deprecated: use the 'watch' parameter with a list operation instead.`,
            ),
          ],
        );
      }
    }

    for (const sub of info.subresources) {
      const subGvk = subresourceKind(sub, gvk);
      if (!subGvk) continue;
      const word = sub[0].toUpperCase() + sub.slice(1);
      const subObj = ref(lookup(subGvk));
      const path = `${coll}/{name}/${sub}`;
      if (sub === "binding" || sub === "eviction") {
        add(
          path,
          [pathParam("name", `name of the ${subGvk.kind}`), ...scope],
          [
            {
              verb: "post",
              action: "post",
              operationId: opId("create", word),
              description: `create ${sub} of a ${kind}`,
              parameters: [dryRun, fieldManager, fieldValidation],
              requestBody: body(subObj),
              responses: {
                "200": ok(subObj),
                "201": { description: "Created", content: jsonish(subObj) },
                "401": unauthorized,
              },
              gvk: subGvk,
            },
          ],
        );
        continue;
      }
      const ops: Array<Op & { operationId: string }> = [];
      if (sub !== "finalize") {
        ops.push({
          verb: "get",
          action: "get",
          operationId: opId("read", word),
          description: `read ${sub} of the specified ${kind}`,
          responses: { "200": ok(subObj), "401": unauthorized },
          gvk: subGvk,
        });
      }
      ops.push({
        verb: "put",
        action: "put",
        operationId: opId("replace", word),
        description: `replace ${sub} of the specified ${kind}`,
        parameters: [dryRun, fieldManager, fieldValidation],
        requestBody: body(subObj),
        responses: {
          "200": ok(subObj),
          "201": { description: "Created", content: jsonish(subObj) },
          "401": unauthorized,
        },
        gvk: subGvk,
      });
      if (sub !== "finalize") {
        ops.push({
          verb: "patch",
          action: "patch",
          operationId: opId("patch", word),
          description: `partially update ${sub} of the specified ${kind}`,
          parameters: [dryRun, fieldManager, fieldValidation, force],
          requestBody: patchBody(),
          responses: {
            "200": ok(subObj),
            "201": { description: "Created", content: jsonish(subObj) },
            "401": unauthorized,
          },
          gvk: subGvk,
        });
      }
      add(path, [pathParam("name", `name of the ${subGvk.kind}`), ...scope], ops);
    }
  }
}

/** The kind a subresource reads and writes; undefined for streaming ones (log, exec, proxy...). */
function subresourceKind(sub: string, gvk: Gvk): Gvk | undefined {
  switch (sub) {
    case "status":
    case "ephemeralcontainers":
    case "finalize":
      return gvk;
    case "scale":
      return { group: "autoscaling", version: "v1", kind: "Scale" };
    case "binding":
      return { group: "", version: "v1", kind: "Binding" };
    case "eviction":
      return { group: "policy", version: "v1", kind: "Eviction" };
  }
  return undefined;
}
