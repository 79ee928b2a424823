// Items of an `x-kubernetes-list-type: map` list are the same item across an update when their
// keys are equal; items of atomic and set lists have no counterpart. Transition rules and
// validation ratcheting both find an item's old value this way.

interface ListSchema {
  "x-kubernetes-list-type"?: string;
  "x-kubernetes-list-map-keys"?: string[];
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The lookup of an item's old value in `old`, or undefined when the schema is not a map list with
 * keys (or `old` is not a list), so the caller knows items cannot be correlated by key.
 */
export function mapListOld(
  schema: ListSchema | undefined,
  old: unknown,
): ((item: unknown) => unknown) | undefined {
  const keys = schema?.["x-kubernetes-list-map-keys"] ?? [];
  if (schema?.["x-kubernetes-list-type"] !== "map" || !keys.length || !Array.isArray(old)) return undefined;
  const id = (v: unknown) => (isObject(v) ? JSON.stringify(keys.map((k) => v[k] ?? null)) : undefined);
  const byKey = new Map<string, unknown>();
  for (const o of old) {
    const k = id(o);
    if (k !== undefined && !byKey.has(k)) byKey.set(k, o);
  }
  return (item) => {
    const k = id(item);
    return k === undefined ? undefined : byKey.get(k);
  };
}
