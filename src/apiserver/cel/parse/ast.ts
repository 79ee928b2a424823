// Building cel.expr.Expr nodes as protobuf-es messages (the shape @bufbuild/cel plans), each with
// a fresh id whose source offset is kept for error snippets.

export type Node = {
  $typeName: "cel.expr.Expr";
  id: bigint;
  exprKind: { case: string | undefined; value?: any };
};

export interface Entry {
  $typeName: "cel.expr.Expr.CreateStruct.Entry";
  id: bigint;
  keyKind: { case: "fieldKey"; value: string } | { case: "mapKey"; value: Node };
  value: Node;
  optionalEntry: boolean;
}

export type Constant =
  | { case: "int64Value"; value: bigint }
  | { case: "uint64Value"; value: bigint }
  | { case: "doubleValue"; value: number }
  | { case: "stringValue"; value: string }
  | { case: "bytesValue"; value: Uint8Array }
  | { case: "boolValue"; value: boolean }
  | { case: "nullValue"; value: 0 };

export const ACCU = "@result";

export class Builder {
  private last = 0n;
  readonly positions: Record<string, number> = {};

  freshId(offset: number): bigint {
    const id = ++this.last;
    this.positions[String(id)] = offset;
    return id;
  }

  node(offset: number, c: string, value: object): Node {
    return { $typeName: "cel.expr.Expr", id: this.freshId(offset), exprKind: { case: c, value } };
  }

  constant(offset: number, constantKind: Constant): Node {
    return this.node(offset, "constExpr", { $typeName: "cel.expr.Constant", constantKind });
  }

  bool(offset: number, value: boolean): Node {
    return this.constant(offset, { case: "boolValue", value });
  }

  int(offset: number, value: bigint): Node {
    return this.constant(offset, { case: "int64Value", value });
  }

  ident(offset: number, name: string): Node {
    return this.node(offset, "identExpr", { $typeName: "cel.expr.Expr.Ident", name });
  }

  select(offset: number, operand: Node, field: string, testOnly = false): Node {
    return this.node(offset, "selectExpr", { $typeName: "cel.expr.Expr.Select", operand, field, testOnly });
  }

  call(offset: number, fn: string, args: Node[], target?: Node): Node {
    return this.node(offset, "callExpr", {
      $typeName: "cel.expr.Expr.Call",
      function: fn,
      args,
      ...(target ? { target } : {}),
    });
  }

  list(offset: number, elements: Node[], optionalIndices: number[] = []): Node {
    return this.node(offset, "listExpr", {
      $typeName: "cel.expr.Expr.CreateList",
      elements,
      optionalIndices,
    });
  }

  entry(offset: number, key: string | Node, value: Node, optionalEntry: boolean): Entry {
    return {
      $typeName: "cel.expr.Expr.CreateStruct.Entry",
      id: this.freshId(offset),
      keyKind: typeof key === "string" ? { case: "fieldKey", value: key } : { case: "mapKey", value: key },
      value,
      optionalEntry,
    };
  }

  struct(offset: number, entries: Entry[], messageName = ""): Node {
    return this.node(offset, "structExpr", { $typeName: "cel.expr.Expr.CreateStruct", entries, messageName });
  }

  fold(
    offset: number,
    v: {
      iterVar: string;
      iterRange: Node;
      accuVar: string;
      accuInit: Node;
      loopCondition: Node;
      loopStep: Node;
      result: Node;
    },
  ): Node {
    return this.node(offset, "comprehensionExpr", {
      $typeName: "cel.expr.Expr.Comprehension",
      iterVar2: "",
      ...v,
    });
  }

  /** `a && b && c` as a balanced tree, so evaluation depth grows with the log of the terms. */
  balanced(fn: string, terms: Node[], ops: number[], lo = 0, hi = ops.length - 1): Node {
    if (terms.length === 1) return terms[0]!;
    const mid = Math.floor((lo + hi + 1) / 2);
    const left = mid === lo ? terms[mid]! : this.balanced(fn, terms, ops, lo, mid - 1);
    const right = mid === hi ? terms[mid + 1]! : this.balanced(fn, terms, ops, mid + 1, hi);
    return this.call(ops[mid]!, fn, [left, right]);
  }
}

/** The dotted name an ident-and-select chain spells (`a.b.c`), if it is one. */
export function qualifiedName(
  e: { exprKind: { case: string | undefined; value?: any } } | undefined,
): string | undefined {
  if (!e) return undefined;
  if (e.exprKind.case === "identExpr") return e.exprKind.value.name as string;
  if (e.exprKind.case === "selectExpr" && !e.exprKind.value.testOnly) {
    const base = qualifiedName(e.exprKind.value.operand);
    return base === undefined ? undefined : `${base}.${e.exprKind.value.field as string}`;
  }
  return undefined;
}
