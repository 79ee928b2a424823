// The schema of a group/version/resource's kind, as the API serves it: the kind from discovery,
// its OpenAPI v3 definition with every $ref inlined (recursive types cut off as open objects),
// in the shape the CEL checker types values by.
import type { ApiClient } from "../../client/interface.ts";
import type { SchemaNode } from "../../apiserver/cel/check/types.ts";

type Json = Record<string, any>;

export interface Resolved {
  kind: string;
  schema: SchemaNode;
}

// Deeper than any built-in type nests; a recursive type (JSONSchemaProps) is cut off here.
const MAX_DEPTH = 24;
const OPEN: SchemaNode = { type: "object", "x-kubernetes-preserve-unknown-fields": true };

/** Looks up schemas through the API; one instance per sync, so each document is read once. */
export class SchemaResolver {
  private readonly client: ApiClient;
  private readonly docs = new Map<string, Promise<Json | undefined>>();
  private readonly discovery = new Map<string, Promise<Json | undefined>>();

  constructor(client: ApiClient) {
    this.client = client;
  }

  private fetch(cache: Map<string, Promise<Json | undefined>>, path: string): Promise<Json | undefined> {
    let p = cache.get(path);
    if (!p) {
      p = this.client.request<Json>("GET", path).catch(() => undefined);
      cache.set(path, p);
    }
    return p;
  }

  private resources(group: string, version: string): Promise<Json[] | undefined> {
    const gv = group ? `apis/${group}/${version}` : `api/${version}`;
    return this.fetch(this.discovery, `/${gv}`).then((l) => l?.resources as Json[] | undefined);
  }

  /** The resource serving `kind` in group/version (its plural), if any. */
  async resourceFor(group: string, version: string, kind: string): Promise<string | undefined> {
    const r = (await this.resources(group, version))?.find(
      (x) => x.kind === kind && !String(x.name).includes("/"),
    );
    return r?.name as string | undefined;
  }

  /** The kind and schema of group/version/resource, or undefined when the API does not serve it. */
  async resolve(group: string, version: string, resource: string): Promise<Resolved | undefined> {
    const gv = group ? `apis/${group}/${version}` : `api/${version}`;
    const kind = (await this.resources(group, version))?.find((r) => r.name === resource)?.kind as
      string | undefined;
    if (!kind) return undefined;
    const doc = await this.fetch(this.docs, `/openapi/v3/${gv}`);
    const schemas = (doc?.components?.schemas ?? {}) as Record<string, Json>;
    const name = Object.keys(schemas).find((n) =>
      ((schemas[n]!["x-kubernetes-group-version-kind"] ?? []) as Json[]).some(
        (g) => g.group === group && g.version === version && g.kind === kind,
      ),
    );
    if (!name) return undefined;
    return { kind, schema: inline(schemas, schemas[name]!, [name]) };
  }
}

function target(schemas: Record<string, Json>, s: Json): [string, Json] | undefined {
  const ref = (s.$ref ?? (s.allOf?.length === 1 ? s.allOf[0].$ref : undefined)) as string | undefined;
  if (!ref) return undefined;
  const name = ref.replace("#/components/schemas/", "");
  const found = schemas[name];
  return found ? [name, found] : undefined;
}

function inline(schemas: Record<string, Json>, s: Json, path: string[]): SchemaNode {
  const ref = target(schemas, s);
  if (ref) {
    if (path.includes(ref[0]) || path.length > MAX_DEPTH) return OPEN;
    return inline(schemas, ref[1], [...path, ref[0]]);
  }
  const out: SchemaNode = {};
  for (const k of ["type", "format", "maxLength", "maxItems", "maxProperties", "required"] as const)
    if (s[k] !== undefined) (out as Json)[k] = s[k];
  for (const k of [
    "x-kubernetes-int-or-string",
    "x-kubernetes-preserve-unknown-fields",
    "x-kubernetes-embedded-resource",
  ] as const)
    if (s[k] !== undefined) (out as Json)[k] = s[k];
  if (s.properties) {
    out.properties = {};
    for (const [p, sub] of Object.entries(s.properties as Record<string, Json>))
      out.properties[p] = inline(schemas, sub, path);
  }
  if (s.items) out.items = inline(schemas, s.items as Json, path);
  if (typeof s.additionalProperties === "object")
    out.additionalProperties = inline(schemas, s.additionalProperties as Json, path);
  else if (s.additionalProperties === true) out.additionalProperties = true;
  return out;
}
