// A type checker for CEL expressions over declared variables, reporting what cel-go's checker
// reports (undeclared references, undefined fields, calls no overload takes, ranges that are not
// lists or maps) with its messages and source snippets. @bufbuild/cel plans expressions without
// checking them, so without this a mistyped rule would fail only when evaluated. Values of type
// dyn are never refused, so the checker is never stricter than cel-go.
import type { CelEnv } from "@bufbuild/cel";
import { qualifiedName } from "../parse/ast.ts";
import { parseCel, snippet } from "../parse/parser.ts";
import { callSignature, overloadsOf, resolveCall, type Overload } from "./overloads.ts";
import {
  BOOL,
  BYTES,
  DOUBLE,
  DYN,
  ERROR,
  INT,
  NULL,
  STRING,
  UINT,
  isDyn,
  list,
  map,
  optionalInner,
  optionalOf,
  prim,
  typeName,
  type CelT,
  type Prim,
} from "./types.ts";

/** The parsed expression, as far as the checker needs it (cel.expr.Expr). */
export interface Expr {
  id: bigint;
  exprKind: { case: string | undefined; value?: any };
}

export interface Checked {
  expr: Expr;
  /** The type of the whole expression. */
  type: CelT;
  /** The type of each subexpression, by id (the cost estimator reads them). */
  types: Map<bigint, CelT>;
  /** cel-go's error texts (`<input>:1:5: undefined field 'x'` and its snippet), in order. */
  errors: string[];
}

const TYPE_NAMES: Record<string, CelT> = {
  int: INT,
  uint: UINT,
  double: DOUBLE,
  bool: BOOL,
  string: STRING,
  bytes: BYTES,
  null_type: NULL,
  list: list(DYN),
  map: map(DYN, DYN),
  dyn: DYN,
  type: { k: "type" },
  "google.protobuf.Duration": prim("google.protobuf.Duration" as Prim),
  "google.protobuf.Timestamp": prim("google.protobuf.Timestamp" as Prim),
};

function sameType(ts: CelT[]): CelT {
  if (!ts.length) return DYN;
  const first = ts[0]!;
  return ts.every((t) => typeName(t) === typeName(first)) ? first : DYN;
}

export interface Parsed {
  expr: Expr;
  sourceInfo?: { positions: Record<string, number> };
}

/**
 * Checks `source` (or its parse, when the caller has it) with the variables declared; throws the
 * parser's error when it does not parse.
 */
