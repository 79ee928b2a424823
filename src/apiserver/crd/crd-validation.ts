// Validation of a CustomResourceDefinition (apiextensions' ValidateCustomResourceDefinition): its
// name is plural.group, names are DNS labels, one served storage version, structural schemas.
import { forbidden, invalid, required, type FieldError } from "../../apimachinery/field-error.ts";
import type { Crd } from "./crd-types.ts";
import { structuralErrors, type JSONSchemaProps } from "./schema.ts";
import { celCompileErrors } from "./cel-compile.ts";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const KIND = /^[A-Za-z][A-Za-z0-9]*$/;

export function validateCrd(crd: Crd, old?: Crd): FieldError[] {
  const errs: FieldError[] = [];
  const spec = crd.spec ?? ({} as Crd["spec"]);
  const names = spec.names ?? {};
  if (!spec.group) errs.push(required("spec.group"));
  else if (!DNS_SUBDOMAIN.test(spec.group) || !spec.group.includes("."))
    errs.push(invalid("spec.group", spec.group, "should be a domain with at least one dot"));
  if (!names.plural) errs.push(required("spec.names.plural"));
  else if (!DNS_LABEL.test(names.plural))
    errs.push(invalid("spec.names.plural", names.plural, "a lowercase RFC 1123 label is required"));
  if (names.singular && !DNS_LABEL.test(names.singular))
    errs.push(invalid("spec.names.singular", names.singular, "a lowercase RFC 1123 label is required"));
  if (!names.kind) errs.push(required("spec.names.kind"));
  else if (!KIND.test(names.kind))
    errs.push(
      invalid(
        "spec.names.kind",
        names.kind,
        "may have mixed case, but should otherwise match: ^[a-zA-Z][a-zA-Z0-9]*$",
      ),
    );
  if (names.listKind && names.listKind === names.kind)
    errs.push(invalid("spec.names.listKind", names.listKind, "kind and listKind may not be the same"));
  for (const [i, s] of (names.shortNames ?? []).entries())
    if (!DNS_LABEL.test(s))
      errs.push(invalid(`spec.names.shortNames[${i}]`, s, "a lowercase RFC 1123 label is required"));
  const name = crd.metadata?.name ?? "";
  if (spec.group && names.plural && name !== `${names.plural}.${spec.group}`)
    errs.push(invalid("metadata.name", name, 'must be spec.names.plural+"."+spec.group'));
  if (spec.scope !== "Namespaced" && spec.scope !== "Cluster")
    errs.push(
      spec.scope
        ? {
            type: "FieldValueNotSupported",
            field: "spec.scope",
            value: spec.scope,
            detail: 'supported values: "Cluster", "Namespaced"',
          }
        : required("spec.scope"),
    );
  const versions = spec.versions ?? [];
  if (!versions.length)
    errs.push(required("spec.versions", "must have exactly one version marked as storage version"));
  const storage = versions.filter((v) => v.storage);
  if (versions.length && storage.length !== 1)
    errs.push(invalid("spec.versions", versions, "must have exactly one version marked as storage version"));
  if (versions.length && !versions.some((v) => v.served))
    errs.push(invalid("spec.versions", versions, "must have at least one version marked as served"));
  const seen = new Set<string>();
  versions.forEach((v, i) => {
    const p = `spec.versions[${i}]`;
    if (!v.name || !DNS_LABEL.test(v.name))
      errs.push(invalid(`${p}.name`, v.name ?? "", "a DNS-1035 label is required"));
    if (seen.has(v.name)) errs.push({ type: "FieldValueDuplicate", field: `${p}.name`, value: v.name });
    seen.add(v.name);
    const schema = v.schema?.openAPIV3Schema;
    if (!schema) errs.push(required(`${p}.schema.openAPIV3Schema`, "schemas are required"));
    else {
      errs.push(...structuralErrors(schema, `${p}.schema.openAPIV3Schema`));
      errs.push(...celCompileErrors(schema, `${p}.schema.openAPIV3Schema`));
    }
    errs.push(...selectableFieldErrors(v.selectableFields, schema, p));
    const scale = v.subresources?.scale;
    if (scale) {
      const sp = `${p}.subresources.scale`;
      if (!scale.specReplicasPath?.startsWith(".spec."))
        errs.push(
          invalid(
            `${sp}.specReplicasPath`,
            scale.specReplicasPath ?? "",
            "should be a json path under .spec",
          ),
        );
      if (!scale.statusReplicasPath?.startsWith(".status."))
        errs.push(
          invalid(
            `${sp}.statusReplicasPath`,
            scale.statusReplicasPath ?? "",
            "should be a json path under .status",
          ),
        );
      if (scale.labelSelectorPath && !/^\.(spec|status)\./.test(scale.labelSelectorPath))
        errs.push(
          invalid(
            `${sp}.labelSelectorPath`,
            scale.labelSelectorPath,
            "should be a json path under either .spec or .status",
          ),
        );
    }
    for (const [j, c] of (v.additionalPrinterColumns ?? []).entries()) {
      if (!c.name) errs.push(required(`${p}.additionalPrinterColumns[${j}].name`));
      if (!["integer", "number", "string", "boolean", "date"].includes(c.type))
        errs.push({
          type: "FieldValueNotSupported",
          field: `${p}.additionalPrinterColumns[${j}].type`,
          value: c.type,
          detail: 'supported values: "boolean", "date", "integer", "number", "string"',
        });
      if (!c.jsonPath) errs.push(required(`${p}.additionalPrinterColumns[${j}].jsonPath`));
    }
  });
  if (spec.conversion?.strategy && spec.conversion.strategy !== "None")
    errs.push({
      type: "FieldValueNotSupported",
      field: "spec.conversion.strategy",
      value: spec.conversion.strategy,
      detail: 'supported values: "None" (skiff serves no conversion webhooks yet)',
    });
  if (old) {
    if (old.spec?.group !== spec.group) errs.push(invalid("spec.group", spec.group, "field is immutable"));
    if (old.spec?.names?.plural !== names.plural)
      errs.push(invalid("spec.names.plural", names.plural, "field is immutable"));
    if (old.spec?.scope !== spec.scope) errs.push(invalid("spec.scope", spec.scope, "field is immutable"));
    // A version whose objects are stored may not go while it is recorded as stored.
    for (const stored of old.status?.storedVersions ?? [])
      if (!versions.some((v) => v.name === stored))
        errs.push(invalid("status.storedVersions[0]", stored, "must appear in spec.versions"));
  }
  if (spec.preserveUnknownFields)
    errs.push(
      forbidden(
        "spec.preserveUnknownFields",
        "cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead",
      ),
    );
  return errs;
}

