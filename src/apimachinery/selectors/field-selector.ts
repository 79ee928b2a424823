// Field selectors as k8s.io/apimachinery/pkg/fields/selector.go parses and matches them:
// comma-separated terms (a backslash escapes "\", "," and "=" in values), "=", "==" or "!=".
import { badRequest } from "../status-error.ts";

export interface FieldRequirement {
  field: string;
  /** "==" is read as "=", as upstream's Requirements() reports it. */
  operator: "=" | "!=";
  value: string;
}

export interface FieldSelector {
  /** ANDed, in the order of the sorted terms. */
  requirements: FieldRequirement[];
}

/** Splits on commas that are not backslash-escaped; the escapes stay in the terms. */
function splitTerms(s: string): string[] {
  if (s === "") return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inSlash) inSlash = false;
    else if (c === "\\") inSlash = true;
    else if (c === ",") {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

const termOperators = ["!=", "==", "="] as const;

/** The first operator splits the term: no escaping is possible in the field name. */
function splitTerm(
  term: string,
): { lhs: string; op: (typeof termOperators)[number]; rhs: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of termOperators) {
      if (term.startsWith(op, i)) return { lhs: term.slice(0, i), op, rhs: term.slice(i + op.length) };
    }
  }
  return undefined;
}

function unescapeValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = "";
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c !== "\\" && c !== "," && c !== "=")
        throw badRequest(`invalid field selector: invalid escape sequence: \\${c}`);
      out += c;
      inSlash = false;
    } else if (c === "\\") {
      inSlash = true;
    } else if (c === "," || c === "=") {
      // Go formats the rune with %v, i.e. as its code point number.
      throw badRequest(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    } else {
      out += c;
    }
  }
  if (inSlash) throw badRequest("invalid field selector: invalid escape sequence: \\");
  return out;
}

/** Escapes "\", "," and "=" so that a literal value survives parsing (fields.EscapeValue). */
export function escapeFieldValue(s: string): string {
  return s.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/** Parses a fieldSelector query parameter; errors are 400 BadRequest with upstream's text. */
export function parseFieldSelector(s: string): FieldSelector {
  const requirements: FieldRequirement[] = [];
  // Upstream sorts the raw terms (byte order) before reading them.
  const terms = splitTerms(s).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const term of terms) {
    if (term === "") continue;
    const t = splitTerm(term);
    if (!t) throw badRequest(`invalid selector: '${s}'; can't understand '${term}'`);
    requirements.push({ field: t.lhs, operator: t.op === "!=" ? "!=" : "=", value: unescapeValue(t.rhs) });
  }
  return { requirements };
}

export function isFieldSelectorEverything(sel: FieldSelector): boolean {
  return sel.requirements.length === 0;
}

/** A missing field reads as "", as fields.Set.Get does. */
export function fieldMatches(sel: FieldSelector, fields: Record<string, string>): boolean {
  return sel.requirements.every((r) => {
    const v = Object.hasOwn(fields, r.field) ? fields[r.field] : "";
    return r.operator === "=" ? v === r.value : v !== r.value;
  });
}

export function fieldRequirements(sel: FieldSelector): FieldRequirement[] {
  return sel.requirements.map((r) => ({ ...r }));
}

export function fieldSelectorToString(sel: FieldSelector): string {
  return sel.requirements.map((r) => `${r.field}${r.operator}${escapeFieldValue(r.value)}`).join(",");
}

const defaultFields = ["metadata.name", "metadata.namespace"];

/**
 * Rejects fields a resource cannot be selected by, with a 400 BadRequest. Kinds that only
 * support the metadata fields answer as runtime.DefaultMetaV1FieldSelectorConversion does;
 * kinds with their own fields answer "field label not supported: <field>".
 */
export function checkFieldSelector(sel: FieldSelector, supported: readonly string[]): void {
  const metaOnly =
    supported.length === defaultFields.length && defaultFields.every((f) => supported.includes(f));
  for (const r of sel.requirements) {
    if (supported.includes(r.field)) continue;
    if (metaOnly)
      throw badRequest(
        `${JSON.stringify(r.field)} is not a known field selector: only "metadata.name", "metadata.namespace"`,
      );
    throw badRequest(`field label not supported: ${r.field}`);
  }
}
