// CEL's static types as the checker and the cost estimator see them, and the types a CRD's
// structural schema gives its values (k8s.io/apiserver/pkg/cel/common SchemaDeclType): objects
// with properties are object types, additionalProperties maps, arrays lists, `format: byte`
// bytes, `duration` durations, `date`/`date-time` timestamps, int-or-string and schemaless
// values dyn. Sizes (maxLength, maxItems, maxProperties) bound the cost estimate; unbounded
// ones are bounded by what fits in a request, as upstream estimates them.

export type Prim =
  | "int"
  | "uint"
  | "double"
  | "string"
  | "bool"
  | "bytes"
  | "null_type"
  | "google.protobuf.Duration"
  | "google.protobuf.Timestamp"
  | "dyn"
  | "error";

export type CelT =
  | { k: "prim"; name: Prim; maxSize?: number }
  | { k: "list"; elem: CelT; maxSize?: number }
  | { k: "map"; key: CelT; value: CelT; maxSize?: number }
  | { k: "object"; name: string; fields: Record<string, CelT>; maxSize?: number }
  | { k: "opaque"; name: string; params?: CelT[] }
  | { k: "type"; of?: CelT }
  | { k: "param"; name: string };

const prims = new Map<Prim, CelT>();
export const prim = (name: Prim): CelT => {
  let t = prims.get(name);
  if (!t) prims.set(name, (t = { k: "prim", name }));
  return t;
};
export const INT = prim("int");
export const UINT = prim("uint");
export const DOUBLE = prim("double");
export const STRING = prim("string");
export const BOOL = prim("bool");
export const BYTES = prim("bytes");
export const NULL = prim("null_type");
export const DURATION = prim("google.protobuf.Duration");
export const TIMESTAMP = prim("google.protobuf.Timestamp");
export const DYN = prim("dyn");
export const ERROR = prim("error");
export const list = (elem: CelT, maxSize?: number): CelT => ({ k: "list", elem, maxSize });
export const map = (key: CelT, value: CelT, maxSize?: number): CelT => ({ k: "map", key, value, maxSize });
export const opaque = (name: string, ...params: CelT[]): CelT => ({ k: "opaque", name, params });
export const param = (name: string): CelT => ({ k: "param", name });
/** cel-go's optional_type(T). */
export const optionalOf = (t: CelT): CelT => opaque("optional_type", t);
/** T of an optional_type(T), or undefined for any other type. */
export const optionalInner = (t: CelT): CelT | undefined =>
  t.k === "opaque" && t.name === "optional_type" ? (t.params?.[0] ?? prim("dyn")) : undefined;

export const isDyn = (t: CelT) => t.k === "prim" && (t.name === "dyn" || t.name === "error");

/** The type's name as cel-go prints it in errors. */
export function typeName(t: CelT): string {
  switch (t.k) {
    case "prim":
      return t.name;
    case "list":
      return `list(${typeName(t.elem)})`;
    case "map":
      return `map(${typeName(t.key)}, ${typeName(t.value)})`;
    case "object":
      return t.name;
    case "opaque":
      return t.params?.length ? `${t.name}(${t.params.map(typeName).join(", ")})` : t.name;
    case "type":
      return t.of ? `type(${typeName(t.of)})` : "type";
    case "param":
      return t.name;
  }
}

// Upstream's request size limit, which bounds every unbounded string, list and map.
export const MAX_REQUEST_BYTES = 3 * 1024 * 1024;

const RESERVED = new Set(
  "true false null in as break const continue else for function if import let loop package namespace return var void while".split(
    " ",
  ),
);

/** A property name as CEL rules spell it (`foo-bar` is `foo__dash__bar`), or undefined if it cannot be. */
export function escapeName(name: string): string | undefined {
  if (escaped.has(name)) return escaped.get(name);
  const out = escape(name);
  if (escaped.size < 10_000) escaped.set(name, out);
  return out;
}

const escaped = new Map<string, string | undefined>();