/** selectableFields: at most 8, distinct, each a string, integer or boolean field of the schema. */
function selectableFieldErrors(
  fields: Array<{ jsonPath: string }> | undefined,
  schema: JSONSchemaProps | undefined,
  p: string,
): FieldError[] {
  const errs: FieldError[] = [];
  if (!fields?.length) return errs;
  if (fields.length > 8)
    errs.push({
      type: "FieldValueTooMany",
      field: `${p}.selectableFields`,
      value: fields.length,
      detail: "must have at most 8 items",
    });
  const seen = new Set<string>();
  fields.forEach((f, i) => {
    const fp = `${p}.selectableFields[${i}].jsonPath`;
    const path = f.jsonPath ?? "";
    if (!path) {
      errs.push(required(fp, ""));
      return;
    }
    if (seen.has(path)) errs.push({ type: "FieldValueDuplicate", field: fp, value: path });
    seen.add(path);
    let node: JSONSchemaProps | undefined = schema;
    for (const part of path.replace(/^\./, "").split(".")) node = node?.properties?.[part];
    if (!path.startsWith(".") || !node)
      errs.push(invalid(fp, path, "is an invalid path: does not refer to a valid field"));
    else if (!["string", "integer", "boolean"].includes(node.type ?? ""))
      errs.push(invalid(fp, path, "must point to a field of type one of boolean, integer or string"));
  });
  return errs;
}
