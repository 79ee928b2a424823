// A parser for the narrow dialect of TypeScript that the `kubernetes-types` package is generated
// in: `import { A } from "../x"`, JSDoc comments, `export interface X { field?: Type; }` and
// `export type X = Type;`. It is not a TypeScript parser and needs none at run time.

export type TypeExpr =
  | { k: "string" }
  | { k: "number" }
  | { k: "boolean" }
  | { k: "literal"; value: string }
  | { k: "array"; of: TypeExpr }
  | { k: "map"; of: TypeExpr }
  | { k: "ref"; name: string }
  | { k: "union"; of: TypeExpr[] };

export interface Member {
  name: string;
  optional: boolean;
  readonly: boolean;
  doc: string;
  type: TypeExpr;
}

export type Decl =
  | { kind: "interface"; name: string; doc: string; members: Member[] }
  | { kind: "alias"; name: string; doc: string; type: TypeExpr };

export interface ParsedModule {
  /** Imported name → module specifier as written ("../meta/v1"). */
  imports: Map<string, string>;
  decls: Map<string, Decl>;
}

/** Strips the comment markers of a JSDoc block, keeping blank lines as paragraph breaks. */
export function cleanDoc(raw: string): string {
  const body = raw.replace(/^\s*\/\*\*/, "").replace(/\*\/\s*$/, "");
  const lines = body.split("\n").map((l) => {
    const m = /^\s*\* ?(.*)$/.exec(l);
    return (m ? m[1] : l).replace(/\s+$/, "");
  });
  while (lines.length && lines[0].trim() === "") lines.shift();
  while (lines.length && lines[lines.length - 1].trim() === "") lines.pop();
  if (lines.length === 1) return lines[0].trim();
  return lines.join("\n");
}

export function parseType(text: string): TypeExpr {
  const p = new TypeReader(text);
  const t = p.union();
  p.skipSpace();
  if (!p.done())
    throw new Error(`unexpected ${JSON.stringify(text.slice(p.pos))} in type ${JSON.stringify(text)}`);
  return t;
}

class TypeReader {
  pos = 0;
  readonly s: string;

  constructor(s: string) {
    this.s = s;
  }

  done(): boolean {
    return this.pos >= this.s.length;
  }

  skipSpace(): void {
    while (this.pos < this.s.length && /\s/.test(this.s[this.pos])) this.pos++;
  }

  eat(tok: string): boolean {
    this.skipSpace();
    if (this.s.startsWith(tok, this.pos)) {
      this.pos += tok.length;
      return true;
    }
    return false;
  }

  expect(tok: string): void {
    if (!this.eat(tok)) throw new Error(`expected ${tok} at ${this.pos} in ${JSON.stringify(this.s)}`);
  }

  union(): TypeExpr {
    const parts = [this.postfix()];
    while (this.eat("|")) parts.push(this.postfix());
    return parts.length === 1 ? parts[0] : { k: "union", of: parts };
  }

  postfix(): TypeExpr {
    let t = this.primary();
    while (this.eat("[]")) t = { k: "array", of: t };
    return t;
  }

  primary(): TypeExpr {
    this.skipSpace();
    const c = this.s[this.pos];
    if (c === '"') {
      const end = this.s.indexOf('"', this.pos + 1);
      const value = this.s.slice(this.pos + 1, end);
      this.pos = end + 1;
      return { k: "literal", value };
    }
    if (c === "{") {
      // `{ [name: string]: T; }`: the only object literal type the package uses.
      this.pos++;
      this.expect("[");
      this.ident();
      this.expect(":");
      this.expect("string");
      this.expect("]");
      this.expect(":");
      const of = this.union();
      this.eat(";");
      this.expect("}");
      return { k: "map", of };
    }
    const id = this.ident();
    if (id === "Array") {
      this.expect("<");
      const of = this.union();
      this.expect(">");
      return { k: "array", of };
    }
    if (id === "string" || id === "number" || id === "boolean") return { k: id };
    return { k: "ref", name: id };
  }

  ident(): string {
    this.skipSpace();
    const m = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(this.s.slice(this.pos));
    if (!m) throw new Error(`expected a name at ${this.pos} in ${JSON.stringify(this.s)}`);
    this.pos += m[0].length;
    return m[0];
  }
}

const memberRe = /^(readonly\s+)?("[^"]+"|[A-Za-z_$][A-Za-z0-9_$]*)(\?)?:\s*(.*)$/;

function braceDepth(s: string): number {
  let d = 0;
  for (const c of s) {
    if (c === "{" || c === "<") d++;
    else if (c === "}" || c === ">") d--;
  }
  return d;
}

export function parseModule(src: string): ParsedModule {
  const imports = new Map<string, string>();
  const decls = new Map<string, Decl>();
  const lines = src.split("\n");
  let i = 0;
  let doc = "";

  // Reads a JSDoc block that starts on lines[i]; leaves i on the line after it.
  const readDoc = (): string => {
    let raw = lines[i];
    while (!raw.includes("*/")) raw += "\n" + lines[++i];
    i++;
    return cleanDoc(raw.trim());
  };

  while (i < lines.length) {
    const line = lines[i].trim();
    if (line.startsWith("/**")) {
      doc = readDoc();
      continue;
    }
    const imp = /^import\s*\{([^}]*)\}\s*from\s*"([^"]+)"/.exec(line);
    if (imp) {
      for (const n of imp[1].split(",")) if (n.trim()) imports.set(n.trim(), imp[2]);
      i++;
      continue;
    }
    const alias = /^export type ([A-Za-z0-9_]+)\s*=\s*(.*);$/.exec(line);
    if (alias) {
      decls.set(alias[1], { kind: "alias", name: alias[1], doc, type: parseType(alias[2]) });
      doc = "";
      i++;
      continue;
    }
    const iface = /^export interface ([A-Za-z0-9_]+)\s*\{(\})?$/.exec(line);
    if (iface) {
      const name = iface[1];
      const members: Member[] = [];
      i++;
      let memberDoc = "";
      if (!iface[2]) {
        while (i < lines.length && lines[i].trim() !== "}") {
          const l = lines[i].trim();
          if (l.startsWith("/**")) {
            memberDoc = readDoc();
            continue;
          }
          const m = memberRe.exec(l);
          if (!m) throw new Error(`kubernetes-types: cannot read member ${JSON.stringify(l)} of ${name}`);
          let typeText = m[4];
          while (braceDepth(typeText) > 0 || !typeText.endsWith(";")) typeText += " " + lines[++i].trim();
          members.push({
            name: m[2].replace(/^"|"$/g, ""),
            optional: m[3] === "?",
            readonly: !!m[1],
            doc: memberDoc,
            type: parseType(typeText.slice(0, -1)),
          });
          memberDoc = "";
          i++;
        }
      }
      decls.set(name, { kind: "interface", name, doc, members });
      doc = "";
      i++;
      continue;
    }
    if (line !== "") doc = "";
    i++;
  }
  return { imports, decls };
}
