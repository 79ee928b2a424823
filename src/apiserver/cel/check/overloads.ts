// The overloads the checker resolves calls against: every function the evaluation environment
// has (so the checker knows exactly what will run), with sharper result types where the
// environment's declarations say only `dyn` or `list` (a list's sum is of its element type).
import type { CelEnv, CelType } from "@bufbuild/cel";
import { BOOL, DYN, INT, STRING, isDyn, list, map, optionalOf, param, typeName, type CelT } from "./types.ts";

export interface Overload {
  /** The receiver of a method; absent for global functions. */
  target?: CelT;
  args: CelT[];
  result: CelT;
}

function fromCel(t: CelType): CelT {
  switch (t.kind) {
    case "list":
      return list(fromCel(t.element));
    case "map":
      return map(fromCel(t.key), fromCel(t.value));
    case "object":
      return t.name === "google.protobuf.Duration" || t.name === "google.protobuf.Timestamp"
        ? { k: "prim", name: t.name }
        : { k: "opaque", name: t.name };
    default:
      return t.scalar === "type" ? { k: "type" } : { k: "prim", name: t.scalar };
  }
}

const A = param("A");
const B = param("B");
const LA = list(A);
const OA = optionalOf(A);

// Result types sharper than the environment's declarations, by overload id.
const sharper: Record<string, Partial<Overload>> = {
  "_+_(list,list)": { args: [LA, LA], result: LA },
  "list.sum()": { target: LA, result: A },
  "list.min()": { target: LA, result: A },
  "list.max()": { target: LA, result: A },
  "list.indexOf(dyn)": { target: LA, args: [A] },
  "list.lastIndexOf(dyn)": { target: LA, args: [A] },
  "list.join()": { target: list(STRING) },
  "list.join(string)": { target: list(STRING) },
  "string.split(string)": { result: list(STRING) },
  "string.split(string,int)": { result: list(STRING) },
  "string.findAll(string)": { result: list(STRING) },
  "string.findAll(string,int)": { result: list(STRING) },
  "kubernetes.URL.getQuery()": { result: map(STRING, list(STRING)) },
  "@in(dyn,list)": { args: [A, LA] },
  // cel-go's checker declares equality (A, A): `1 == 'a'` and `1 == 1.0` do not type-check.
  "_==_(dyn,dyn)": { args: [A, A] },
  "_!=_(dyn,dyn)": { args: [A, A] },
  "dyn(dyn)": { result: DYN },
  "optional.of(dyn)": { args: [A], result: OA },
  "optional.ofNonZeroValue(dyn)": { args: [A], result: OA },
  "optional.none()": { result: optionalOf(DYN) },
  "optional_type.hasValue()": { target: OA },
  "optional_type.value()": { target: OA, result: A },
  "optional_type.orValue(dyn)": { target: OA, args: [A], result: A },
  "optional_type.or(optional_type)": { target: OA, args: [OA], result: OA },
  "sets.contains(list,list)": { args: [LA, LA] },
  "sets.equivalent(list,list)": { args: [LA, LA] },
  "sets.intersects(list,list)": { args: [LA, LA] },
  "format.named(string)": { result: optionalOf({ k: "opaque", name: "kubernetes.NamedFormat" }) },
  // A format reports at most a few problems, each a sentence: priced as that, not as a request.
  "kubernetes.NamedFormat.validate(string)": {
    result: optionalOf(list({ k: "prim", name: "string", maxSize: 512 }, 4)),
  },
};

// What the planner evaluates itself rather than through a declared function.
const builtin: Record<string, Overload[]> = {
  "_&&_": [{ args: [BOOL, BOOL], result: BOOL }],
  "_||_": [{ args: [BOOL, BOOL], result: BOOL }],
  "_?_:_": [{ args: [BOOL, A, A], result: A }],
  "_[_]": [
    { args: [LA, INT], result: A },
    { args: [map(A, B), A], result: B },
  ],
  "@in": [{ args: [A, map(A, B)], result: BOOL }],
  "@not_strictly_false": [{ args: [BOOL], result: BOOL }],
  matches: [{ args: [STRING, STRING], result: BOOL }],
};

