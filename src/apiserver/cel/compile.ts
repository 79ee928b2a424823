// One parse and plan per expression text, shared by CRD rules, webhook matchConditions and
// admission policies: the same text is checked when its configuration is written and run on
// every request after.
import { parse, plan } from "@bufbuild/cel";
import type { Parsed } from "./check/checker.ts";
import { kubernetesCelEnv } from "./index.ts";

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

/** The parsed and planned expression, or the parser's error. */
export function compile(expr: string): Compiled | Error {
  let p = programs.get(expr);
  if (!p) {
    try {
      const parsed = parse(expr);
      p = {
        parsed: parsed as unknown as Parsed,
        program: plan(kubernetesCelEnv, parsed) as unknown as Program,
        usesOldSelf: names(parsed.expr, "oldSelf"),
      };
    } catch (e) {
      p = e instanceof Error ? e : new Error(String(e));
    }
    programs.set(expr, p);
  }
  return p;
}
