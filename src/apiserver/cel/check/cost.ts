// The worst-case cost of evaluating a checked expression, in cel-go's units: an identifier or a
// field selection costs 1, a call 1 plus its arguments, string work a tenth of a unit per
// character, a comprehension its body times the size of its range, a list literal 10 and a map
// literal 30 besides their elements. Sizes come from the variables' types: schema bounds when a
// CRD is written, the actual values' sizes when a rule runs.
import type { Checked, Expr } from "./checker.ts";
import { MAX_REQUEST_BYTES, isDyn, type CelT } from "./types.ts";

interface Estimate {
  cost: number;
  /** The largest size (characters, items, entries) the value can have. */
  size: number;
}

const STRING_FACTOR = 0.1;
const REGEX_FACTOR = 0.25;
const LIST_CREATE = 10;
const MAP_CREATE = 30;
const STRUCT_CREATE = 40;
// An authorizer check asks the authorizer: cel-go's k8s library prices it as a large constant.
const AUTHZ_CHECK = 350_000;

const traverse = (size: number) => Math.ceil(size * STRING_FACTOR);

function sizeOf(t: CelT | undefined): number {
  if (!t || isDyn(t)) return MAX_REQUEST_BYTES;
  if ("maxSize" in t && t.maxSize !== undefined) return t.maxSize;
  if (t.k === "prim" && (t.name === "string" || t.name === "bytes")) return MAX_REQUEST_BYTES;
  if (t.k === "list" || t.k === "map") return MAX_REQUEST_BYTES;
  return 1;
}

const NAMESPACED = new Set(["sets.contains", "sets.equivalent", "sets.intersects"]);

// Functions whose cost grows with the target's length (strings) or size (lists).
const linearInTarget = new Set([
  "lowerAscii",
  "upperAscii",
  "trim",
  "substring",
  "charAt",
  "replace",
  "split",
  "join",
  "format",
  "reverse",
  "quote",
  "isSorted",
  "sum",
  "min",
  "max",
  "indexOf",
  "lastIndexOf",
]);

const sizePreserving = new Set([
  "lowerAscii",
  "upperAscii",
  "trim",
  "substring",
  "replace",
  "split",
  "reverse",
  "format",
]);

/** The worst-case cost of the checked expression. */
export function estimateCost(checked: Checked): number {
  const typeOf = (e: Expr | undefined) => (e ? checked.types.get(e.id) : undefined);
  const accuSizes: Map<string, number>[] = [];

  const est = (e: Expr | undefined): Estimate => {
    if (!e) return { cost: 0, size: 0 };
    const v = e.exprKind.value;
    const t = typeOf(e);
    switch (e.exprKind.case) {
      case "constExpr":
        return { cost: 0, size: sizeOf(t) };
      case "identExpr": {
        for (let i = accuSizes.length - 1; i >= 0; i--) {
          const s = accuSizes[i]!.get(v.name);
          if (s !== undefined) return { cost: 1, size: s };
        }
        return { cost: 1, size: sizeOf(t) };
      }
      case "selectExpr": {
        const base = est(v.operand);
        return { cost: base.cost + 1, size: v.testOnly ? 1 : sizeOf(t) };
      }
      case "listExpr": {
        const els = (v.elements as Expr[]).map(est);
        return { cost: LIST_CREATE + els.reduce((a, x) => a + x.cost, 0), size: els.length };
      }
      case "structExpr": {
        let cost = v.messageName ? STRUCT_CREATE : MAP_CREATE;
        for (const en of v.entries ?? []) {
          if (en.keyKind?.case === "mapKey") cost += est(en.keyKind.value).cost;
          cost += est(en.value).cost;
        }
        return { cost, size: (v.entries ?? []).length };
      }
      case "comprehensionExpr": {
        const range = est(v.iterRange);
        const init = est(v.accuInit);
        // The accumulator of map() and filter() grows to the range's size.
        accuSizes.push(new Map([[v.accuVar, range.size]]));
        const body = est(v.loopCondition).cost + est(v.loopStep).cost;
        const result = est(v.result);
        accuSizes.pop();
        return {
          cost: range.cost + init.cost + body * range.size + result.cost,
          size: result.size,
        };
      }
      case "callExpr":
        return callCost(v, est, t, typeOf(v.target));
      default:
        return { cost: 1, size: 1 };
    }
  };
  return est(checked.expr).cost;
}

