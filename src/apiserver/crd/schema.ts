// A CustomResourceDefinition's structural OpenAPI v3 schema applied to a custom object as
// apiextensions-apiserver does: unknown fields pruned, defaults filled in, then the value
// validated, each error a field error worded as upstream's (kube-openapi's validate messages).
import { invalid, notSupported, required, type FieldError } from "../../apimachinery/field-error.ts";
import type { ValidationRule } from "./cel-validation.ts";

export interface JSONSchemaProps {
  type?: string;
  format?: string;
  description?: string;
  properties?: Record<string, JSONSchemaProps>;
  additionalProperties?: JSONSchemaProps | boolean;
  items?: JSONSchemaProps;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  nullable?: boolean;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  multipleOf?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minProperties?: number;
  maxProperties?: number;
  allOf?: JSONSchemaProps[];
  anyOf?: JSONSchemaProps[];
  oneOf?: JSONSchemaProps[];
  not?: JSONSchemaProps;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-int-or-string"?: boolean;
  "x-kubernetes-embedded-resource"?: boolean;
  "x-kubernetes-list-type"?: string;
  "x-kubernetes-list-map-keys"?: string[];
  "x-kubernetes-map-type"?: string;
  "x-kubernetes-validations"?: ValidationRule[];
}

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** The fields apiVersion, kind and metadata of an object (the root, or an embedded resource) are never pruned. */
const TYPE_META = new Set(["apiVersion", "kind", "metadata"]);

/** Drops what the schema does not know, unless x-kubernetes-preserve-unknown-fields says keep it. */
export function prune(value: Json, schema: JSONSchemaProps | undefined, root = false): void {
  if (!schema) return;
  if (Array.isArray(value)) {
    for (const item of value) prune(item, schema.items);
    return;
  }
  if (!isObject(value)) return;
  const embedded = root || schema["x-kubernetes-embedded-resource"];
  for (const key of Object.keys(value)) {
    if (embedded && TYPE_META.has(key)) {
      if (key === "metadata" && !root) pruneEmbeddedMetadata(value.metadata);
      continue;
    }
    const sub = schema.properties?.[key];
    if (sub) prune(value[key], sub);
    else if (isObject(schema.additionalProperties)) prune(value[key], schema.additionalProperties);
    else if (schema.additionalProperties === true || schema["x-kubernetes-preserve-unknown-fields"]) continue;
    else delete value[key];
  }
}

/** The fields pruning would drop, as `spec.someRandomField` (fieldValidation's unknown fields). */
export function unknownFieldPaths(
  value: Json,
  schema: JSONSchemaProps | undefined,
  path = "",
  root = true,
): string[] {
  if (!schema) return [];
  const out: string[] = [];
  if (Array.isArray(value)) {
    value.forEach((item, i) => out.push(...unknownFieldPaths(item, schema.items, `${path}[${i}]`, false)));
    return out;
  }
  if (!isObject(value)) return out;
  const embedded = root || schema["x-kubernetes-embedded-resource"];
  for (const key of Object.keys(value)) {
    if (embedded && TYPE_META.has(key)) continue;
    const at = path ? `${path}.${key}` : key;
    const sub =
      schema.properties?.[key] ??
      (isObject(schema.additionalProperties) ? schema.additionalProperties : undefined);
    if (sub) out.push(...unknownFieldPaths(value[key], sub, at, false));
    else if (!(schema.additionalProperties === true || schema["x-kubernetes-preserve-unknown-fields"]))
      out.push(at);
  }
  return out;
}

// An embedded object's metadata keeps only the fields an embedded ObjectMeta may carry.
const EMBEDDED_META = new Set(["name", "namespace", "labels", "annotations", "generateName", "finalizers"]);

function pruneEmbeddedMetadata(meta: Json): void {
  if (!isObject(meta)) return;
  for (const k of Object.keys(meta)) if (!EMBEDDED_META.has(k)) delete meta[k];
}

/** Fills in `default`s where a field is absent (or null and not nullable), outside in. */
export function applySchemaDefaults(value: Json, schema: JSONSchemaProps | undefined): void {
  if (!schema) return;
  if (Array.isArray(value)) {
    for (const item of value) applySchemaDefaults(item, schema.items);
    return;
  }
  if (!isObject(value)) return;
  for (const [key, sub] of Object.entries(schema.properties ?? {})) {
    const absent = !(key in value) || (value[key] === null && !sub.nullable);
    if (absent && sub.default !== undefined) value[key] = structuredClone(sub.default);
    if (key in value) applySchemaDefaults(value[key], sub);
  }
  if (isObject(schema.additionalProperties))
    for (const key of Object.keys(value))
      if (!schema.properties?.[key]) applySchemaDefaults(value[key], schema.additionalProperties);
}

