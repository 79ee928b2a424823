// OpenAPI v2 (Swagger 2.0) as `GET /openapi/v2` serves it: one document for every served
// group-version, derived from the v3 documents (the same paths, operations and schemas, in v2's
// shapes). kubectl up to 1.29 and older client-go read it: 1.27 will not apply without it.
import type { Schema } from "./schema-registry.ts";

const V3_REF = "#/components/schemas/";
const V2_REF = "#/definitions/";
const VERBS = ["get", "put", "post", "delete", "options", "head", "patch"];

/** A v3 schema in v2's dialect: refs into definitions, and no v3-only keywords. */
export function v2Schema(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(v2Schema);
  if (!s || typeof s !== "object") return s;
  const out: Schema = {};
  const allOf = (s as Schema).allOf;
  // v3 wraps a reference that has a description or default as allOf: [{$ref}]; v2 (and kubectl's
  // reader of it, which takes an allOf for an arbitrary value) has the bare reference.
  if (Array.isArray(allOf) && allOf.length === 1 && typeof (allOf[0] as Schema).$ref === "string") {
    const { allOf: _wrapped, default: _default, ...rest } = s as Schema;
    return v2Schema({ ...rest, $ref: (allOf[0] as Schema).$ref });
  }
  for (const [k, v] of Object.entries(s as Schema)) {
    if (k === "nullable" || k === "oneOf" || k === "anyOf" || k === "not") continue;
    if (k === "$ref" && typeof v === "string")
      out[k] = v.startsWith(V3_REF) ? V2_REF + v.slice(V3_REF.length) : v;
    else if (k === "properties" || k === "definitions")
      out[k] = Object.fromEntries(Object.entries(v as Schema).map(([n, p]) => [n, v2Schema(p)]));
    else if (k === "enum" || k === "default" || k === "example" || k.startsWith("x-")) out[k] = v;
    else out[k] = v2Schema(v);
  }
  return out;
}

/** A v3 parameter ({schema: {type}}) as v2's ({type}); a body is a parameter of its own in v2. */
function v2Parameter(p: Schema): Schema {
  const { schema, ...rest } = p as Schema & { schema?: Schema };
  return { ...rest, ...(schema ? (v2Schema(schema) as Schema) : {}) };
}

function firstSchema(content: unknown): Schema | undefined {
  const media = Object.values((content ?? {}) as Record<string, { schema?: Schema }>);
  return media[0]?.schema;
}

function v2Operation(op: Schema): Schema {
  const out: Schema = {};
  const body = op.requestBody as { content?: Record<string, unknown>; required?: boolean } | undefined;
  const responses = (op.responses ?? {}) as Record<
    string,
    { description?: string; content?: Record<string, unknown> }
  >;
  for (const [k, v] of Object.entries(op)) {
    if (k === "requestBody" || k === "responses" || k === "parameters") continue;
    out[k] = v;
  }
  if (body?.content) {
    const consumes = Object.keys(body.content).filter((c) => c !== "*/*");
    out.consumes = consumes.length ? consumes : ["*/*"];
  }
  const produces = [...new Set(Object.values(responses).flatMap((r) => Object.keys(r.content ?? {})))];
  if (produces.length) out.produces = produces;
  const params = ((op.parameters ?? []) as Schema[]).map(v2Parameter);
  if (body) {
    const schema = firstSchema(body.content);
    params.unshift({ in: "body", name: "body", required: body.required ?? false, schema: v2Schema(schema) });
  }
  if (params.length) out.parameters = params;
  out.responses = Object.fromEntries(
    Object.entries(responses).map(([code, r]) => {
      const schema = firstSchema(r.content);
      return [code, { description: r.description ?? "", ...(schema ? { schema: v2Schema(schema) } : {}) }];
    }),
  );
  return out;
}

/** The one v2 document of the v3 documents given. */
export function swaggerDocument(v3docs: Schema[]): Schema {
  const paths: Record<string, Schema> = {};
  const definitions: Record<string, unknown> = {};
  for (const d of v3docs) {
    for (const [path, item] of Object.entries((d.paths ?? {}) as Record<string, Schema>)) {
      const out: Schema = {};
      for (const verb of VERBS) if (item[verb]) out[verb] = v2Operation(item[verb] as Schema);
      if (item.parameters) out.parameters = (item.parameters as Schema[]).map(v2Parameter);
      paths[path] = out;
    }
    const schemas = ((d.components as Schema | undefined)?.schemas ?? {}) as Record<string, unknown>;
    for (const [name, s] of Object.entries(schemas)) definitions[name] ??= v2Schema(s);
  }
  const sorted = (o: Record<string, unknown>) =>
    Object.fromEntries(
      Object.keys(o)
        .sort()
        .map((k) => [k, o[k]]),
    );
  return {
    swagger: "2.0",
    info: { title: "Kubernetes", version: "v1.32.0" },
    paths: sorted(paths),
    definitions: sorted(definitions),
  };
}
