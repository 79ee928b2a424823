// A CEL parser (cel-spec's grammar, with cel-go's optional syntax: `a.?b`, `a[?k]`, `[?x]`,
// `{?k: v}`) producing cel.expr.ParsedExpr, so that @bufbuild/cel can plan what its own parser
// cannot read. Macros expand as cel-go expands them; errors read as cel-go's, with a snippet.
import { Builder, qualifiedName, type Entry, type Node } from "./ast.ts";
import { MACROS } from "./macros.ts";
import { SyntaxError, tokenize, type Token } from "./lexer.ts";

export interface ParsedExpr {
  $typeName: "cel.expr.ParsedExpr";
  expr: Node;
  sourceInfo: {
    $typeName: "cel.expr.SourceInfo";
    syntaxVersion: string;
    location: string;
    lineOffsets: number[];
    positions: Record<string, number>;
    macroCalls: Record<string, Node>;
    extensions: never[];
  };
}

const RESERVED = new Set(
  "as break const continue else for function if import let loop package namespace return var void while".split(
    " ",
  ),
);
const KEYWORDS = new Set(["in", "true", "false", "null"]);
const RELOPS: Record<string, string> = {
  "<": "_<_",
  "<=": "_<=_",
  ">": "_>_",
  ">=": "_>=_",
  "==": "_==_",
  "!=": "_!=_",
  in: "@in",
};
// cel-go's limit on nesting; deeper input is refused rather than overflowing the stack.
const MAX_DEPTH = 250;
const EXPECTING_EXPR =
  "{'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}";

/** The error text cel-go gives, with the line and a caret under the offset. */
export function snippet(source: string, offset: number, message: string): string {
  const before = source.slice(0, offset);
  const line = before.split("\n").length;
  const column = offset - (before.lastIndexOf("\n") + 1);
  const text = source.split("\n")[line - 1] ?? "";
  return `<input>:${line}:${column + 1}: ${message}\n | ${text}\n | ${".".repeat(column)}^`;
}

const show = (t: Token) => (t.kind === "eof" ? "'<EOF>'" : `'${t.text}'`);

class Parser {
  private pos = 0;
  private depth = 0;
  readonly b = new Builder();

  private readonly toks: Token[];

  constructor(toks: Token[]) {
    this.toks = toks;
  }

  private peek(n = 0): Token {
    return this.toks[Math.min(this.pos + n, this.toks.length - 1)]!;
  }

