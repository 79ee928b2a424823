// resource.Quantity arithmetic for quota and limits: exact (milli-units as bigint) and printed in
// upstream's canonical form (a binary-suffixed amount stays binary, "1536Mi"; others decimal,
// "1500m", "2", "1k").
export type QuantityFormat = "BinarySI" | "DecimalSI";

export interface Quantity {
  milli: bigint;
  format: QuantityFormat;
}

const binary: Array<[string, bigint]> = [
  ["Ei", 1n << 60n],
  ["Pi", 1n << 50n],
  ["Ti", 1n << 40n],
  ["Gi", 1n << 30n],
  ["Mi", 1n << 20n],
  ["Ki", 1n << 10n],
];
const decimal: Array<[string, bigint]> = [
  ["E", 10n ** 18n],
  ["P", 10n ** 15n],
  ["T", 10n ** 12n],
  ["G", 10n ** 9n],
  ["M", 10n ** 6n],
  ["k", 10n ** 3n],
];
const small: Record<string, number> = { m: -3, u: -6, n: -9 };

/** The quantity of a string or number, or undefined when it is not one. Sub-milli parts round up. */
export function parseQuantity(q: unknown): Quantity | undefined {
  const text = typeof q === "number" ? String(q) : typeof q === "string" ? q.trim() : undefined;
  if (text === undefined) return undefined;
  const m = /^([+-]?)([0-9]+)?(?:\.([0-9]*))?(?:([eE][+-]?[0-9]+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]))?$/.exec(
    text,
  );
  if (!m || (m[2] === undefined && !m[3])) return undefined;
  const sign = m[1] === "-" ? -1n : 1n;
  const whole = m[2] ?? "0";
  const frac = m[3] ?? "";
  // digits × 10^exp, in milli-units.
  let digits = BigInt(whole + frac);
  let exp = -frac.length + 3;
  let mult = 1n;
  let format: QuantityFormat = "DecimalSI";
  const suffix = m[5];
  if (m[4]) exp += Number(m[4].slice(1));
  else if (suffix) {
    const b = binary.find(([s]) => s === suffix);
    const d = decimal.find(([s]) => s === suffix);
    if (b) {
      mult = b[1];
      format = "BinarySI";
    } else if (d) mult = d[1];
    else exp += small[suffix]!;
  }
  digits *= mult;
  let milli: bigint;
  if (exp >= 0) milli = digits * 10n ** BigInt(exp);
  else {
    const div = 10n ** BigInt(-exp);
    milli = digits / div + (digits % div ? 1n : 0n);
  }
  return { milli: sign * milli, format };
}

function largest(v: bigint, units: Array<[string, bigint]>): string {
  for (const [s, u] of units) if (v % u === 0n) return `${v / u}${s}`;
  return String(v);
}

/** Quantity.String(): the canonical text. */
export function formatQuantity(q: Quantity): string {
  const { milli } = q;
  if (milli === 0n) return "0";
  const neg = milli < 0n;
  const abs = neg ? -milli : milli;
  let out: string;
  if (abs % 1000n !== 0n) out = `${abs}m`;
  else if (q.format === "BinarySI" && (abs / 1000n) % 1024n === 0n) out = largest(abs / 1000n, binary);
  else out = largest(abs / 1000n, decimal);
  return neg ? `-${out}` : out;
}

export const zeroQuantity = (format: QuantityFormat = "DecimalSI"): Quantity => ({ milli: 0n, format });

/** a + b, in a's format unless a is zero (as Quantity.Add keeps the receiver's). */
export function addQuantities(a: Quantity, b: Quantity): Quantity {
  return { milli: a.milli + b.milli, format: a.milli === 0n ? b.format : a.format };
}

/** A ResourceList of quantities, added key by key. */
export type ResourceAmounts = Map<string, Quantity>;

export function addAmounts(into: ResourceAmounts, more: ResourceAmounts): void {
  for (const [k, v] of more) into.set(k, addQuantities(into.get(k) ?? zeroQuantity(v.format), v));
}

export function amountsOf(list: Record<string, unknown> | undefined): ResourceAmounts {
  const out: ResourceAmounts = new Map();
  for (const [k, v] of Object.entries(list ?? {})) {
    const q = parseQuantity(v);
    if (q) out.set(k, q);
  }
  return out;
}

export function amountsToList(a: ResourceAmounts): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of [...a.keys()].sort()) out[k] = formatQuantity(a.get(k)!);
  return out;
}
