// A parser for CronJob schedules that accepts what robfig/cron/v3 ParseStandard accepts
// (five fields or @-descriptors) and fails with the same error texts, which upstream
// puts verbatim into `spec.schedule: Invalid value: ...`.

export interface CronSchedule {
  /** Allowed values per field; dom/dow "star" flags mirror cron's handling of `*`. */
  minute: Set<number>;
  hour: Set<number>;
  dom: Set<number>;
  month: Set<number>;
  dow: Set<number>;
  domStar: boolean;
  dowStar: boolean;
  /** Set for "@every <duration>" schedules, in milliseconds. */
  everyMs?: number;
}

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const minutes: Bounds = { min: 0, max: 59 };
const hours: Bounds = { min: 0, max: 23 };
const dom: Bounds = { min: 1, max: 31 };
const months: Bounds = {
  min: 1,
  max: 12,
  names: {
    jan: 1,
    feb: 2,
    mar: 3,
    apr: 4,
    may: 5,
    jun: 6,
    jul: 7,
    aug: 8,
    sep: 9,
    oct: 10,
    nov: 11,
    dec: 12,
  },
};
const dow: Bounds = { min: 0, max: 6, names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } };

class CronError extends Error {}

// strconv.Atoi
function atoi(s: string): number {
  if (!/^[+-]?[0-9]+$/.test(s))
    throw new CronError(
      `failed to parse int from ${s}: strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`,
    );
  const n = Number(s);
  if (!Number.isSafeInteger(n) || Math.abs(n) > 2 ** 63 - 1)
    throw new CronError(
      `failed to parse int from ${s}: strconv.Atoi: parsing ${JSON.stringify(s)}: value out of range`,
    );
  return n;
}

function parseUint(s: string): number {
  const n = atoi(s);
  if (n < 0) throw new CronError(`negative number (${n}) not allowed: ${s}`);
  return n;
}

function parseIntOrName(s: string, b: Bounds): number {
  const named = b.names?.[s.toLowerCase()];
  return named ?? parseUint(s);
}

function getRange(expr: string, b: Bounds, out: Set<number>): boolean {
  const rangeAndStep = expr.split("/");
  const lowAndHigh = rangeAndStep[0].split("-");
  const single = lowAndHigh.length === 1;
  let start: number;
  let end: number;
  let star = false;
  if (lowAndHigh[0] === "*" || lowAndHigh[0] === "?") {
    start = b.min;
    end = b.max;
    star = true;
  } else {
    start = parseIntOrName(lowAndHigh[0], b);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1], b);
    else throw new CronError(`too many hyphens: ${expr}`);
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    step = parseUint(rangeAndStep[1]);
    if (single) end = b.max;
    if (step > 1) star = false;
  } else if (rangeAndStep.length > 2) {
    throw new CronError(`too many slashes: ${expr}`);
  }
  if (start < b.min) throw new CronError(`beginning of range (${start}) below minimum (${b.min}): ${expr}`);
  if (end > b.max) throw new CronError(`end of range (${end}) above maximum (${b.max}): ${expr}`);
  if (start > end) throw new CronError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new CronError(`step of range should be a positive number: ${expr}`);
  for (let i = start; i <= end; i += step) out.add(i);
  return star;
}

function getField(field: string, b: Bounds): { values: Set<number>; star: boolean } {
  const values = new Set<number>();
  let star = false;
  for (const expr of field.split(",").filter((x) => x !== "")) star = getRange(expr, b, values) || star;
  return { values, star };
}

const all = (b: Bounds) => new Set(Array.from({ length: b.max - b.min + 1 }, (_, i) => b.min + i));

// time.ParseDuration, for the units cron users write.
function parseDuration(s: string): number | undefined {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1e3, m: 6e4, h: 3.6e6 };
  if (s === "0") return 0;
  const re = /([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let pos = 0;
  if (!s) return undefined;
  while (pos < s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) return undefined;
    total += Number(m[1]) * units[m[2]];
    pos = re.lastIndex;
  }
  return total;
}

function descriptor(spec: string): CronSchedule {
  const at = (
    minute: number[],
    hour: number[],
    d: number[] | null,
    month: number[] | null,
    w: number[] | null,
  ) => ({
    minute: new Set(minute),
    hour: new Set(hour),
    dom: d ? new Set(d) : all(dom),
    month: month ? new Set(month) : all(months),
    dow: w ? new Set(w) : all(dow),
    domStar: d === null,
    dowStar: w === null,
  });
  switch (spec) {
    case "@yearly":
    case "@annually":
      return at([0], [0], [1], [1], null);
    case "@monthly":
      return at([0], [0], [1], null, null);
    case "@weekly":
      return at([0], [0], null, null, [0]);
    case "@daily":
    case "@midnight":
      return at([0], [0], null, null, null);
    case "@hourly":
      return { ...at([0], [], null, null, null), hour: all(hours) };
  }
  if (spec.startsWith("@every ")) {
    const text = spec.slice("@every ".length);
    const ms = parseDuration(text);
    if (ms === undefined)
      throw new CronError(`failed to parse duration ${spec}: time: invalid duration ${JSON.stringify(text)}`);
    return { ...at([], [], null, null, null), everyMs: ms };
  }
  throw new CronError(`unrecognized descriptor: ${spec}`);
}

/** Parses a schedule; returns the error text robfig/cron/v3 would give, or the schedule. */
export function parseCronSchedule(input: string): { schedule?: CronSchedule; error?: string } {
  try {
    let spec = input;
    if (spec.length === 0) throw new CronError("empty spec string");
    if (spec.startsWith("TZ=") || spec.startsWith("CRON_TZ=")) {
      const i = spec.indexOf(" ");
      if (i < 0)
        throw new CronError(`provided bad location ${spec.slice(spec.indexOf("=") + 1)}: unknown time zone`);
      spec = spec.slice(i).trim();
    }
    if (spec.startsWith("@")) return { schedule: descriptor(spec) };
    const fields = spec.split(/\s+/).filter((f) => f !== "");
    if (fields.length !== 5)
      throw new CronError(`expected exactly 5 fields, found ${fields.length}: [${fields.join(" ")}]`);
    const minute = getField(fields[0], minutes);
    const hour = getField(fields[1], hours);
    const d = getField(fields[2], dom);
    const month = getField(fields[3], months);
    const w = getField(fields[4], dow);
    return {
      schedule: {
        minute: minute.values,
        hour: hour.values,
        dom: d.values,
        month: month.values,
        dow: w.values,
        domStar: d.star,
        dowStar: w.star,
      },
    };
  } catch (e) {
    if (e instanceof CronError) return { error: e.message };
    throw e;
  }
}
