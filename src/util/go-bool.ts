// Query booleans as upstream reads them. The parameter codec converts with apimachinery's
// Convert_Slice_string_To_bool, and RequestInfo decides "watch" the same way: only "0" and "false"
// (any case) are false, any other value, the empty one included, is true. So the official Python
// client's `watch=True` and `follow=True` are true and `watch=False` false, and no value is an error.

/** The value as upstream's query conversion reads it; undefined when the parameter is absent. */
export function parseGoBool(v: string | null | undefined): boolean | undefined {
  if (v === null || v === undefined) return undefined;
  return !(v === "0" || v.toLowerCase() === "false");
}

/** A query flag: set when present with a value other than 0 or false. */
export function queryFlag(q: URLSearchParams, name: string): boolean {
  return parseGoBool(q.get(name)) === true;
}
