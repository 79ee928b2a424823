// Label selectors as k8s.io/apimachinery/pkg/labels/selector.go parses, matches and prints them,
// and metav1.LabelSelector (matchLabels/matchExpressions) turned into one.
import { badRequest } from "../status-error.ts";
import { labelValueErrors, qualifiedNameErrors } from "./label-key.ts";

/** selection.Operator strings. */
export type Operator = "=" | "==" | "!=" | "in" | "notin" | "exists" | "!" | "gt" | "lt";

export interface Requirement {
  key: string;
  operator: Operator;
  values: string[];
}

export interface LabelSelector {
  /** ANDed; sorted by key. */
  requirements: Requirement[];
  /** labels.Nothing(): matches no object (a nil metav1 selector). */
  nothing?: boolean;
}

export interface MetaV1LabelSelector {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] | null }> | null;
}

const binaryOperators = ["in", "notin", "=", "==", "!=", "gt", "lt"];

// ---- errors in the form of field.ErrorList.ToAggregate() ----

/** A field.Invalid error's text; Go prints a nil path as "<nil>". */
const invalidText = (field: string, value: string, detail: string): string =>
  `${field}: Invalid value: ${value}: ${detail}`;
const quote = (s: string): string => JSON.stringify(s);
const goStrings = (vs: string[]): string => `[]string{${vs.map(quote).join(", ")}}`;

function aggregate(msgs: string[]): string {
  const unique = [...new Set(msgs)];
  return unique.length === 1 ? unique[0] : `[${unique.join(", ")}]`;
}

class ParseError extends Error {}

/** labels.NewRequirement: validated; keyPath is "<nil>" when parsing and "key" from metav1. */
function newRequirement(key: string, operator: Operator, values: string[], checkKey: boolean): Requirement {
  const errs: string[] = [];
  if (checkKey) {
    const keyErrs = qualifiedNameErrors(key);
    if (keyErrs.length) errs.push(invalidText("key", quote(key), keyErrs.join("; ")));
  }
  switch (operator) {
    case "in":
    case "notin":
      if (values.length === 0)
        errs.push(
          invalidText("values", goStrings(values), "for 'in', 'notin' operators, values set can't be empty"),
        );
      break;
    case "=":
    case "==":
    case "!=":
      if (values.length !== 1)
        errs.push(
          invalidText("values", goStrings(values), "exact-match compatibility requires one single value"),
        );
      break;
    case "exists":
    case "!":
      if (values.length !== 0)
        errs.push(
          invalidText("values", goStrings(values), "values set must be empty for exists and does not exist"),
        );
      break;
    case "gt":
    case "lt":
      if (values.length !== 1)
        errs.push(
          invalidText("values", goStrings(values), "for 'Gt', 'Lt' operators, exactly one value is required"),
        );
      values.forEach((v, i) => {
        if (!/^[+-]?\d+$/.test(v))
          errs.push(
            invalidText(`values[${i}]`, quote(v), "for 'Gt', 'Lt' operators, the value must be an integer"),
          );
      });
      break;
  }
  values.forEach((v, i) => {
    const valErrs = labelValueErrors(v);
    if (valErrs.length) errs.push(invalidText(`values[${i}][${key}]`, quote(v), valErrs.join("; ")));
  });
  if (errs.length) throw new ParseError(aggregate(errs));
  return { key, operator, values };
}

// ---- lexer ----

type Tok = "error" | "eos" | ")" | "," | "!" | "==" | "=" | ">" | "id" | "in" | "<" | "!=" | "notin" | "(";

interface Item {
  tok: Tok;
  lit: string;
}

const literalTokens = new Map<string, Tok>([
  [")", ")"],
  [",", ","],
  ["!", "!"],
  ["==", "=="],
  ["=", "="],
  [">", ">"],
  ["in", "in"],
  ["<", "<"],
  ["!=", "!="],
  ["notin", "notin"],
  ["(", "("],
]);

const isWhitespace = (c: string): boolean => c === " " || c === "\t" || c === "\r" || c === "\n";
const isSpecial = (c: string): boolean => "=!(),><".includes(c);

