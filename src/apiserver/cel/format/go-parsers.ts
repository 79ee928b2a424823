// The errors Go's parsers give for the format library's non-name formats, as their text reaches
// users: url.ParseRequestURI, uuid.Parse (google/uuid), base64.StdEncoding.DecodeString and
// time.Parse with the date and RFC 3339 layouts.

export function requestURIError(s: string): string | undefined {
  const fail = (why: string) => `parse ${JSON.stringify(s)}: ${why}`;
  if (s === "") return fail("empty url");
  for (const c of s) {
    const code = c.codePointAt(0)!;
    if (code < 0x20 || code === 0x7f) return fail("net/url: invalid control character in URL");
  }
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(s);
  if (!scheme) {
    if (s.startsWith(":")) return fail("missing protocol scheme");
    if (!s.startsWith("/")) return fail("invalid URI for request");
    return undefined;
  }
  const rest = s.slice(scheme[0].length);
  if (rest.startsWith("//")) {
    const authority = rest.slice(2).split(/[/?#]/)[0]!;
    const host = authority.slice(authority.lastIndexOf("@") + 1);
    const bad = /[ <>"{}|\\^`]/.exec(host);
    if (bad) return fail(`invalid character ${JSON.stringify(bad[0])} in host name`);
    const port = /:([^\]]*)$/.exec(host);
    if (port && !host.startsWith("[") && !/^[0-9]*$/.test(port[1]!))
      return fail(`invalid port ${JSON.stringify(`:${port[1]}`)} after host`);
  }
  return undefined;
}

export function uuidError(s: string): string | undefined {
  let hex: string;
  switch (s.length) {
    case 36:
      hex = s;
      break;
    case 38:
      if (s[0] !== "{" || s[37] !== "}") return "invalid UUID format";
      hex = s.slice(1, 37);
      break;
    case 45:
      if (s.slice(0, 9).toLowerCase() !== "urn:uuid:")
        return `invalid urn prefix: ${JSON.stringify(s.slice(0, 9))}`;
      hex = s.slice(9);
      break;
    case 32:
      return /^[0-9a-fA-F]{32}$/.test(s) ? undefined : "invalid UUID format";
    default:
      return `invalid UUID length: ${s.length}`;
  }
  return /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(hex)
    ? undefined
    : "invalid UUID format";
}

const B64 = /[A-Za-z0-9+/]/;

/** Go's base64.StdEncoding: padded, newlines ignored, the offset of the first bad byte reported. */
export function base64Error(s: string): string | undefined {
  const corrupt = (at: number) => `illegal base64 data at input byte ${at}`;
  let i = 0;
  const skip = () => {
    while (s[i] === "\n" || s[i] === "\r") i++;
  };
  for (;;) {
    skip();
    if (i >= s.length) return undefined;
    const start = i;
    for (let j = 0; j < 4; j++) {
      skip();
      if (i >= s.length) return corrupt(j === 0 ? i : start);
      const c = s[i]!;
      if (B64.test(c)) {
        i++;
        continue;
      }
      if (c !== "=" || j < 2) return corrupt(i);
      // Padding: `==` after two bytes, `=` after three, and nothing after it.
      i++;
      if (j === 2) {
        skip();
        if (s[i] !== "=") return corrupt(i);
        i++;
      }
      skip();
      return i < s.length ? corrupt(i) : undefined;
    }
  }
}

type Elem = { text: string; digits?: number; range?: [number, number, string] };

const DATE: Elem[] = [
  { text: "2006", digits: 4 },
  { text: "-" },
  { text: "01", digits: 2, range: [1, 12, "month"] },
  { text: "-" },
  { text: "02", digits: 2, range: [1, 31, "day"] },
];
const RFC3339: Elem[] = [
  ...DATE,
  { text: "T" },
  { text: "15", digits: 2, range: [0, 23, "hour"] },
  { text: ":" },
  { text: "04", digits: 2, range: [0, 59, "minute"] },
  { text: ":" },
  { text: "05", digits: 2, range: [0, 59, "second"] },
  { text: "Z07:00" },
];

const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** time.Parse(layout, s)'s error, for the date ("2006-01-02") and RFC 3339 layouts. */
export function timeError(s: string, withTime: boolean): string | undefined {
  const layout = withTime ? "2006-01-02T15:04:05Z07:00" : "2006-01-02";
  const elems = withTime ? RFC3339 : DATE;
  const quoted = JSON.stringify(s);
  const cannot = (rest: string, e: string) =>
    `parsing time ${quoted} as ${JSON.stringify(layout)}: cannot parse ${JSON.stringify(rest)} as ${JSON.stringify(e)}`;
  const values: Record<string, number> = {};
  let rest = s;
  for (const e of elems) {
    if (e.digits) {
      const m = new RegExp(`^[0-9]{${e.digits}}`).exec(rest);
      if (!m) return cannot(rest, e.text);
      const n = Number(m[0]);
      if (e.range && (n < e.range[0] || n > e.range[1]))
        return `parsing time ${quoted}: ${e.range[2]} out of range`;
      values[e.text] = n;
      rest = rest.slice(e.digits);
      // Go takes a fraction of a second after the seconds even where the layout has none.
      if (e.text === "05") rest = rest.replace(/^[.,][0-9]+/, "");
    } else if (e.text === "Z07:00") {
      if (rest.startsWith("Z")) rest = rest.slice(1);
      else if (/^[+-][0-9]{2}:[0-9]{2}/.test(rest)) {
        const hh = Number(rest.slice(1, 3));
        const mm = Number(rest.slice(4, 6));
        if (hh > 24 || mm > 60) return `parsing time ${quoted}: time zone offset out of range`;
        rest = rest.slice(6);
      } else return cannot(rest, e.text);
    } else {
      if (!rest.startsWith(e.text)) return cannot(rest, e.text);
      rest = rest.slice(e.text.length);
    }
  }
  if (rest) return `parsing time ${quoted}: extra text: ${JSON.stringify(rest)}`;
  if (values["02"]! > daysIn(values["2006"]!, values["01"]!))
    return `parsing time ${quoted}: day out of range`;
  return undefined;
}
