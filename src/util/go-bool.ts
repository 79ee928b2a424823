// Query booleans as upstream reads them: Go's strconv.ParseBool, which the official Python client
// relies on when it sends `watch=True` and `follow=True`.
const TRUE = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const FALSE = new Set(["0", "f", "F", "FALSE", "false", "False"]);

/** true or false as strconv.ParseBool reads the value; undefined when absent or not a boolean. */
export function parseGoBool(v: string | null | undefined): boolean | undefined {
  if (v === null || v === undefined) return undefined;
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  return undefined;
}

/** A query flag: set only when the value parses as true. */
export function queryFlag(q: URLSearchParams, name: string): boolean {
  return parseGoBool(q.get(name)) === true;
}
