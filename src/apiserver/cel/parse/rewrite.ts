// The parse made plannable by @bufbuild/cel, whose planner knows no optional values: the optional
// syntax, and selections and indexes on optional values (which chain, as in cel-go: once a step
// is optional every later one tests presence), become calls of optional.ts's `@opt_*` functions.
// An expression is optional when it is one of those, a call that makes an optional, or a name
// declared optional (`oldSelf` of a rule with `optionalOldSelf`). The parse itself is unchanged:
// the checker and the cost estimator read it.
import type { Node } from "./ast.ts";

const OPTIONAL_CALLS = new Set(["optional.of", "optional.none", "optional.ofNonZeroValue"]);

interface Out {
  e: Node;
  opt: boolean;
}

const call = (like: Node, fn: string, args: Node[]): Node => ({
  $typeName: "cel.expr.Expr",
  id: like.id,
  exprKind: { case: "callExpr", value: { $typeName: "cel.expr.Expr.Call", function: fn, args } },
});

const str = (like: Node, value: string): Node => ({
  $typeName: "cel.expr.Expr",
  id: like.id,
  exprKind: {
    case: "constExpr",
    value: { $typeName: "cel.expr.Constant", constantKind: { case: "stringValue", value } },
  },
});

const ints = (like: Node, values: number[]): Node => ({
  $typeName: "cel.expr.Expr",
  id: like.id,
  exprKind: {
    case: "listExpr",
    value: {
      $typeName: "cel.expr.Expr.CreateList",
      optionalIndices: [],
      elements: values.map((v) => ({
        $typeName: "cel.expr.Expr",
        id: like.id,
        exprKind: {
          case: "constExpr",
          value: { $typeName: "cel.expr.Constant", constantKind: { case: "int64Value", value: BigInt(v) } },
        },
      })),
    },
  },
});

const list = (like: Node, elements: Node[]): Node => ({
  $typeName: "cel.expr.Expr",
  id: like.id,
  exprKind: {
    case: "listExpr",
    value: { $typeName: "cel.expr.Expr.CreateList", elements, optionalIndices: [] },
  },
});

/** True when the parse uses anything optional (most do not, and are planned as they are). */
export function usesOptional(e: unknown, optionalVars: ReadonlySet<string>): boolean {
  if (typeof e !== "object" || e === null) return false;
  if (Array.isArray(e)) return e.some((x) => usesOptional(x, optionalVars));
  const o = e as Record<string, any>;
  if (o.case === "callExpr" && ["_?._", "_[?_]", "optMap", "optFlatMap"].includes(o.value?.function))
    return true;
  if (o.case === "callExpr" && OPTIONAL_CALLS.has(o.value?.function)) return true;
  if (o.case === "identExpr" && (optionalVars.has(o.value?.name) || o.value?.name === "optional"))
    return true;
  if (o.optionalEntry === true || (Array.isArray(o.optionalIndices) && o.optionalIndices.length > 0))
    return true;
  return Object.values(o).some((x) => usesOptional(x, optionalVars));
}

export function rewriteOptional(root: Node, optionalVars: ReadonlySet<string>): Node {
  const scopes: Map<string, boolean>[] = [];
  const isOptVar = (name: string): boolean => {
    for (let i = scopes.length - 1; i >= 0; i--) {
      const s = scopes[i]!.get(name);
      if (s !== undefined) return s;
    }
    return optionalVars.has(name);
  };
  const bound = (name: string) => scopes.some((s) => s.has(name)) || optionalVars.has(name);

  const rw = (e: Node): Out => {
    const v = e.exprKind.value;
    switch (e.exprKind.case) {
      case "identExpr":
        return { e, opt: isOptVar(v.name as string) };
      case "selectExpr": {
        const operand = rw(v.operand as Node);
        if (operand.opt && !v.testOnly)
          return { e: call(e, "@opt_select", [operand.e, str(e, v.field as string)]), opt: true };
        return {
          e: { ...e, exprKind: { case: "selectExpr", value: { ...v, operand: operand.e } } },
          opt: false,
        };
      }
      case "callExpr": {
        const fn = v.function as string;
        const target = v.target ? rw(v.target as Node) : undefined;
        const args = (v.args as Node[]).map(rw);
        if (fn === "_?._")
          return {
            e: call(
              e,
              "@opt_select",
              args.map((a) => a.e),
            ),
            opt: true,
          };
        if (fn === "_[?_]" || (fn === "_[_]" && args[0]!.opt))
          return {
            e: call(
              e,
              "@opt_index",
              args.map((a) => a.e),
            ),
            opt: true,
          };
        const value = { ...v, args: args.map((a) => a.e), ...(target ? { target: target.e } : {}) };
        const out = { ...e, exprKind: { case: "callExpr", value } };
        const global =
          OPTIONAL_CALLS.has(fn) ||
          (v.target?.exprKind.case === "identExpr" &&
            v.target.exprKind.value.name === "optional" &&
            !bound("optional") &&
            OPTIONAL_CALLS.has(`optional.${fn}`));
        if (global) return { e: out, opt: true };
        if (fn === "or" && target?.opt) return { e: out, opt: true };
        if (fn === "_?_:_") return { e: out, opt: args[1]!.opt || args[2]!.opt };
        return { e: out, opt: false };
      }
      case "listExpr": {
        const elements = (v.elements as Node[]).map((x) => rw(x).e);
        const optional = v.optionalIndices as number[];
        if (!optional.length)
          return { e: { ...e, exprKind: { case: "listExpr", value: { ...v, elements } } }, opt: false };
        return { e: call(e, "@opt_list", [list(e, elements), ints(e, optional)]), opt: false };
      }
      case "structExpr": {
        const entries = (v.entries as any[]).map((en) => ({
          ...en,
          value: rw(en.value as Node).e,
          ...(en.keyKind.case === "mapKey"
            ? { keyKind: { case: "mapKey", value: rw(en.keyKind.value as Node).e } }
            : {}),
        }));
        const optional = entries.flatMap((en, i) => (en.optionalEntry ? [i] : []));
        if (v.messageName || !optional.length)
          return { e: { ...e, exprKind: { case: "structExpr", value: { ...v, entries } } }, opt: false };
        return {
          e: call(e, "@opt_map", [
            list(
              e,
              entries.map((en) => en.keyKind.value as Node),
            ),
            list(
              e,
              entries.map((en) => en.value as Node),
            ),
            ints(e, optional),
          ]),
          opt: false,
        };
      }
      case "comprehensionExpr": {
        const range = rw(v.iterRange as Node);
        const init = rw(v.accuInit as Node);
        scopes.push(
          new Map([
            [v.accuVar as string, init.opt],
            [v.iterVar as string, false],
          ]),
        );
        const cond = rw(v.loopCondition as Node);
        const step = rw(v.loopStep as Node);
        scopes.pop();
        scopes.push(new Map([[v.accuVar as string, init.opt || step.opt]]));
        const result = rw(v.result as Node);
        scopes.pop();
        const value = {
          ...v,
          iterRange: range.e,
          accuInit: init.e,
          loopCondition: cond.e,
          loopStep: step.e,
          result: result.e,
        };
        return { e: { ...e, exprKind: { case: "comprehensionExpr", value } }, opt: result.opt };
      }
      default:
        return { e, opt: false };
    }
  };
  return rw(root).e;
}