function lex(s: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  for (;;) {
    while (pos < s.length && isWhitespace(s[pos])) pos++;
    if (pos >= s.length) {
      items.push({ tok: "eos", lit: "" });
      return items;
    }
    if (isSpecial(s[pos])) {
      // The longest run of special symbols that still forms a token ("!=", "==").
      let buf = "";
      let last: Item | undefined;
      while (pos < s.length && isSpecial(s[pos])) {
        buf += s[pos];
        const t = literalTokens.get(buf);
        if (t) last = { tok: t, lit: buf };
        else if (last) break;
        pos++;
      }
      items.push(last ?? { tok: "error", lit: `error expected: keyword found '${buf}'` });
    } else {
      let buf = "";
      while (pos < s.length && !isSpecial(s[pos]) && !isWhitespace(s[pos])) buf += s[pos++];
      const t = literalTokens.get(buf);
      items.push(t ? { tok: t, lit: buf } : { tok: "id", lit: buf });
    }
  }
}

// ---- parser ----

class Parser {
  private readonly items: Item[];
  private pos = 0;

  constructor(s: string) {
    this.items = lex(s);
  }

  /** In value position the keywords "in" and "notin" are plain identifiers. */
  private peek(values = true): Item {
    const it = this.items[this.pos];
    return values && (it.tok === "in" || it.tok === "notin") ? { tok: "id", lit: it.lit } : it;
  }

  private next(values = true): Item {
    const it = this.peek(values);
    this.pos++;
    return it;
  }

  parse(): Requirement[] {
    const reqs: Requirement[] = [];
    for (;;) {
      const { tok, lit } = this.peek();
      if (tok === "eos") return reqs;
      if (tok !== "id" && tok !== "!")
        throw new ParseError(`found '${lit}', expected: !, identifier, or 'end of string'`);
      try {
        reqs.push(this.requirement());
      } catch (e) {
        if (e instanceof ParseError) throw new ParseError(`unable to parse requirement: ${e.message}`);
        throw e;
      }
      const after = this.next();
      if (after.tok === "eos") return reqs;
      if (after.tok !== ",") throw new ParseError(`found '${after.lit}', expected: ',' or 'end of string'`);
      const following = this.peek();
      if (following.tok !== "id" && following.tok !== "!")
        throw new ParseError(`found '${following.lit}', expected: identifier after ','`);
    }
  }

  private requirement(): Requirement {
    let negated = false;
    let t = this.next();
    if (t.tok === "!") {
      negated = true;
      t = this.next();
    }
    if (t.tok !== "id") throw new ParseError(`found '${t.lit}', expected: identifier`);
    const key = t.lit;
    const keyErrs = qualifiedNameErrors(key);
    if (keyErrs.length) throw new ParseError(invalidText("<nil>", quote(key), keyErrs.join("; ")));
    const la = this.peek().tok;
    if (negated) return newRequirement(key, "!", [], false);
    if (la === "eos" || la === ",") return newRequirement(key, "exists", [], false);

    const op = this.operator();
    const values = op === "in" || op === "notin" ? this.setValues() : this.exactValue();
    // sets.String: de-duplicated and sorted.
    return newRequirement(key, op, [...new Set(values)].sort(), false);
  }

  private operator(): Operator {
    const { tok, lit } = this.next(false);
    switch (tok) {
      case "in":
      case "notin":
      case "=":
      case "==":
      case "!=":
        return tok;
      case ">":
        return "gt";
      case "<":
        return "lt";
      default:
        throw new ParseError(`found '${lit}', expected: ${binaryOperators.join(", ")}`);
    }
  }

  private setValues(): string[] {
    const open = this.next();
    if (open.tok !== "(") throw new ParseError(`found '${open.lit}' expected: '('`);
    const { tok, lit } = this.peek();
    if (tok === ")") {
      this.next();
      return [""];
    }
    if (tok !== "id" && tok !== ",") throw new ParseError(`found '${lit}', expected: ',', ')' or identifier`);
    const values = this.identifiers();
    this.next(); // identifiers() returns only with ")" next
    return values;
  }

  /** Comma-separated, possibly empty identifiers up to ")": "(a,,b)" and "(,a)" include "". */
  private identifiers(): string[] {
    const s: string[] = [];
    for (;;) {
      const { tok, lit } = this.next();
      if (tok === "id") {
        s.push(lit);
        const la = this.peek();
        if (la.tok === ",") continue;
        if (la.tok === ")") return s;
        throw new ParseError(`found '${la.lit}', expected: ',' or ')'`);
      } else if (tok === ",") {
        if (s.length === 0) s.push("");
        const la = this.peek().tok;
        if (la === ")" || la === ",") {
          s.push("");
          if (la === ")") return s;
        }
      } else {
        throw new ParseError(`found '${lit}', expected: ',', or identifier`);
      }
    }
  }

  private exactValue(): string[] {
    const la = this.peek().tok;
    if (la === "eos" || la === ",") return [""];
    const { tok, lit } = this.next();
    if (tok === "id") return [lit];
    throw new ParseError(`found '${lit}', expected: identifier`);
  }
}

