// CRD validation ratcheting (KEP-4008, on by default since 1.30): on an update, a schema or rule
// error at a value the update did not change is dropped, so objects stored before a schema
// tightened stay editable. A value is unchanged when the same path holds an equal value in the
// old object; list items correlate by index only inside a list that is itself unchanged, and by
// key in `x-kubernetes-list-type: map` lists. A missing required field ratchets with its object.
import type { FieldError } from "../../apimachinery/field-error.ts";
import { deepEqual as equal } from "../../api/validation/common.ts";
import type { JSONSchemaProps } from "./schema.ts";
import { mapListOld } from "./map-list.ts";

type Json = unknown;
type Segment = string | number;

function parsePath(field: string): Segment[] {
  const out: Segment[] = [];
  for (const m of field.matchAll(/([^.[\]]+)|\[(\d+)\]|\[([^\]]*)\]/g)) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push(m[3]);
  }
  return out;
}

/** The old value correlated with the new one at `path`, or a marker that there is none. */
const NONE = Symbol("none");

function correlate(
  obj: Json,
  old: Json,
  schema: JSONSchemaProps | undefined,
  path: Segment[],
): [Json, Json | typeof NONE] {
  let cur: Json = obj;
  let prev: Json | typeof NONE = old;
  let s = schema;
  for (const seg of path) {
    if (typeof seg === "number") {
      const list = cur as Json[];
      const item = Array.isArray(list) ? list[seg] : undefined;
      const byKey = prev === NONE ? undefined : mapListOld(s as any, prev);
      if (prev === NONE || !Array.isArray(prev)) prev = NONE;
      else if (byKey) {
        const match = byKey(item);
        prev = match === undefined ? NONE : match;
      } else prev = equal(list, prev) ? (prev as Json[])[seg] : NONE;
      cur = item;
      s = s?.items;
      continue;
    }
    cur = (cur as any)?.[seg];
    prev = prev === NONE ? NONE : (prev as any)?.[seg];
    s =
      s?.properties?.[seg] ??
      (typeof s?.additionalProperties === "object" ? s.additionalProperties : undefined);
  }
  return [cur, prev];
}

/** The errors of an update that are not ratcheted away. */
export function ratchet(errs: FieldError[], obj: Json, old: Json, schema: JSONSchemaProps): FieldError[] {
  return errs.filter((e) => {
    let path = parsePath(e.field);
    // A missing required field belongs to its object: it ratchets when that object is unchanged.
    if (e.type === "FieldValueRequired") path = path.slice(0, -1);
    const [now, before] = correlate(obj, old, schema, path);
    return before === NONE || !equal(now, before);
  });
}
