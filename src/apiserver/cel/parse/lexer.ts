// CEL's lexical grammar (cel-spec langdef.md): identifiers, reserved words, int/uint/double
// literals, string and bytes literals with their prefixes, quotes and escapes, and the
// punctuation of the expression grammar. `//` comments and whitespace separate tokens.

export type TokenKind = "ident" | "int" | "uint" | "double" | "string" | "bytes" | "punct" | "eof";

export interface Token {
  kind: TokenKind;
  /** The punctuation or identifier text; for literals, their source text. */
  text: string;
  offset: number;
  /** A literal's value. */
  value?: bigint | number | string | Uint8Array;
  /** A backquoted identifier (`a.\`b-c\``): a field name, never a keyword. */
  quoted?: boolean;
}

export class SyntaxError extends Error {
  readonly offset: number;

  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

const PUNCT = [
  "==",
  "!=",
  "<=",
  ">=",
  "&&",
  "||",
  "(",
  ")",
  "[",
  "]",
  "{",
  "}",
  ".",
  ",",
  ":",
  "?",
  "!",
  "-",
  "+",
  "*",
  "/",
  "%",
  "<",
  ">",
];
const IDENT_START = /[_a-zA-Z]/;
const IDENT_PART = /[_a-zA-Z0-9]/;
const DIGIT = /[0-9]/;
const HEX = /[0-9a-fA-F]/;
const INT64_MAX = (1n << 63n) - 1n;
const UINT64_MAX = (1n << 64n) - 1n;

const SIMPLE_ESCAPES: Record<string, number> = {
  a: 7,
  b: 8,
  f: 12,
  n: 10,
  r: 13,
  t: 9,
  v: 11,
  "\\": 92,
  "'": 39,
  '"': 34,
  "`": 96,
  "?": 63,
};

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f") {
      i++;
      continue;
    }
    if (c === "/" && src[i + 1] === "/") {
      while (i < src.length && src[i] !== "\n") i++;
      continue;
    }
    const start = i;
    if (IDENT_START.test(c)) {
      while (i < src.length && IDENT_PART.test(src[i]!)) i++;
      const word = src.slice(start, i);
      // A string prefix: r, b, rb, br in any case, right before a quote.
      if (/^(r|b|rb|br)$/i.test(word) && (src[i] === '"' || src[i] === "'")) {
        const t = stringLiteral(src, i, /r/i.test(word), /b/i.test(word));
        out.push({ ...t, offset: start, text: src.slice(start, t.end) });
        i = t.end;
        continue;
      }
      out.push({ kind: "ident", text: word, offset: start });
      continue;
    }
    if (c === "`") {
      const end = src.indexOf("`", i + 1);
      if (end < 0) throw new SyntaxError("token recognition error at: '`'", i);
      out.push({ kind: "ident", text: src.slice(i + 1, end), offset: start, quoted: true });
      i = end + 1;
      continue;
    }
    if (DIGIT.test(c) || (c === "." && DIGIT.test(src[i + 1] ?? ""))) {
      const t = number(src, i);
      out.push(t);
      i = t.offset + t.text.length;
      continue;
    }
    if (c === '"' || c === "'") {
      const t = stringLiteral(src, i, false, false);
      out.push({ ...t, offset: start, text: src.slice(start, t.end) });
      i = t.end;
      continue;
    }
    const p = PUNCT.find((x) => src.startsWith(x, i));
    if (!p) throw new SyntaxError(`token recognition error at: '${c}'`, i);
    out.push({ kind: "punct", text: p, offset: i });
    i += p.length;
  }
  out.push({ kind: "eof", text: "<EOF>", offset: src.length });
  return out;
}

