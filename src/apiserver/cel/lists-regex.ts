// Kubernetes' CEL list and regex libraries (k8s.io/apiserver/pkg/cel/library lists.go, regex.go):
// isSorted, sum, min, max, indexOf and lastIndexOf on lists; find and findAll on strings.
import { CelScalar, celList, celMethod, listType, type CelFunc } from "@bufbuild/cel";
import { celEquals } from "./equality.ts";

type Item = unknown;

function compare(a: Item, b: Item): number {
  const comparable = (v: Item) => typeof v === "bigint" || typeof v === "number" || typeof v === "string";
  if (typeof a !== typeof b || !comparable(a)) throw new Error(`no such overload: ${typeof a} < ${typeof b}`);
  return (a as never) < (b as never) ? -1 : (a as never) > (b as never) ? 1 : 0;
}

function items(list: Iterable<Item>): Item[] {
  return [...list];
}

const DYN = CelScalar.DYN;
const LIST = listType(DYN);

function extreme(name: "min" | "max") {
  return function (this: Iterable<Item>): never {
    const xs = items(this);
    if (!xs.length) throw new Error(`${name} called on empty list`);
    let best = xs[0];
    for (const x of xs.slice(1)) if ((name === "min" ? compare(x, best) : compare(best, x)) < 0) best = x;
    return best as never;
  };
}

const regexCache = new Map<string, RegExp>();
function regex(pattern: string): RegExp {
  let re = regexCache.get(pattern);
  if (!re) {
    // RE2 and JavaScript agree on the syntax rules use; RE2's (?i) prefix becomes the i flag.
    const m = /^\(\?([ims]+)\)/.exec(pattern);
    re = new RegExp(m ? pattern.slice(m[0].length) : pattern, `g${m ? m[1] : ""}`);
    regexCache.set(pattern, re);
  }
  re.lastIndex = 0;
  return re;
}

export const listAndRegexFuncs: CelFunc[] = [
  celMethod("isSorted", LIST, [], CelScalar.BOOL, function (this: Iterable<Item>) {
    const xs = items(this);
    for (let i = 1; i < xs.length; i++) if (compare(xs[i - 1], xs[i]) > 0) return false;
    return true;
  }),
  celMethod("sum", LIST, [], DYN, function (this: Iterable<Item>): never {
    const xs = items(this);
    if (!xs.length) return 0n as never;
    let total = xs[0] as bigint | number;
    for (const x of xs.slice(1)) {
      if (typeof x !== typeof total) throw new Error("no such overload: sum of mixed types");
      total = (total as number) + (x as number);
    }
    return total as never;
  }),
  celMethod("min", LIST, [], DYN, extreme("min")),
  celMethod("max", LIST, [], DYN, extreme("max")),
  celMethod("indexOf", LIST, [DYN], CelScalar.INT, function (this: Iterable<Item>, v: Item) {
    return BigInt(items(this).findIndex((x) => celEquals(x, v)));
  }),
  celMethod("lastIndexOf", LIST, [DYN], CelScalar.INT, function (this: Iterable<Item>, v: Item) {
    const xs = items(this);
    for (let i = xs.length - 1; i >= 0; i--) if (celEquals(xs[i], v)) return BigInt(i);
    return -1n;
  }),
  celMethod(
    "find",
    CelScalar.STRING,
    [CelScalar.STRING],
    CelScalar.STRING,
    function (this: string, p: string) {
      return regex(p).exec(this)?.[0] ?? "";
    },
  ),
  celMethod(
    "findAll",
    CelScalar.STRING,
    [CelScalar.STRING],
    listType(CelScalar.STRING),
    function (this: string, p: string) {
      return celList([...this.matchAll(regex(p))].map((m) => m[0]));
    },
  ),
  celMethod(
    "findAll",
    CelScalar.STRING,
    [CelScalar.STRING, CelScalar.INT],
    listType(CelScalar.STRING),
    function (this: string, p: string, limit: bigint) {
      const all = [...this.matchAll(regex(p))].map((m) => m[0]);
      return celList(limit < 0n ? all : all.slice(0, Number(limit)));
    },
  ),
];
