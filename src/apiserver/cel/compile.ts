// One parse and plan per expression text, shared by CRD rules, webhook matchConditions and
// admission policies: the same text is checked when its configuration is written and run on
// every request after.
import { plan } from "@bufbuild/cel";
import type { Parsed } from "./check/checker.ts";
import { kubernetesCelEnv } from "./index.ts";
import { parseCel } from "./parse/parser.ts";
import { rewriteOptional, usesOptional } from "./parse/rewrite.ts";

export type Program = (ctx: Record<string, unknown>) => unknown;

export interface Compiled {
  parsed: Parsed;
  program: Program;
  /** The expression names `oldSelf` (a CRD rule that does is a transition rule). */
  usesOldSelf: boolean;
}

// True when an identifier `name` appears anywhere in the parse tree (not in a string literal).
function names(node: unknown, name: string): boolean {
  if (typeof node !== "object" || node === null) return false;
  if (Array.isArray(node)) return node.some((n) => names(n, name));
  const o = node as { case?: unknown; value?: { name?: unknown } };
  if (o.case === "identExpr" && o.value?.name === name) return true;
  for (const v of Object.values(node)) if (names(v, name)) return true;
  return false;
}

const programs = new Map<string, Compiled | Error>();
const NO_VARS: ReadonlySet<string> = new Set();
// Rules run per write: the cache key's prefix for a set of optional variables is made once.
const prefixes = new WeakMap<ReadonlySet<string>, string>();
const keyPrefix = (vars: ReadonlySet<string>): string => {
  let p = prefixes.get(vars);
  if (p === undefined) prefixes.set(vars, (p = `${[...vars].join(",")}\0`));
  return p;
};

/**
 * The parsed and planned expression, or the parser's error. `optionalVars` are the variables
 * that hold optional values (a CRD rule's `oldSelf` under `optionalOldSelf`).
 */
export function compile(expr: string, optionalVars: ReadonlySet<string> = NO_VARS): Compiled | Error {
  const key = optionalVars.size ? keyPrefix(optionalVars) + expr : expr;
  let p = programs.get(key);
  if (!p) {
    try {
      const parsed = parseCel(expr);
      const planned = usesOptional(parsed.expr, optionalVars)
        ? { ...parsed, expr: rewriteOptional(parsed.expr, optionalVars) }
        : parsed;
      p = {
        parsed: parsed as unknown as Parsed,
        program: plan(kubernetesCelEnv, planned as never) as unknown as Program,
        usesOldSelf: names(parsed.expr, "oldSelf"),
      };
    } catch (e) {
      p = e instanceof Error ? e : new Error(String(e));
    }
    programs.set(key, p);
  }
  return p;
}