const byKey = (a: Requirement, b: Requirement): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** Parses a labelSelector query parameter; a syntax error is a 400 BadRequest with upstream's text. */
export function parseLabelSelector(s: string): LabelSelector {
  try {
    return { requirements: new Parser(s).parse().sort(byKey) };
  } catch (e) {
    if (e instanceof ParseError) throw badRequest(e.message);
    throw e;
  }
}

export function everything(): LabelSelector {
  return { requirements: [] };
}

export function nothing(): LabelSelector {
  return { requirements: [], nothing: true };
}

export function isEverything(sel: LabelSelector): boolean {
  return !sel.nothing && sel.requirements.length === 0;
}

function toInt(s: string): bigint | undefined {
  return /^[+-]?\d+$/.test(s) ? BigInt(s) : undefined;
}

function requirementMatches(r: Requirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const val = has ? labels[r.key] : undefined;
  switch (r.operator) {
    case "in":
    case "=":
    case "==":
      return has && r.values.includes(val!);
    case "notin":
    case "!=":
      return !has || !r.values.includes(val!);
    case "exists":
      return has;
    case "!":
      return !has;
    case "gt":
    case "lt": {
      if (!has || r.values.length !== 1) return false;
      const lv = toInt(val!);
      const rv = toInt(r.values[0]);
      if (lv === undefined || rv === undefined) return false;
      return r.operator === "gt" ? lv > rv : lv < rv;
    }
  }
}

export function matches(sel: LabelSelector, labels: Record<string, string> | undefined | null): boolean {
  if (sel.nothing) return false;
  const ls = labels ?? {};
  return sel.requirements.every((r) => requirementMatches(r, ls));
}

function requirementString(r: Requirement): string {
  if (r.operator === "exists") return r.key;
  if (r.operator === "!") return `!${r.key}`;
  const sep: Record<string, string> = {
    "=": "=",
    "==": "==",
    "!=": "!=",
    in: " in ",
    notin: " notin ",
    gt: ">",
    lt: "<",
  };
  // Requirement.String sorts multi-value sets on output.
  const vals = r.values.length === 1 ? r.values[0] : [...r.values].sort().join(",");
  const set = r.operator === "in" || r.operator === "notin";
  return `${r.key}${sep[r.operator]}${set ? `(${vals})` : vals}`;
}

function isMetaV1(sel: LabelSelector | MetaV1LabelSelector): sel is MetaV1LabelSelector {
  return !Array.isArray((sel as LabelSelector).requirements);
}

/** The selector as upstream prints it ("app=kubia", "env in (dev,prod),!gpu"); "" for nothing. */
export function labelSelectorToString(sel: LabelSelector | MetaV1LabelSelector | null | undefined): string {
  if (sel === null || sel === undefined) return "";
  const s = isMetaV1(sel) ? labelSelectorFromMetav1(sel) : sel;
  if (s.nothing) return "";
  return s.requirements.map(requirementString).join(",");
}

const metaV1Operators: Record<string, Operator> = {
  In: "in",
  NotIn: "notin",
  Exists: "exists",
  DoesNotExist: "!",
};

/**
 * metav1.LabelSelectorAsSelector: null/undefined selects nothing, an empty selector selects
 * everything. Invalid selectors throw a 400 BadRequest.
 */
export function labelSelectorFromMetav1(sel: MetaV1LabelSelector | null | undefined): LabelSelector {
  if (sel === null || sel === undefined) return nothing();
  const matchLabels = Object.entries(sel.matchLabels ?? {});
  const exprs = sel.matchExpressions ?? [];
  if (matchLabels.length + exprs.length === 0) return everything();
  try {
    const reqs: Requirement[] = matchLabels.map(([k, v]) => newRequirement(k, "=", [v], true));
    for (const e of exprs) {
      const op = metaV1Operators[e.operator];
      if (!op) throw new ParseError(`${quote(e.operator)} is not a valid label selector operator`);
      reqs.push(newRequirement(e.key, op, [...(e.values ?? [])], true));
    }
    return { requirements: reqs.sort(byKey) };
  } catch (e) {
    if (e instanceof ParseError) throw badRequest(e.message);
    throw e;
  }
}

/** labels.SelectorFromSet: every pair must be equal; an empty set selects everything. */
export function labelSelectorFromSet(set: Record<string, string> | null | undefined): LabelSelector {
  return {
    requirements: Object.entries(set ?? {})
      .map(([key, v]): Requirement => ({ key, operator: "=", values: [v] }))
      .sort(byKey),
  };
}
