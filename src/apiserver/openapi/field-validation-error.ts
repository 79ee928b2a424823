import { badRequest, type StatusError } from "../../apimachinery/status-error.ts";

/** The body decoded into the kind of the request path; set for create and update, not for patch. */
export interface DecodeTarget {
  kind: string;
  version: string;
}

/** The strict decoding error text: `strict decoding error: unknown field "a", unknown field "b"`. */
export function strictDecodingMessage(fields: string[]): string {
  // k8s.io/apimachinery/pkg/runtime/error.go strictDecodingError.Error
  return `strict decoding error: ${fields.map((f) => `unknown field ${JSON.stringify(f)}`).join(", ")}`;
}

/**
 * The 400 BadRequest that kube-apiserver answers for fieldValidation=Strict. Create and update
 * wrap the decoding error as `Pod in version "v1" cannot be handled as a Pod: …`
 * (k8s.io/apiserver/pkg/endpoints/handlers/rest.go transformDecodeError); patches
 * return it bare (handlers/patch.go applyPatchToObject).
 */
export function fieldValidationError(fields: string[], target?: DecodeTarget): StatusError {
  const msg = strictDecodingMessage(fields);
  if (!target) return badRequest(msg);
  return badRequest(
    `${target.kind} in version ${JSON.stringify(target.version)} cannot be handled as a ${target.kind}: ${msg}`,
  );
}

/** The Warning header texts for fieldValidation=Warn, one per field. */
export function fieldValidationWarnings(fields: string[]): string[] {
  return fields.map((f) => `unknown field ${JSON.stringify(f)}`);
}