function escape(name: string): string | undefined {
  if (RESERVED.has(name)) return `__${name}__`;
  if (!/^[a-zA-Z_.\-/][a-zA-Z0-9_.\-/]*$/.test(name)) return undefined;
  return name
    .replace(/__/g, "__underscores__")
    .replace(/\./g, "__dot__")
    .replace(/-/g, "__dash__")
    .replace(/\//g, "__slash__");
}

export interface SchemaNode {
  type?: string;
  format?: string;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode | boolean;
  items?: SchemaNode;
  required?: string[];
  default?: unknown;
  maxLength?: number;
  maxItems?: number;
  maxProperties?: number;
  "x-kubernetes-int-or-string"?: boolean;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-embedded-resource"?: boolean;
}

export interface SchemaType {
  type: CelT;
  /** The fewest bytes a value of the type takes in a request (bounds unbounded lists). */
  minSize: number;
}

const metaType = (): CelT => ({
  k: "object",
  name: "metadata",
  fields: { name: STRING, generateName: STRING },
});

/**
 * The CEL type of values under the schema. `resource` is set at a custom resource's root and at
 * embedded resources, where apiVersion, kind, metadata.name and metadata.generateName are
 * always there.
 */
export function schemaType(s: SchemaNode, resource: boolean, name = "object"): SchemaType {
  if (s["x-kubernetes-int-or-string"]) return { type: DYN, minSize: 1 };
  const embedded = resource || !!s["x-kubernetes-embedded-resource"];
  switch (s.type) {
    case "array": {
      const item = s.items
        ? schemaType(s.items, !!s.items["x-kubernetes-embedded-resource"], name)
        : undefined;
      const elemSize = item?.minSize ?? 1;
      const max = s.maxItems ?? Math.floor((MAX_REQUEST_BYTES - 2) / (elemSize + 1));
      return { type: list(item?.type ?? DYN, max), minSize: 2 };
    }
    case "object": {
      if (typeof s.additionalProperties === "object") {
        const v = schemaType(
          s.additionalProperties,
          !!s.additionalProperties["x-kubernetes-embedded-resource"],
          name,
        );
        // Each entry takes at least `"":` and a separator besides its value.
        const max = s.maxProperties ?? Math.floor((MAX_REQUEST_BYTES - 2) / (v.minSize + 4));
        return { type: map(STRING, v.type, max), minSize: 2 };
      }
      const open =
        !s.properties &&
        !embedded &&
        (s["x-kubernetes-preserve-unknown-fields"] || s.additionalProperties === true || !s.properties);
      if (open) return { type: DYN, minSize: 2 };
      const fields: Record<string, CelT> = {};
      const required = new Set(s.required ?? []);
      let minSize = 2;
      for (const [prop, sub] of Object.entries(s.properties ?? {})) {
        const escaped = escapeName(prop);
        const t = schemaType(sub, !!sub["x-kubernetes-embedded-resource"], `${name}.${prop}`);
        if (escaped) fields[escaped] = t.type;
        if (required.has(prop) && sub.default === undefined) minSize += prop.length + t.minSize + 4;
      }
      if (embedded) {
        fields.apiVersion ??= STRING;
        fields.kind ??= STRING;
        if (!fields.metadata || fields.metadata.k !== "object") fields.metadata = metaType();
      }
      // preserve-unknown-fields leaves undeclared fields there, unseen by the checker.
      if (s["x-kubernetes-preserve-unknown-fields"]) return { type: DYN, minSize };
      return { type: { k: "object", name, fields }, minSize };
    }
    case "string": {
      if (s.format === "byte") return { type: { ...BYTES, maxSize: s.maxLength } as CelT, minSize: 2 };
      if (s.format === "duration") return { type: DURATION, minSize: 4 };
      if (s.format === "date" || s.format === "date-time") return { type: TIMESTAMP, minSize: 4 };
      const max = s.maxLength ?? MAX_REQUEST_BYTES - 2;
      return { type: { k: "prim", name: "string", maxSize: max }, minSize: 2 };
    }
    case "integer":
      return { type: INT, minSize: 1 };
    case "number":
      return { type: DOUBLE, minSize: 1 };
    case "boolean":
      return { type: BOOL, minSize: 4 };
    default:
      return { type: DYN, minSize: 1 };
  }
}
