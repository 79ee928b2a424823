// OpenAPI v3 for kubectl (explain, apply/create validation, patch metadata) and the unknown
// field check behind fieldValidation=Strict. Nothing is read or built until first asked for.
import type { StatusError } from "../../apimachinery/status-error.ts";
import { createHash } from "node:crypto";
import { OpenApiV3 } from "./documents.ts";
import { swaggerDocument } from "./v2.ts";
import { encodeSwagger } from "./v2-proto.ts";
import { dropEmptyOmitted } from "./omit-empty.ts";
import {
  type DecodeTarget,
  fieldValidationError as makeFieldValidationError,
} from "./field-validation-error.ts";

export type { DecodeTarget } from "./field-validation-error.ts";
export { fieldValidationWarnings, strictDecodingMessage } from "./field-validation-error.ts";

let served: OpenApiV3 | undefined;
// Derived once from the installed kubernetes-types package; identical for every server in the process.
const openApi = (): OpenApiV3 => (served ??= OpenApiV3.installed());

/** `GET /openapi/v3`: every served group-version with its document URL and content hash. */
export function openApiV3Root(): { paths: Record<string, { serverRelativeURL: string }> } {
  return openApi().root();
}

/** `GET /openapi/v3/<path>` ("api/v1", "apis/apps/v1"); shared and not to be mutated. */
export function openApiV3Document(path: string): object | undefined {
  return openApi().document(path)?.doc;
}

/** The same document already serialized, with its hash (for ETag and caching headers). */
export function openApiV3DocumentJson(path: string): { json: string; hash: string } | undefined {
  const d = openApi().document(path);
  return d && { json: d.json, hash: d.hash };
}

export interface SwaggerServed {
  json: string;
  proto: Buffer;
  /** Upper-case hex SHA-512 of the JSON, as the ETag of both forms. */
  hash: string;
}
let swagger: SwaggerServed | undefined;

const withCustom = new WeakMap<OpenApiV3, SwaggerServed>();

/**
 * `GET /openapi/v2`: one Swagger 2.0 document of every served group-version, as JSON and as
 * protobuf; with `custom`, the custom resources' group-versions too.
 */
export function openApiV2(custom?: OpenApiV3): SwaggerServed {
  const done = custom ? withCustom.get(custom) : swagger;
  if (done) return done;
  const docs = [openApi(), ...(custom ? [custom] : [])].flatMap((api) =>
    api.paths().map((p) => api.document(p)!.doc),
  );
  const doc = swaggerDocument(docs);
  const json = JSON.stringify(doc);
  const served = {
    json,
    proto: encodeSwagger(doc),
    hash: createHash("sha512").update(json).digest("hex").toUpperCase(),
  };
  if (custom) withCustom.set(custom, served);
  else swagger = served;
  return served;
}

/** Fields of `obj` that the kind's schema does not know, as `spec.containers[0].bar`; [] for unknown kinds. */
export function unknownFields(group: string, version: string, kind: string, obj: unknown): string[] {
  return openApi().unknownFields(group, version, kind, obj);
}

/** Drops, in place, the empty lists and maps Go's omitempty would not encode (a no-op for unknown kinds). */
export function dropEmptyFields(group: string, version: string, kind: string, obj: unknown): void {
  // Most writes hold no empty list or map at all; those never load the schemas (start-up writes).
  if (!hasEmpty(obj)) return;
  const tree = openApi().kindTree(group, version, kind);
  if (tree) dropEmptyOmitted(tree, obj);
}

function hasEmpty(v: unknown): boolean {
  if (Array.isArray(v)) {
    if (v.length === 0) return true;
    for (const x of v) if (typeof x === "object" && x !== null && hasEmpty(x)) return true;
    return false;
  }
  if (typeof v !== "object" || v === null) return false;
  let any = false;
  for (const k in v) {
    any = true;
    const x = (v as Record<string, unknown>)[k];
    if (typeof x === "object" && x !== null && hasEmpty(x)) return true;
  }
  return !any;
}

/**
 * Upstream's 400 for fieldValidation=Strict. Pass `target` for create and update, whose message
 * reads `Pod in version "v1" cannot be handled as a Pod: strict decoding error: …`; patches omit it.
 */
export function fieldValidationError(fields: string[], target?: DecodeTarget): StatusError {
  return makeFieldValidationError(fields, target);
}