export function check(source: string, vars: Record<string, CelT>, env: CelEnv, parsed?: Parsed): Checked {
  parsed ??= parseCel(source) as unknown as Parsed;
  const positions = parsed.sourceInfo?.positions ?? {};
  const overloads = overloadsOf(env);
  const types = new Map<bigint, CelT>();
  const errors: { offset: number; text: string }[] = [];
  const report = (e: Expr, message: string): CelT => {
    const offset = positions[String(e.id)] ?? 0;
    errors.push({ offset, text: snippet(source, offset, message) });
    return ERROR;
  };
  const scopes: Map<string, CelT>[] = [];
  const lookup = (name: string): CelT | undefined => {
    for (let i = scopes.length - 1; i >= 0; i--) {
      const t = scopes[i]!.get(name);
      if (t) return t;
    }
    return undefined;
  };
  // A dotted name resolves to a declared variable (`authorizer.requestResource`) unless its
  // first segment is a comprehension variable.
  const declared = (name: string | undefined): CelT | undefined =>
    name !== undefined && !lookup(name.split(".")[0]!) ? vars[name] : undefined;

  const field = (e: Expr, base: CelT, name: string): CelT => {
    if (isDyn(base)) return DYN;
    if (base.k === "object") return base.fields[name] ?? report(e, `undefined field '${name}'`);
    if (base.k === "map") return base.value;
    return report(e, `type '${typeName(base)}' does not support field selection`);
  };

  const call = (e: Expr, name: string, target: CelT | undefined, args: CelT[]): CelT => {
    const os: Overload[] | undefined = overloads.get(name);
    if (!os) return report(e, `undeclared reference to '${name}' (in container '')`);
    if ([target, ...args].some((t) => t === ERROR)) return ERROR;
    return (
      resolveCall(os, target, args) ??
      report(e, `found no matching overload for '${name}' applied to '${callSignature(target, args)}'`)
    );
  };

  const walk = (e: Expr | undefined): CelT => {
    if (!e) return DYN;
    const t = typeOf(e);
    types.set(e.id, t);
    return t;
  };

  const typeOf = (e: Expr): CelT => {
    const v = e.exprKind.value;
    switch (e.exprKind.case) {
      case "constExpr":
        switch (v.constantKind.case) {
          case "int64Value":
            return INT;
          case "uint64Value":
            return UINT;
          case "doubleValue":
            return DOUBLE;
          case "stringValue":
            return { k: "prim", name: "string", maxSize: (v.constantKind.value as string).length };
          case "boolValue":
            return BOOL;
          case "bytesValue":
            return { k: "prim", name: "bytes", maxSize: (v.constantKind.value as Uint8Array).length };
          case "nullValue":
            return NULL;
          default:
            return DYN;
        }
      case "identExpr": {
        const name = v.name as string;
        const t = lookup(name) ?? vars[name];
        if (t) return t;
        const typ = TYPE_NAMES[name];
        if (typ) return { k: "type", of: typ };
        return report(e, `undeclared reference to '${name}' (in container '')`);
      }
      case "selectExpr": {
        const qualified = declared(qualifiedName(e));
        if (qualified) return qualified;
        const base = walk(v.operand);
        if (base === ERROR) return ERROR;
        // Selecting on an optional value selects on what it holds and stays optional.
        const inner = optionalInner(base);
        const t = field(e, inner ?? base, v.field as string);
        if (v.testOnly) return t === ERROR ? ERROR : BOOL;
        return inner && t !== ERROR ? optionalOf(t) : t;
      }
      case "callExpr": {
        const fn = v.function as string;
        // `strings.quote(x)`, `sets.contains(a, b)`: a namespaced global function.
        const ns = v.target ? qualifiedName(v.target) : undefined;
        if (ns !== undefined && !declared(ns) && !lookup(ns.split(".")[0]!) && overloads.has(`${ns}.${fn}`))
          return call(e, `${ns}.${fn}`, undefined, (v.args as Expr[]).map(walk));
        const target = v.target ? walk(v.target) : undefined;
        const args = (v.args as Expr[]).map(walk);
        if (fn === "_?._" || fn === "_[?_]" || (fn === "_[_]" && optionalInner(args[0]!)))
          return optionalStep(e, fn, args, v.args as Expr[]);
        return call(e, fn, target, args);
      }
      case "listExpr": {
        const optional = new Set(v.optionalIndices as number[]);
        return list(sameType((v.elements as Expr[]).map((x, i) => (optional.has(i) ? unwrap(x) : walk(x)))));
      }
      case "structExpr": {
        const keys: CelT[] = [];
        const values: CelT[] = [];
        for (const en of v.entries ?? []) {
          if (en.keyKind?.case === "mapKey") keys.push(walk(en.keyKind.value));
          values.push(en.optionalEntry ? unwrap(en.value) : walk(en.value));
        }
        return v.messageName ? DYN : map(sameType(keys), sameType(values));
      }
      case "comprehensionExpr":
        return comprehension(v);
      default:
        return DYN;
    }
  };

  // `a.?f`, `a[?k]`, and `a[k]` on an optional `a`: an optional of the field or element.
  const optionalStep = (e: Expr, fn: string, args: CelT[], exprs: Expr[]): CelT => {
    const [base, index] = args as [CelT, CelT];
    if (base === ERROR || index === ERROR) return ERROR;
    const inner = optionalInner(base) ?? base;
    if (fn === "_?._") {
      const name = exprs[1]!.exprKind.value?.constantKind?.value as string;
      const t = field(e, inner, name);
      return t === ERROR ? ERROR : optionalOf(t);
    }
    const t = call(e, "_[_]", undefined, [inner, index]);
    return t === ERROR ? ERROR : optionalOf(t);
  };

  // An optional list element or map entry (`[?x]`, `{?k: x}`) must be optional; it adds what it holds.
  const unwrap = (x: Expr): CelT => {
    const t = walk(x);
    if (isDyn(t)) return t;
    const inner = optionalInner(t);
    if (inner) return inner;
    return report(x, `expected type '${typeName(optionalOf(t))}' but found '${typeName(t)}'`);
  };

  const comprehension = (v: any): CelT => {
    const range = walk(v.iterRange);
    const iter = new Map<string, CelT>();
    const two = !!v.iterVar2;
    if (isDyn(range)) {
      iter.set(v.iterVar, DYN);
      if (two) iter.set(v.iterVar2, DYN);
    } else if (range.k === "list") {
      iter.set(v.iterVar, two ? INT : range.elem);
      if (two) iter.set(v.iterVar2, range.elem);
    } else if (range.k === "map") {
      iter.set(v.iterVar, range.key);
      if (two) iter.set(v.iterVar2, range.value);
    } else {
      report(
        v.iterRange,
        `expression of type '${typeName(range)}' cannot be the range of a comprehension (must be list, map, or dynamic)`,
      );
      iter.set(v.iterVar, DYN);
    }
    let accu = walk(v.accuInit);
    scopes.push(new Map([[v.accuVar, accu], ...iter]));
    walk(v.loopCondition);
    const step = walk(v.loopStep);
    // `[]` starts a map() or filter() as a list of dyn; the step says what it holds.
    if (accu.k === "list" && isDyn(accu.elem) && step.k === "list") accu = step;
    scopes.pop();
    scopes.push(new Map([[v.accuVar, accu]]));
    const result = walk(v.result);
    scopes.pop();
    return result;
  };

  const type = walk(parsed.expr);
  errors.sort((a, b) => a.offset - b.offset);
  return { expr: parsed.expr, type, types, errors: errors.map((x) => x.text) };
}
