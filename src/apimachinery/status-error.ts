import { type FieldError, fieldErrorMessage } from "./field-error.ts";

export type StatusReason =
  | ""
  | "BadRequest"
  | "Unauthorized"
  | "Forbidden"
  | "NotFound"
  | "AlreadyExists"
  | "Conflict"
  | "Gone"
  | "Expired"
  | "Invalid"
  | "MethodNotAllowed"
  | "NotAcceptable"
  | "UnsupportedMediaType"
  | "RequestEntityTooLarge"
  | "InternalError"
  | "Timeout"
  | "ServerTimeout"
  | "TooManyRequests"
  | "ServiceUnavailable";

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, unknown>;
  status: "Success" | "Failure";
  message?: string;
  reason?: StatusReason;
  details?: StatusDetails;
  code: number;
}

/** A failure that the HTTP layer turns into a metav1.Status body with the same code and reason. */
export class StatusError extends Error {
  readonly code: number;
  readonly reason: StatusReason;
  readonly details: StatusDetails | undefined;

  constructor(code: number, reason: StatusReason, message: string, details?: StatusDetails) {
    // Status errors are answers, not bugs: a stack trace would cost more than the request (404s are routine).
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.code = code;
    this.reason = reason;
    this.details = details;
  }

  toStatus(): Status {
    const s: Status = {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
    if (this.details) s.details = this.details;
    return s;
  }
}

/** A qualified resource as upstream prints it in messages: "pods", "deployments.apps". */
export interface QualifiedResource {
  group: string;
  resource: string;
}

const qualified = (qr: QualifiedResource): string => (qr.group ? `${qr.resource}.${qr.group}` : qr.resource);

export function notFound(qr: QualifiedResource, name: string): StatusError {
  const what = name ? `${qualified(qr)} "${name}" not found` : `${qualified(qr)} not found`;
  return new StatusError(404, "NotFound", what, { name, group: qr.group || undefined, kind: qr.resource });
}

export function alreadyExists(qr: QualifiedResource, name: string): StatusError {
  return new StatusError(409, "AlreadyExists", `${qualified(qr)} "${name}" already exists`, {
    name,
    group: qr.group || undefined,
    kind: qr.resource,
  });
}

export function conflict(qr: QualifiedResource, name: string, why: string): StatusError {
  return new StatusError(
    409,
    "Conflict",
    `Operation cannot be fulfilled on ${qualified(qr)} "${name}": ${why}`,
    { name, group: qr.group || undefined, kind: qr.resource },
  );
}

export const OPTIMISTIC_LOCK_MESSAGE =
  "the object has been modified; please apply your changes to the latest version and try again";

export function invalid(group: string, kind: string, name: string, errs: FieldError[]): StatusError {
  const msgs = errs.map(fieldErrorMessage);
  const list = msgs.length === 1 ? msgs[0] : `[${msgs.join(", ")}]`;
  return new StatusError(422, "Invalid", `${kind}${group ? "." + group : ""} "${name}" is invalid: ${list}`, {
    name,
    group: group || undefined,
    kind,
    causes: errs.map((e) => ({
      reason: e.type,
      message: fieldErrorMessage(e).slice(e.field.length + 2),
      field: e.field,
    })),
  });
}

export function badRequest(message: string, causes?: StatusCause[]): StatusError {
  return new StatusError(400, "BadRequest", message, causes ? { causes } : undefined);
}

export function unauthorized(message = "Unauthorized"): StatusError {
  return new StatusError(401, "Unauthorized", message);
}

export function forbidden(message: string): StatusError {
  return new StatusError(403, "Forbidden", message);
}

export function methodNotAllowed(verb: string, qr: QualifiedResource): StatusError {
  return new StatusError(
    405,
    "MethodNotAllowed",
    `${verb} is not supported on resources of kind "${qualified(qr)}"`,
  );
}

// negotiation.NewUnsupportedMediaTypeError: the accepted types only, not the one sent.
export function unsupportedMediaType(
  accepted = ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"],
): StatusError {
  return new StatusError(
    415,
    "UnsupportedMediaType",
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(", ")}`,
  );
}

export function expired(message: string): StatusError {
  return new StatusError(410, "Expired", message);
}

export function gone(message: string): StatusError {
  return new StatusError(410, "Gone", message);
}

export function tooLarge(message = "Request entity too large: limit is 3145728"): StatusError {
  return new StatusError(413, "RequestEntityTooLarge", message);
}

export function internal(message: string): StatusError {
  return new StatusError(500, "InternalError", `Internal error occurred: ${message}`);
}

export function isStatusError(e: unknown): e is StatusError {
  return e instanceof StatusError;
}
