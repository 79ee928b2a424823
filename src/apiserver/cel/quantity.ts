// Kubernetes' CEL quantity library (k8s.io/apiserver/pkg/cel/library/quantity.go): quantity(),
// isQuantity() and the comparisons and arithmetic on kubernetes.Quantity, exact in milli-units.
import { CelScalar, celFunc, celMethod, type CelFunc } from "@bufbuild/cel";
import { formatQuantity, parseQuantity, type Quantity } from "../../apimachinery/quantity.ts";
import { make, QUANTITY, T, textOf } from "./types.ts";

const Q = T.quantity;

function parse(text: string): Quantity {
  const q = parseQuantity(text);
  if (!q || text.trim() !== text || text === "")
    throw new Error(
      "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
    );
  return q;
}

const of = (v: unknown): Quantity => parse(textOf(v));
const quantity = (q: Quantity) => make(QUANTITY, formatQuantity(q));
const cmp = (a: Quantity, b: Quantity) => (a.milli < b.milli ? -1 : a.milli > b.milli ? 1 : 0);
const MAX = (1n << 63n) - 1n;
const MIN = -(1n << 63n);

function plus(a: Quantity, milli: bigint): Quantity {
  return { milli: a.milli + milli, format: a.format };
}

export const quantityFuncs: CelFunc[] = [
  celFunc("quantity", [CelScalar.STRING], Q, (s: string) => quantity(parse(s))),
  celFunc("isQuantity", [CelScalar.STRING], CelScalar.BOOL, (s: string) => {
    try {
      parse(s);
      return true;
    } catch {
      return false;
    }
  }),
  celMethod("sign", Q, [], CelScalar.INT, function (this: unknown) {
    const m = of(this).milli;
    return m > 0n ? 1n : m < 0n ? -1n : 0n;
  }),
  celMethod("isInteger", Q, [], CelScalar.BOOL, function (this: unknown) {
    const m = of(this).milli;
    return m % 1000n === 0n && m / 1000n <= MAX && m / 1000n >= MIN;
  }),
  celMethod("asInteger", Q, [], CelScalar.INT, function (this: unknown) {
    const m = of(this).milli;
    if (m % 1000n !== 0n || m / 1000n > MAX || m / 1000n < MIN)
      throw new Error("cannot convert value to integer");
    return m / 1000n;
  }),
  celMethod("asApproximateFloat", Q, [], CelScalar.DOUBLE, function (this: unknown) {
    return Number(of(this).milli) / 1000;
  }),
  celMethod("isGreaterThan", Q, [Q], CelScalar.BOOL, function (this: unknown, o: unknown) {
    return cmp(of(this), of(o)) > 0;
  }),
  celMethod("isLessThan", Q, [Q], CelScalar.BOOL, function (this: unknown, o: unknown) {
    return cmp(of(this), of(o)) < 0;
  }),
  celMethod("compareTo", Q, [Q], CelScalar.INT, function (this: unknown, o: unknown) {
    return BigInt(cmp(of(this), of(o)));
  }),
  celMethod("add", Q, [Q], Q, function (this: unknown, o: unknown) {
    return quantity(plus(of(this), of(o).milli));
  }),
  celMethod("add", Q, [CelScalar.INT], Q, function (this: unknown, n: bigint) {
    return quantity(plus(of(this), n * 1000n));
  }),
  celMethod("sub", Q, [Q], Q, function (this: unknown, o: unknown) {
    return quantity(plus(of(this), -of(o).milli));
  }),
  celMethod("sub", Q, [CelScalar.INT], Q, function (this: unknown, n: bigint) {
    return quantity(plus(of(this), -n * 1000n));
  }),
];