const cache = new WeakMap<CelEnv, Map<string, Overload[]>>();

/** The overloads of every function in the environment, by name (qualified names included). */
export function overloadsOf(env: CelEnv): Map<string, Overload[]> {
  let byName = cache.get(env);
  if (byName) return byName;
  byName = new Map();
  for (const [name, os] of Object.entries(builtin)) byName.set(name, [...os]);
  for (const f of env.funcs as Iterable<{
    id: string;
    name: string;
    target?: CelType;
    arguments: readonly CelType[];
    result: CelType;
  }>) {
    const o: Overload = {
      ...(f.target ? { target: fromCel(f.target) } : {}),
      args: f.arguments.map(fromCel),
      result: fromCel(f.result),
      ...sharper[f.id],
    };
    // `x in {map}` is declared per key type; the generic builtin covers them all.
    if (f.name === "@in" && o.args[1]?.k === "map") continue;
    const group = byName.get(f.name) ?? [];
    group.push(o);
    byName.set(f.name, group);
  }
  cache.set(env, byName);
  return byName;
}

type Bindings = Map<string, CelT>;

function assignable(p: CelT, a: CelT, b: Bindings): boolean {
  if (isDyn(a) || isDyn(p)) return true;
  if (p.k === "param") {
    const bound = b.get(p.name);
    if (!bound || isDyn(bound)) {
      b.set(p.name, a);
      return true;
    }
    return assignable(bound, a, b);
  }
  if (a.k === "param") return true;
  // null is where an object, map, list or message may be (and cel-go's heterogeneous equality
  // lets any value be compared with it).
  if (a.k === "prim" && a.name === "null_type") return true;
  switch (p.k) {
    case "prim":
      return a.k === "prim" && a.name === p.name;
    case "list":
      return a.k === "list" && assignable(p.elem, a.elem, b);
    case "map":
      return a.k === "map" && assignable(p.key, a.key, b) && assignable(p.value, a.value, b);
    case "object":
      return a.k === "object" && a.name === p.name;
    case "opaque":
      // A declaration's own opaque types carry no parameters; cel-go's optional_type(T) does.
      return (
        a.k === "opaque" &&
        a.name === p.name &&
        (p.params ?? []).every((pp, i) => !a.params?.[i] || assignable(pp, a.params[i], b))
      );
    case "type":
      return a.k === "type";
  }
}

function substitute(t: CelT, b: Bindings): CelT {
  switch (t.k) {
    case "param":
      return b.get(t.name) ?? DYN;
    case "list":
      return list(substitute(t.elem, b), t.maxSize);
    case "map":
      return map(substitute(t.key, b), substitute(t.value, b), t.maxSize);
    case "opaque":
      return t.params?.length ? { ...t, params: t.params.map((x) => substitute(x, b)) } : t;
    default:
      return t;
  }
}

/**
 * The result type of the call, or undefined when no overload takes these arguments (the
 * caller reports cel-go's "found no matching overload").
 */
export function resolveCall(overloads: Overload[], target: CelT | undefined, args: CelT[]): CelT | undefined {
  const results: CelT[] = [];
  for (const o of overloads) {
    if (!!o.target !== !!target || o.args.length !== args.length) continue;
    const b: Bindings = new Map();
    if (target && !assignable(o.target!, target, b)) continue;
    if (!o.args.every((p, i) => assignable(p, args[i]!, b))) continue;
    results.push(substitute(o.result, b));
  }
  if (!results.length) return undefined;
  const first = results[0]!;
  return results.every((r) => typeName(r) === typeName(first)) ? first : DYN;
}

/** The call as cel-go names it in an overload error: `(int, string)` or `string.(int)`. */
export function callSignature(target: CelT | undefined, args: CelT[]): string {
  const list = `(${args.map(typeName).join(", ")})`;
  return target ? `${typeName(target)}.${list}` : list;
}
