// cel-go's sets extension (ext.Sets, in Kubernetes' base environment): lists taken as sets.
// sets.contains(a, b): every element of b is in a; sets.equivalent(a, b): each contains the
// other; sets.intersects(a, b): they share an element. Elements compare by CEL equality.
import { CelScalar, celFunc, listType, type CelFunc } from "@bufbuild/cel";
import { celEquals } from "./equality.ts";

const LIST = listType(CelScalar.DYN);
const has = (xs: unknown[], y: unknown) => xs.some((x) => celEquals(x, y));

function contains(a: Iterable<unknown>, b: Iterable<unknown>): boolean {
  const xs = [...a];
  for (const y of b) if (!has(xs, y)) return false;
  return true;
}

export const setsFuncs: CelFunc[] = [
  celFunc("sets.contains", [LIST, LIST], CelScalar.BOOL, contains),
  celFunc("sets.equivalent", [LIST, LIST], CelScalar.BOOL, (a: Iterable<unknown>, b: Iterable<unknown>) => {
    const xs = [...a];
    const ys = [...b];
    return contains(xs, ys) && contains(ys, xs);
  }),
  celFunc("sets.intersects", [LIST, LIST], CelScalar.BOOL, (a: Iterable<unknown>, b: Iterable<unknown>) => {
    const xs = [...a];
    for (const y of b) if (has(xs, y)) return true;
    return false;
  }),
];
