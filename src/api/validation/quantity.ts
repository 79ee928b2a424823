// Just enough of resource.Quantity to compare requests with limits and spot negatives.

const binary: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const decimal: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/** The numeric value of a quantity string or number; NaN when it does not parse. */
export function quantityValue(q: unknown): number {
  if (typeof q === "number") return q;
  if (typeof q !== "string") return Number.NaN;
  const m =
    /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(?:([eE][+-]?[0-9]+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/.exec(
      q.trim(),
    );
  if (!m) return Number.NaN;
  const base = Number(m[1]);
  if (m[2]) return base * 10 ** Number(m[2].slice(1));
  const suffix = m[3] ?? "";
  return base * (binary[suffix] ?? decimal[suffix] ?? Number.NaN);
}

export function quantityText(q: unknown): string {
  return typeof q === "string" ? q : String(q);
}