function typeOf(v: Json): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

const FORMATS: Record<string, RegExp> = {
  "date-time": /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/,
  date: /^\d{4}-\d{2}-\d{2}$/,
  uuid: /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/,
  byte: /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/,
  ipv4: /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/,
  email: /^[^@\s]+@[^@\s]+\.[^@\s]+$/,
  hostname: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/i,
};

const goValue = (v: Json) => JSON.stringify(v);

/** Every way `value` breaks `schema`, at `path` (e.g. "spec.replicas"). */
export function validateValue(value: Json, schema: JSONSchemaProps, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const at = path || "<root>";
  if (value === null) {
    if (schema.nullable || (schema["x-kubernetes-preserve-unknown-fields"] && !schema.type)) return errs;
    if (schema.type) errs.push(invalid(at, "null", `${at} in body must be of type ${schema.type}: "null"`));
    return errs;
  }
  const actual = typeOf(value);
  if (schema["x-kubernetes-int-or-string"]) {
    if (actual !== "integer" && actual !== "string")
      errs.push(
        invalid(at, actual, `${at} in body must be of type integer,string: ${JSON.stringify(actual)}`),
      );
  } else if (schema.type) {
    const ok =
      schema.type === "number" ? actual === "number" || actual === "integer" : actual === schema.type;
    if (!ok) {
      errs.push(
        invalid(at, actual, `${at} in body must be of type ${schema.type}: ${JSON.stringify(actual)}`),
      );
      return errs;
    }
  }
  if (schema.enum && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value)))
    errs.push(
      notSupported(
        at,
        value,
        schema.enum.map((e) => (typeof e === "string" ? e : JSON.stringify(e))),
      ),
    );
  if (typeof value === "number") {
    if (schema.maximum !== undefined) {
      const over = schema.exclusiveMaximum ? value >= schema.maximum : value > schema.maximum;
      if (over)
        errs.push(
          invalid(
            at,
            value,
            `${at} in body should be less than ${schema.exclusiveMaximum ? "" : "or equal to "}${schema.maximum}`,
          ),
        );
    }
    if (schema.minimum !== undefined) {
      const under = schema.exclusiveMinimum ? value <= schema.minimum : value < schema.minimum;
      if (under)
        errs.push(
          invalid(
            at,
            value,
            `${at} in body should be greater than ${schema.exclusiveMinimum ? "" : "or equal to "}${schema.minimum}`,
          ),
        );
    }
    if (
      schema.multipleOf &&
      Math.abs(value / schema.multipleOf - Math.round(value / schema.multipleOf)) > 1e-9
    )
      errs.push(invalid(at, value, `${at} in body should be a multiple of ${schema.multipleOf}`));
    if (schema.format === "int32" && (value > 2147483647 || value < -2147483648))
      errs.push(invalid(at, value, `${at} in body must be of type int32: ${goValue(value)}`));
  }
  if (typeof value === "string") {
    const len = [...value].length;
    if (schema.maxLength !== undefined && len > schema.maxLength)
      errs.push({
        type: "FieldValueTooLong",
        field: at,
        value,
        detail: `may not be more than ${schema.maxLength} bytes`,
      });
    if (schema.minLength !== undefined && len < schema.minLength)
      errs.push(invalid(at, value, `${at} in body should be at least ${schema.minLength} chars long`));
    if (schema.pattern !== undefined && !safeRegExp(schema.pattern)?.test(value))
      errs.push(invalid(at, value, `${at} in body should match '${schema.pattern}'`));
    const fmt = schema.format ? FORMATS[schema.format] : undefined;
    if (fmt && !fmt.test(value))
      errs.push(invalid(at, value, `${at} in body must be of type ${schema.format}: ${goValue(value)}`));
  }
  if (Array.isArray(value)) {
    if (schema.maxItems !== undefined && value.length > schema.maxItems)
      errs.push({
        type: "FieldValueTooMany",
        field: at,
        value: value.length,
        detail: `must have at most ${schema.maxItems} items`,
      });
    if (schema.minItems !== undefined && value.length < schema.minItems)
      errs.push(invalid(at, value.length, `${at} in body should have at least ${schema.minItems} items`));
    const set = schema["x-kubernetes-list-type"] === "set" || schema.uniqueItems;
    if (set) {
      const seen = new Set<string>();
      value.forEach((item, i) => {
        const k = JSON.stringify(item);
        if (seen.has(k)) errs.push({ type: "FieldValueDuplicate", field: `${path}[${i}]`, value: item });
        seen.add(k);
      });
    }
    if (schema.items)
      value.forEach((item, i) => errs.push(...validateValue(item, schema.items!, `${path}[${i}]`)));
  }
  if (isObject(value)) {
    for (const r of schema.required ?? []) if (!(r in value)) errs.push(required(path ? `${path}.${r}` : r));
    const n = Object.keys(value).length;
    if (schema.maxProperties !== undefined && n > schema.maxProperties)
      errs.push({
        type: "FieldValueTooMany",
        field: at,
        value: n,
        detail: `must have at most ${schema.maxProperties} items`,
      });
    if (schema.minProperties !== undefined && n < schema.minProperties)
      errs.push(invalid(at, n, `${at} in body should have at least ${schema.minProperties} properties`));
    for (const [k, v] of Object.entries(value)) {
      const sub =
        schema.properties?.[k] ??
        (isObject(schema.additionalProperties) ? schema.additionalProperties : undefined);
      if (sub) errs.push(...validateValue(v, sub, path ? `${path}.${k}` : k));
    }
  }
  for (const s of schema.allOf ?? []) errs.push(...validateValue(value, s, path));
  if (schema.anyOf && !schema.anyOf.some((s) => validateValue(value, s, path).length === 0))
    errs.push(invalid(at, value, `${at} in body must validate at least one schema (anyOf)`));
  if (schema.oneOf && schema.oneOf.filter((s) => validateValue(value, s, path).length === 0).length !== 1)
    errs.push(invalid(at, value, `${at} in body must validate one and only one schema (oneOf)`));
  if (schema.not && validateValue(value, schema.not, path).length === 0)
    errs.push(invalid(at, value, `${at} in body must not validate the schema (not)`));
  return errs;
}

