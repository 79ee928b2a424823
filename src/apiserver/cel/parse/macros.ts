// CEL's macros as cel-go expands them into comprehensions over `@result`: all, exists,
// exists_one/existsOne, map (two and three arguments), filter; and cel-go's optMap, optFlatMap
// and cel.bind, which bind a name once as an empty fold. Keys are `name/argument count`.
import { ACCU, type Builder, type Node } from "./ast.ts";

export type Macro = (
  b: Builder,
  at: number,
  target: Node,
  v: string,
  args: Node[],
  copy: (n: Node) => Node,
) => Node;

const accu = (b: Builder, at: number) => b.ident(at, ACCU);

// `x.exists(v, p)` and the rest fold over the range into `@result`, as cel-go expands them.
const boolFold = (init: boolean, fn: string, cond: (b: Builder, at: number) => Node): Macro => {
  return (b, at, range, v, [test]) =>
    b.fold(at, {
      iterVar: v,
      iterRange: range,
      accuVar: ACCU,
      accuInit: b.bool(at, init),
      loopCondition: b.call(at, "@not_strictly_false", [cond(b, at)]),
      loopStep: b.call(at, fn, [accu(b, at), test!]),
      result: accu(b, at),
    });
};

const listFold = (b: Builder, at: number, range: Node, v: string, step: Node): Node =>
  b.fold(at, {
    iterVar: v,
    iterRange: range,
    accuVar: ACCU,
    accuInit: b.list(at, []),
    loopCondition: b.bool(at, true),
    loopStep: step,
    result: accu(b, at),
  });

const append = (b: Builder, at: number, x: Node) => b.call(at, "_+_", [accu(b, at), b.list(at, [x])]);

// `cel.bind(v, init, e)` and the optional macros bind a name once, as an empty fold.
const bind = (b: Builder, at: number, v: string, init: Node, result: Node): Node =>
  b.fold(at, {
    iterVar: "#unused",
    iterRange: b.list(at, []),
    accuVar: v,
    accuInit: init,
    loopCondition: b.bool(at, false),
    loopStep: b.ident(at, v),
    result,
  });

const optMap =
  (wrap: boolean): Macro =>
  (b, at, target, v, [e], copy) => {
    const bound = bind(b, at, v, b.call(at, "value", [], copy(target)), e!);
    return b.call(at, "_?_:_", [
      b.call(at, "hasValue", [], target),
      wrap ? b.call(at, "optional.of", [bound]) : bound,
      b.call(at, "optional.none", []),
    ]);
  };

const existsOne: Macro = (b, at, range, v, [test]) =>
  b.fold(at, {
    iterVar: v,
    iterRange: range,
    accuVar: ACCU,
    accuInit: b.int(at, 0n),
    loopCondition: b.bool(at, true),
    loopStep: b.call(at, "_?_:_", [test!, b.call(at, "_+_", [accu(b, at), b.int(at, 1n)]), accu(b, at)]),
    result: b.call(at, "_==_", [accu(b, at), b.int(at, 1n)]),
  });

export const MACROS: Record<string, Macro> = {
  "all/2": boolFold(true, "_&&_", (b, at) => accu(b, at)),
  "exists/2": boolFold(false, "_||_", (b, at) => b.call(at, "!_", [accu(b, at)])),
  "exists_one/2": existsOne,
  "existsOne/2": existsOne,
  "map/2": (b, at, range, v, [t]) => listFold(b, at, range, v, append(b, at, t!)),
  "map/3": (b, at, range, v, [p, t]) =>
    listFold(b, at, range, v, b.call(at, "_?_:_", [p!, append(b, at, t!), accu(b, at)])),
  "filter/2": (b, at, range, v, [p]) =>
    listFold(b, at, range, v, b.call(at, "_?_:_", [p!, append(b, at, b.ident(at, v)), accu(b, at)])),
  "optMap/2": optMap(true),
  "optFlatMap/2": optMap(false),
  "bind/3": (b, at, _target, v, [init, e]) => bind(b, at, v, init!, e!),
};
