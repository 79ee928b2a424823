import { invalid, type FieldError } from "../../apimachinery/field-error.ts";
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from "./formats.ts";

export const isNegativeErrorMsg = "must be greater than or equal to 0";
export const fieldImmutableErrorMsg = "field is immutable";

export function idx(path: string, i: number): string {
  return `${path}[${i}]`;
}

export function key(path: string, k: string): string {
  return `${path}[${k}]`;
}

export function isObject(v: unknown): v is Record<string, any> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function asArray(v: unknown): any[] {
  return Array.isArray(v) ? v : [];
}

export function asMap(v: unknown): Record<string, any> {
  return isObject(v) ? v : {};
}

export function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

export function nonNegative(value: unknown, path: string): FieldError[] {
  return typeof value === "number" && value < 0 ? [invalid(path, value, isNegativeErrorMsg)] : [];
}

/** Deep equality for plain JSON values, with map key order ignored (apiequality.Semantic). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    if (ka.length !== kb.length) return false;
    return ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

export function dnsLabel(value: string, path: string): FieldError[] {
  return isDNS1123Label(value).map((m) => invalid(path, value, m));
}

export function dnsSubdomain(value: string, path: string): FieldError[] {
  return isDNS1123Subdomain(value).map((m) => invalid(path, value, m));
}

export function qualifiedName(value: string, path: string): FieldError[] {
  return isQualifiedName(value).map((m) => invalid(path, value, m));
}

// apimachinery/pkg/apis/meta/v1/validation ValidateLabels: key and value errors both use the map's path.
export function validateLabels(labels: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(asMap(labels))) {
    errs.push(...qualifiedName(k, path));
    const value = typeof v === "string" ? v : String(v);
    for (const m of isValidLabelValue(value)) errs.push(invalid(path, value, m));
  }
  return errs;
}