function safeRegExp(pattern: string): RegExp | undefined {
  try {
    return new RegExp(pattern, "u");
  } catch {
    return undefined;
  }
}

/**
 * Structural-schema checks of a CRD version's schema (apiextensions validation): every node
 * says its type unless unknown fields are preserved or it is int-or-string; the root is an object.
 */
export function structuralErrors(schema: JSONSchemaProps, path: string, root = true): FieldError[] {
  const errs: FieldError[] = [];
  if (root && schema.type !== "object")
    errs.push(invalid(`${path}.type`, schema.type ?? "", "must be object at the root"));
  const typed =
    schema.type || schema["x-kubernetes-int-or-string"] || schema["x-kubernetes-preserve-unknown-fields"];
  if (!typed && !root) errs.push(required(`${path}.type`, "must not be empty for specified object fields"));
  if (schema.type === "array" && !schema.items) errs.push(required(`${path}.items`, "must be specified"));
  if (schema.pattern !== undefined && !safeRegExp(schema.pattern))
    errs.push(invalid(`${path}.pattern`, schema.pattern, "must be a valid regular expression"));
  if (schema.properties && isObject(schema.additionalProperties))
    errs.push({
      type: "FieldValueForbidden",
      field: `${path}.additionalProperties`,
      detail: "additionalProperties and properties are mutual exclusive",
    });
  for (const [k, sub] of Object.entries(schema.properties ?? {}))
    errs.push(...structuralErrors(sub, `${path}.properties[${k}]`, false));
  if (schema.items) errs.push(...structuralErrors(schema.items, `${path}.items`, false));
  if (isObject(schema.additionalProperties))
    errs.push(...structuralErrors(schema.additionalProperties, `${path}.additionalProperties`, false));
  if (schema.default !== undefined && !root) {
    const copy = structuredClone(schema.default);
    prune(copy, schema);
    const bad = validateValue(copy, { ...schema, default: undefined }, "");
    if (bad.length)
      errs.push(invalid(`${path}.default`, schema.default, bad.map((e) => e.detail ?? e.type).join("; ")));
  }
  return errs;
}