function callCost(
  v: any,
  est: (e: Expr | undefined) => Estimate,
  t: CelT | undefined,
  targetType: CelT | undefined,
): Estimate {
  // `sets.contains(a, b)` parses as a method on `sets`; it is a global function of two lists.
  const namespace = v.target?.exprKind.case === "identExpr" ? (v.target.exprKind.value.name as string) : "";
  const global = NAMESPACED.has(`${namespace}.${v.function as string}`);
  const fn = global ? `${namespace}.${v.function as string}` : (v.function as string);
  const target = v.target && !global ? est(v.target) : undefined;
  const args = (v.args as Expr[]).map(est);
  const base = (target?.cost ?? 0) + args.reduce((a, x) => a + x.cost, 0);
  const [a0, a1] = [target ?? args[0], target ? args[0] : args[1]];
  const out = (cost: number, size = sizeOf(t)): Estimate => ({ cost: base + cost, size });
  switch (fn) {
    case "_?_:_":
      return {
        cost: (args[0]?.cost ?? 0) + Math.max(args[1]?.cost ?? 0, args[2]?.cost ?? 0),
        size: Math.max(args[1]?.size ?? 0, args[2]?.size ?? 0),
      };
    case "_==_":
    case "_!=_":
    case "_<_":
    case "_<=_":
    case "_>_":
    case "_>=_":
      return out(1 + traverse(Math.min(a0?.size ?? 1, a1?.size ?? 1)), 1);
    case "_+_":
      return out(1 + traverse((a0?.size ?? 0) + (a1?.size ?? 0)), (a0?.size ?? 0) + (a1?.size ?? 0));
    case "contains":
    case "startsWith":
    case "endsWith":
      return out(1 + traverse(a0?.size ?? 1) * Math.max(1, traverse(a1?.size ?? 1)), 1);
    case "matches":
    case "find":
    case "findAll":
      return out(1 + traverse(a0?.size ?? 1) * (1 + Math.ceil((a1?.size ?? 1) * REGEX_FACTOR)), a0?.size);
    case "@in":
      return out(1 + (a1?.size ?? 1), 1);
    case "check":
      return out(AUTHZ_CHECK, 1);
    // Each element of one list is looked for in the other.
    case "sets.contains":
    case "sets.equivalent":
    case "sets.intersects":
      return out(1 + (a0?.size ?? 1) * (a1?.size ?? 1), 1);
    case "size":
    case "_[_]":
      return out(1);
    case "string":
    case "bytes":
    case "quantity":
    case "isQuantity":
    case "ip":
    case "isIP":
    case "cidr":
    case "isCIDR":
    case "url":
    case "isURL":
      return out(1 + traverse(a0?.size ?? 1), a0?.size);
    default:
      if (linearInTarget.has(fn) && target) {
        // A list is walked item by item, a string a tenth of a unit per character.
        const perItem = targetType?.k === "list" ? 1 : STRING_FACTOR;
        return out(1 + Math.ceil(target.size * perItem), sizePreserving.has(fn) ? target.size : undefined);
      }
      return out(1);
  }
}

// Upstream's limits (apiextensions-apiserver and k8s.io/apiserver/pkg/apis/cel).
export const PER_CALL_LIMIT = 1_000_000;
export const STATIC_RULE_LIMIT = 10_000_000;
export const STATIC_CRD_LIMIT = 100_000_000;
export const RUNTIME_BUDGET = 10_000_000;

/** Upstream's wording of how far a cost exceeds its limit. */
export function exceedFactor(cost: number, limit: number): string {
  const factor = cost / limit;
  if (factor > 100) return "more than 100x";
  if (factor < 1.5) return `${factor.toFixed(6)}x`;
  return `${factor.toFixed(1)}x`;
}