function number(src: string, start: number): Token {
  let i = start;
  if (src[i] === "0" && (src[i + 1] === "x" || src[i + 1] === "X")) {
    i += 2;
    while (HEX.test(src[i] ?? "")) i++;
    return intToken(src, start, i, BigInt(src.slice(start, i)));
  }
  while (DIGIT.test(src[i] ?? "")) i++;
  let isDouble = false;
  if (src[i] === "." && DIGIT.test(src[i + 1] ?? "")) {
    isDouble = true;
    i++;
    while (DIGIT.test(src[i] ?? "")) i++;
  }
  if ((src[i] === "e" || src[i] === "E") && /[0-9]|[+-][0-9]/.test(src.slice(i + 1, i + 3))) {
    isDouble = true;
    i += src[i + 1] === "+" || src[i + 1] === "-" ? 2 : 1;
    while (DIGIT.test(src[i] ?? "")) i++;
  }
  const text = src.slice(start, i);
  if (isDouble) return { kind: "double", text, offset: start, value: Number(text) };
  return intToken(src, start, i, BigInt(text));
}

function intToken(src: string, start: number, end: number, value: bigint): Token {
  if (src[end] === "u" || src[end] === "U") {
    if (value > UINT64_MAX) throw new SyntaxError("invalid uint literal", start);
    return { kind: "uint", text: src.slice(start, end + 1), offset: start, value };
  }
  // INT64_MAX + 1 is kept for a leading minus; the parser refuses it otherwise.
  if (value > INT64_MAX + 1n) throw new SyntaxError("invalid int literal", start);
  return { kind: "int", text: src.slice(start, end), offset: start, value };
}

function stringLiteral(
  src: string,
  start: number,
  raw: boolean,
  bytes: boolean,
): { kind: "string" | "bytes"; value: string | Uint8Array; end: number } {
  const q = src[start]!;
  const triple = src.startsWith(q.repeat(3), start);
  const close = triple ? q.repeat(3) : q;
  let i = start + close.length;
  const out: number[] = [];
  const utf8 = (s: string) => out.push(...Buffer.from(s, "utf8"));
  for (;;) {
    if (i >= src.length || (!triple && (src[i] === "\n" || src[i] === "\r")))
      throw new SyntaxError(`token recognition error at: '${src.slice(start, i + 1)}'`, start);
    if (src.startsWith(close, i)) {
      i += close.length;
      break;
    }
    const c = src[i]!;
    if (c !== "\\" || raw) {
      const cp = src.codePointAt(i)!;
      utf8(String.fromCodePoint(cp));
      i += cp > 0xffff ? 2 : 1;
      continue;
    }
    const e = src[i + 1] ?? "";
    if (e in SIMPLE_ESCAPES) {
      out.push(SIMPLE_ESCAPES[e]!);
      i += 2;
      continue;
    }
    const hex = (n: number) => {
      const h = src.slice(i + 2, i + 2 + n);
      if (h.length !== n || !/^[0-9a-fA-F]+$/.test(h))
        throw new SyntaxError(`token recognition error at: '${src.slice(start, i + 2)}'`, start);
      return parseInt(h, 16);
    };
    if (e === "x" || e === "X") {
      const v = hex(2);
      if (bytes) out.push(v);
      else utf8(String.fromCodePoint(v));
      i += 4;
      continue;
    }
    if (e === "u" || e === "U") {
      const n = e === "u" ? 4 : 8;
      const v = hex(n);
      if ((v >= 0xd800 && v < 0xe000) || v > 0x10ffff)
        throw new SyntaxError("invalid unicode code point", start);
      utf8(String.fromCodePoint(v));
      i += 2 + n;
      continue;
    }
    if (/[0-3]/.test(e) && /^[0-7]{2}$/.test(src.slice(i + 2, i + 4))) {
      const v = parseInt(src.slice(i + 1, i + 4), 8);
      if (bytes) out.push(v);
      else utf8(String.fromCodePoint(v));
      i += 4;
      continue;
    }
    throw new SyntaxError(`token recognition error at: '${src.slice(start, i + 2)}'`, start);
  }
  const buf = Uint8Array.from(out);
  if (bytes) return { kind: "bytes", value: buf, end: i };
  return { kind: "string", value: Buffer.from(buf).toString("utf8"), end: i };
}