  private is(text: string, n = 0): boolean {
    const t = this.peek(n);
    return (t.kind === "punct" || t.kind === "ident") && t.text === text && !t.quoted;
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== "eof") this.pos++;
    return t;
  }

  private expect(text: string): Token {
    if (!this.is(text)) this.fail(`mismatched input ${show(this.peek())} expecting '${text}'`);
    return this.next();
  }

  fail(message: string, offset = this.peek().offset): never {
    throw new SyntaxError(message, offset);
  }

  whole(): Node {
    const e = this.expr();
    if (this.peek().kind !== "eof") this.fail(`mismatched input ${show(this.peek())} expecting <EOF>`);
    return e;
  }

  expr(): Node {
    if (++this.depth > MAX_DEPTH) this.fail(`expression recursion limit exceeded: ${MAX_DEPTH}`);
    try {
      const cond = this.or();
      if (!this.is("?")) return cond;
      const op = this.next().offset;
      const t = this.or();
      this.expect(":");
      const f = this.expr();
      return this.b.call(op, "_?_:_", [cond, t, f]);
    } finally {
      this.depth--;
    }
  }

  private logical(fn: string, op: string, operand: () => Node): Node {
    const terms = [operand()];
    const ops: number[] = [];
    while (this.is(op)) {
      ops.push(this.next().offset);
      terms.push(operand());
    }
    return this.b.balanced(fn, terms, ops);
  }

  private or(): Node {
    return this.logical("_||_", "||", () => this.and());
  }

  private and(): Node {
    return this.logical("_&&_", "&&", () => this.relation());
  }

  private binary(ops: Record<string, string>, operand: () => Node): Node {
    let left = operand();
    for (;;) {
      const t = this.peek();
      const fn = (t.kind === "punct" || (t.kind === "ident" && !t.quoted)) && ops[t.text];
      if (!fn || !Object.hasOwn(ops, t.text)) return left;
      this.next();
      left = this.b.call(t.offset, fn, [left, operand()]);
    }
  }

  private relation(): Node {
    return this.binary(RELOPS, () => this.addition());
  }

  private addition(): Node {
    return this.binary({ "+": "_+_", "-": "_-_" }, () => this.multiplication());
  }

  private multiplication(): Node {
    return this.binary({ "*": "_*_", "/": "_/_", "%": "_%_" }, () => this.unary());
  }

  private unary(): Node {
    for (const [op, fn] of [
      ["!", "!_"],
      ["-", "-_"],
    ] as const) {
      if (!this.is(op)) continue;
      const at = this.peek().offset;
      let n = 0;
      while (this.is(op)) {
        n++;
        this.next();
      }
      // `-1` is a negative literal (so the least int64 can be written), not a negation of 1.
      if (op === "-" && (this.peek().kind === "int" || this.peek().kind === "double")) {
        this.pos--;
        n--;
      }
      const operand = this.member();
      return n % 2 === 0 ? operand : this.b.call(at, fn, [operand]);
    }
    return this.member();
  }

  private member(): Node {
    let e = this.primary();
    for (;;) {
      if (this.is(".")) {
        const dot = this.next().offset;
        const optional = this.is("?") && !!this.next();
        const name = this.selector();
        if (!optional && this.is("(")) {
          const open = this.next().offset;
          e = this.memberCall(open, e, name, this.args(")"));
        } else if (optional) {
          e = this.b.call(dot, "_?._", [e, this.b.constant(dot, { case: "stringValue", value: name })]);
        } else {
          e = this.b.select(dot, e, name);
        }
      } else if (this.is("[")) {
        const open = this.next().offset;
        const optional = this.is("?") && !!this.next();
        const index = this.expr();
        this.expect("]");
        e = this.b.call(open, optional ? "_[?_]" : "_[_]", [e, index]);
      } else if (this.is("{") && qualifiedName(e) !== undefined) {
        const open = this.next().offset;
        e = this.b.struct(open, this.fields(), qualifiedName(e));
      } else {
        return e;
      }
    }
  }

  private selector(): string {
    const t = this.peek();
    if (t.kind !== "ident") this.fail(`mismatched input ${show(t)} expecting IDENTIFIER`);
    // Reserved words are refused as names, not as selectors (`.namespace(n)`); keywords are both.
    if (!t.quoted && KEYWORDS.has(t.text)) this.fail(`mismatched input ${show(t)} expecting IDENTIFIER`);
    this.next();
    return t.text;
  }

  private args(close: string): Node[] {
    const out: Node[] = [];
    while (!this.is(close)) {
      out.push(this.expr());
      if (!this.is(",")) break;
      this.next();
      if (close !== ")" && this.is(close)) break;
    }
    this.expect(close);
    return out;
  }

  private primary(): Node {
    const t = this.peek();
    switch (t.kind) {
      case "int":
      case "double":
      case "uint":
      case "string":
      case "bytes":
        this.next();
        return this.literal(t);
      case "eof":
        return this.fail(`mismatched input ${show(t)} expecting ${EXPECTING_EXPR}`);
      case "ident":
        return this.identOrCall();
      case "punct":
        break;
    }
    if (t.text === "-" && (this.peek(1).kind === "int" || this.peek(1).kind === "double")) {
      this.next();
      return this.literal(this.next(), true);
    }
    if (t.text === "(") {
      this.next();
      const e = this.expr();
      this.expect(")");
      return e;
    }
    if (t.text === "[") {
      this.next();
      const elements: Node[] = [];
      const optional: number[] = [];
      while (!this.is("]")) {
        if (this.is("?")) {
          this.next();
          optional.push(elements.length);
        }
        elements.push(this.expr());
        if (!this.is(",")) break;
        this.next();
      }
      this.expect("]");
      return this.b.list(t.offset, elements, optional);
    }
    if (t.text === "{") {
      this.next();
      const entries: Entry[] = [];
      while (!this.is("}")) {
        const optional = this.is("?") && !!this.next();
        const key = this.expr();
        const colon = this.expect(":").offset;
        entries.push(this.b.entry(colon, key, this.expr(), optional));
        if (!this.is(",")) break;
        this.next();
      }
      this.expect("}");
      return this.b.struct(t.offset, entries);
    }
    if (t.text === "." && this.peek(1).kind === "ident") {
      this.next();
      return this.identOrCall(".");
    }
    return this.fail(`mismatched input ${show(t)} expecting ${EXPECTING_EXPR}`);
  }

  private fields(): Entry[] {
    const entries: Entry[] = [];
    while (!this.is("}")) {
      const optional = this.is("?") && !!this.next();
      const name = this.selector();
      const colon = this.expect(":").offset;
      entries.push(this.b.entry(colon, name, this.expr(), optional));
      if (!this.is(",")) break;
      this.next();
    }
    this.expect("}");
    return entries;
  }

  private identOrCall(lead = ""): Node {
    const t = this.next();
    if (t.quoted) this.fail(`mismatched input ${show(t)} expecting ${EXPECTING_EXPR}`, t.offset);
    if (!lead) {
      if (t.text === "true" || t.text === "false") return this.b.bool(t.offset, t.text === "true");
      if (t.text === "null") return this.b.constant(t.offset, { case: "nullValue", value: 0 });
    }
    if (RESERVED.has(t.text) || t.text === "in") this.fail(`reserved identifier: ${t.text}`, t.offset);
    const name = lead + t.text;
    if (!this.is("(")) return this.b.ident(t.offset, name);
    const open = this.next().offset;
    const args = this.args(")");
    if (name === "has") {
      const arg = args[0];
      if (args.length !== 1 || arg?.exprKind.case !== "selectExpr" || arg.exprKind.value.testOnly)
        this.fail("invalid argument to has() macro", open);
      const sel = arg.exprKind.value as { operand: Node; field: string };
      return this.b.select(open, sel.operand, sel.field, true);
    }
    return this.b.call(open, name, args);
  }

  private literal(t: Token, negative = false): Node {
    const b = this.b;
    switch (t.kind) {
      case "int": {
        const v = negative ? -(t.value as bigint) : (t.value as bigint);
        if (v > (1n << 63n) - 1n) this.fail("invalid int literal", t.offset);
        return b.constant(t.offset, { case: "int64Value", value: v });
      }
      case "uint":
        return b.constant(t.offset, { case: "uint64Value", value: t.value as bigint });
      case "double":
        return b.constant(t.offset, {
          case: "doubleValue",
          value: (negative ? -1 : 1) * (t.value as number),
        });
      case "string":
        return b.constant(t.offset, { case: "stringValue", value: t.value as string });
      default:
        return b.constant(t.offset, { case: "bytesValue", value: t.value as Uint8Array });
    }
  }

  private memberCall(open: number, target: Node, name: string, args: Node[]): Node {
    const b = this.b;
    const macro = MACROS[`${name}/${args.length}`];
    if (macro && (name !== "bind" || qualifiedName(target) === "cel")) {
      const v = args[0]!;
      if (v.exprKind.case !== "identExpr")
        this.fail("argument must be a simple name", this.b.positions[String(v.id)] ?? open);
      return macro(b, open, target, v.exprKind.value.name as string, args.slice(1), (n) => this.copy(n));
    }
    return b.call(open, name, args, target);
  }

  /** The expression again with fresh ids (a macro that evaluates its target twice). */
  private copy(n: Node): Node {
    const clone = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(clone);
      if (typeof v !== "object" || v === null || v instanceof Uint8Array) return v;
      const o = v as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(o)) out[k] = clone(x);
      if (o.$typeName === "cel.expr.Expr" || o.$typeName === "cel.expr.Expr.CreateStruct.Entry")
        out.id = this.b.freshId(this.b.positions[String(o.id)] ?? 0);
      return out;
    };
    return clone(n) as Node;
  }
}

/** The parse of `source`; throws an Error with cel-go's message and snippet when it does not parse. */
export function parseCel(source: string): ParsedExpr {
  let p: Parser;
  let expr: Node;
  try {
    p = new Parser(tokenize(source));
    expr = p.whole();
  } catch (e) {
    if (e instanceof SyntaxError)
      throw new Error(snippet(source, e.offset, `Syntax error: ${e.message}`), { cause: e });
    throw e;
  }
  const lineOffsets: number[] = [];
  for (let i = 0; i < source.length; i++) if (source[i] === "\n") lineOffsets.push(i + 1);
  lineOffsets.push(source.length + 1);
  return {
    $typeName: "cel.expr.ParsedExpr",
    expr,
    sourceInfo: {
      $typeName: "cel.expr.SourceInfo",
      syntaxVersion: "",
      location: "<input>",
      lineOffsets,
      positions: p.b.positions,
      // Nothing reads the macros' unexpanded forms (cel-go keeps them for unparsing).
      macroCalls: {},
      extensions: [],
    },
  };
}
