// Query parameters that upstream decodes into typed options and refuses with a 400 when they do not
// parse: the int64 fields of ListOptions, DeleteOptions and PodLogOptions (strconv.ParseInt's error)
// and the request deadline's `timeout` (time.ParseDuration's).
import { badRequest } from "../../apimachinery/status-error.ts";

const INT_PARAMS: Record<string, readonly string[]> = {
  list: ["limit", "timeoutSeconds"],
  watch: ["limit", "timeoutSeconds"],
  delete: ["gracePeriodSeconds"],
  deletecollection: ["gracePeriodSeconds", "limit", "timeoutSeconds"],
};
const LOG_INT_PARAMS = ["tailLines", "limitBytes", "sinceSeconds"];

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/** Go's strconv.ParseInt(v, 10, 64): the number, or its error text. */
export function parseGoInt64(v: string): { value: number } | { error: string } {
  if (!/^[+-]?\d+$/.test(v))
    return { error: `strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax` };
  const n = BigInt(v);
  if (n > INT64_MAX || n < INT64_MIN)
    return { error: `strconv.ParseInt: parsing ${JSON.stringify(v)}: value out of range` };
  return { value: Number(n) };
}

const UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Go's time.ParseDuration, in milliseconds, or its error text. */
export function parseGoDuration(orig: string): { ms: number } | { error: string } {
  const invalid = { error: `time: invalid duration ${JSON.stringify(orig)}` };
  let s = orig;
  let sign = 1;
  if (s[0] === "-" || s[0] === "+") {
    if (s[0] === "-") sign = -1;
    s = s.slice(1);
  }
  if (s === "0") return { ms: 0 };
  if (s === "") return invalid;
  let total = 0;
  while (s !== "") {
    const num = /^(\d*)(\.(\d*))?/.exec(s)!;
    const whole = num[1] ?? "";
    const frac = num[3] ?? "";
    if (whole === "" && frac === "") return invalid;
    s = s.slice(num[0].length);
    const unit = /^[^\d.]*/.exec(s)![0];
    if (unit === "") return { error: `time: missing unit in duration ${JSON.stringify(orig)}` };
    const scale = UNITS[unit];
    if (scale === undefined)
      return { error: `time: unknown unit ${JSON.stringify(unit)} in duration ${JSON.stringify(orig)}` };
    s = s.slice(unit.length);
    total += Number(`${whole || "0"}.${frac || "0"}`) * scale;
  }
  return { ms: sign * total };
}

/** Throws upstream's 400 for the first typed parameter of the request that does not parse. */
export function checkQueryParams(
  verb: string,
  subresource: string | undefined,
  query: URLSearchParams,
): void {
  const ints = subresource === "log" ? LOG_INT_PARAMS : subresource ? [] : (INT_PARAMS[verb] ?? []);
  for (const name of ints) {
    const v = query.get(name);
    if (v === null) continue;
    const got = parseGoInt64(v);
    if ("error" in got) throw badRequest(got.error);
  }
  // The deadline filter passes long-running requests by, unparsed.
  const longRunning =
    verb === "watch" ||
    verb === "proxy" ||
    ["attach", "exec", "log", "portforward", "proxy"].includes(subresource ?? "");
  const timeout = query.get("timeout");
  if (timeout && !longRunning) {
    const got = parseGoDuration(timeout);
    if ("error" in got) throw badRequest(`invalid timeout specified in the request URL - ${got.error}`);
  }
}
