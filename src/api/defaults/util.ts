export type Obj = Record<string, any>;

export function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The object at obj[key], created (as {}) when missing. */
export function child(obj: Obj, key: string): Obj {
  if (!isObj(obj[key])) obj[key] = {};
  return obj[key];
}

export function setIfUnset(obj: Obj, key: string, value: unknown): void {
  if (obj[key] === undefined || obj[key] === null) obj[key] = value;
}

export function setIfEmpty(obj: Obj, key: string, value: unknown): void {
  if (obj[key] === undefined || obj[key] === null || obj[key] === "") obj[key] = value;
}

export function list(v: unknown): Obj[] {
  return Array.isArray(v) ? v.filter(isObj) : [];
}

export function isEmptyMap(v: unknown): boolean {
  return !isObj(v) || Object.keys(v).length === 0;
}
