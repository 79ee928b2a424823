// How custom objects are written: pruned to the schema, defaulted, then validated against it
// (apiextensions-apiserver's customResourceStrategy), with status kept apart when the CRD has the
// status subresource.
import { validateObjectMeta, validateObjectMetaUpdate } from "../../api/validation/object-meta.ts";
import { nameIsPathSegment } from "../../api/validation/formats.ts";
import type { KObject } from "../../apimachinery/meta.ts";
import type { FieldError } from "../../apimachinery/field-error.ts";
import type { RequestContext, Strategy } from "../registry/strategy.ts";
import type { CrdVersion } from "./crd-types.ts";
import { applySchemaDefaults, prune, validateValue, type JSONSchemaProps } from "./schema.ts";
import { celErrors, hasCelRules } from "./cel-validation.ts";
import { ratchet } from "./ratcheting.ts";

function schemaOf(version: CrdVersion): JSONSchemaProps {
  return version.schema?.openAPIV3Schema ?? { type: "object", "x-kubernetes-preserve-unknown-fields": true };
}

/** Validates the object as its schema says, apart from metadata, which ObjectMeta rules cover. */
function validateAgainst(schema: JSONSchemaProps, obj: KObject, old?: KObject): FieldError[] {
  const strip = (o: KObject) => {
    const { metadata: _m, apiVersion: _a, kind: _k, ...rest } = o as Record<string, unknown>;
    return rest;
  };
  const props = { ...(schema.properties ?? {}) };
  delete props.metadata;
  delete props.apiVersion;
  delete props.kind;
  const body: JSONSchemaProps = {
    ...schema,
    properties: props,
    required: (schema.required ?? []).filter((r) => !["metadata", "apiVersion", "kind"].includes(r)),
  };
  const now = strip(obj);
  const before = old ? strip(old) : undefined;
  const kept = (errs: FieldError[]) => (before && errs.length ? ratchet(errs, now, before, body) : errs);
  const errs = kept(validateValue(now, body, ""));
  // CEL rules see only values their schema admits (upstream skips them on type errors).
  if (!errs.length && hasCelRules(body)) errs.push(...kept(celErrors(now, before, body, "")));
  return errs;
}

/**
 * `storage` is the storage version; `served` every served version, whose own schema prunes,
 * defaults and validates the writes that name it (the storage version's serves the rest: the
 * server's own writes).
 */
export function customResourceStrategy(
  storage: CrdVersion,
  served: CrdVersion[],
  namespaced: boolean,
): Strategy {
  const schemas = new Map(served.map((v) => [v.name, schemaOf(v)]));
  const storageSchema = schemaOf(storage);
  const schemaFor = (ctx?: RequestContext) => (ctx?.version && schemas.get(ctx.version)) || storageSchema;
  const hasStatus = !!storage.subresources?.status;
  const normalize = (obj: KObject, ctx: RequestContext) => {
    const schema = schemaFor(ctx);
    prune(obj, schema, true);
    applySchemaDefaults(obj, schema);
  };
  return {
    prepareForCreate(obj, ctx) {
      // With the status subresource, status is written only through it.
      if (hasStatus) delete obj.status;
      normalize(obj, ctx);
    },
    prepareForUpdate(obj, old, ctx) {
      if (hasStatus) {
        if (old.status === undefined) delete obj.status;
        else obj.status = structuredClone(old.status);
      }
      normalize(obj, ctx);
    },
    prepareForStatusUpdate(obj, _old, ctx) {
      normalize(obj, ctx);
    },
    validateCreate(obj, ctx) {
      const meta = validateObjectMeta(obj.metadata, namespaced, nameIsPathSegment);
      return [...meta, ...validateAgainst(schemaFor(ctx), obj)];
    },
    validateUpdate(obj, old, ctx) {
      return [
        ...validateObjectMetaUpdate(obj.metadata, old.metadata),
        ...validateAgainst(schemaFor(ctx), obj, old),
      ];
    },
    validateStatusUpdate(obj, old, ctx) {
      return validateAgainst(schemaFor(ctx), obj, old);
    },
    defaultPropagation: "Background",
  };
}
