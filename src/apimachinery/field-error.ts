// Mirrors k8s.io/apimachinery/pkg/util/validation/field: one error per field, rendered as
// "<path>: <type message>[: <detail>]" in the Invalid Status and as one cause each.
export type FieldErrorType =
  | "FieldValueNotFound"
  | "FieldValueRequired"
  | "FieldValueDuplicate"
  | "FieldValueInvalid"
  | "FieldValueNotSupported"
  | "FieldValueForbidden"
  | "FieldValueTooLong"
  | "FieldValueTooMany"
  | "InternalError"
  | "FieldValueTypeInvalid";

export interface FieldError {
  type: FieldErrorType;
  field: string;
  value?: unknown;
  detail?: string;
}

const typeText: Record<FieldErrorType, string> = {
  FieldValueNotFound: "Not found",
  FieldValueRequired: "Required value",
  FieldValueDuplicate: "Duplicate value",
  FieldValueInvalid: "Invalid value",
  FieldValueNotSupported: "Unsupported value",
  FieldValueForbidden: "Forbidden",
  FieldValueTooLong: "Too long",
  FieldValueTooMany: "Too many",
  InternalError: "Internal error",
  FieldValueTypeInvalid: "Invalid value",
};

const typesWithValue = new Set<FieldErrorType>([
  "FieldValueNotFound",
  "FieldValueDuplicate",
  "FieldValueInvalid",
  "FieldValueNotSupported",
  "FieldValueTypeInvalid",
  "FieldValueTooMany",
]);

function renderValue(value: unknown): string {
  // Validation may carry upstream's Go rendering of a value (e.g. map[string]string{...}).
  if (value && typeof (value as { goString?: unknown }).goString === "string")
    return (value as { goString: string }).goString;
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null || value === undefined) return "null";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** The text after "<field>: " as upstream's ErrorBody prints it. */
export function fieldErrorBody(e: FieldError): string {
  let s = typeText[e.type];
  if (typesWithValue.has(e.type) && "value" in e) s += `: ${renderValue(e.value)}`;
  if (e.detail) s += `: ${e.detail}`;
  return s;
}

export function fieldErrorMessage(e: FieldError): string {
  return `${e.field}: ${fieldErrorBody(e)}`;
}

export const required = (field: string, detail = ""): FieldError => ({
  type: "FieldValueRequired",
  field,
  detail,
});
export const invalid = (field: string, value: unknown, detail = ""): FieldError => ({
  type: "FieldValueInvalid",
  field,
  value,
  detail,
});
export const notSupported = (field: string, value: unknown, valid: readonly string[]): FieldError => ({
  type: "FieldValueNotSupported",
  field,
  value,
  detail: valid.length ? `supported values: ${valid.map((v) => JSON.stringify(v)).join(", ")}` : "",
});
export const duplicate = (field: string, value: unknown): FieldError => ({
  type: "FieldValueDuplicate",
  field,
  value,
});
export const forbidden = (field: string, detail: string): FieldError => ({
  type: "FieldValueForbidden",
  field,
  detail,
});
export const tooLong = (field: string, value: unknown, max: number): FieldError => ({
  type: "FieldValueTooLong",
  field,
  value,
  detail: `must have at most ${max} bytes`,
});
export const notFound = (field: string, value: unknown): FieldError => ({
  type: "FieldValueNotFound",
  field,
  value,
});
