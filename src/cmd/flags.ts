// A small flag parser in the style of k3s/urfave: --name value, --name=value, boolean switches.
import { homedir } from "node:os";
import { join } from "node:path";
import type { Logger } from "../util/logger.ts";
export interface FlagSpec {
  name: string;
  type: "string" | "number" | "boolean" | "list";
  default?: string | number | boolean | string[];
  usage: string;
  alias?: string;
}

export class UsageError extends Error {}

export type FlagValues = Record<string, string | number | boolean | string[] | undefined>;

export function parseFlags(specs: FlagSpec[], argv: string[]): { values: FlagValues; args: string[] } {
  const byName = new Map<string, FlagSpec>();
  for (const s of specs) {
    byName.set(s.name, s);
    if (s.alias) byName.set(s.alias, s);
  }
  const values: FlagValues = {};
  for (const s of specs) values[s.name] = Array.isArray(s.default) ? [...s.default] : s.default;
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("-") || a === "-") {
      args.push(a);
      continue;
    }
    if (a === "--") {
      args.push(...argv.slice(i + 1));
      break;
    }
    const body = a.replace(/^--?/, "");
    const eq = body.indexOf("=");
    const name = eq >= 0 ? body.slice(0, eq) : body;
    const spec = byName.get(name);
    if (!spec) throw new UsageError(`flag provided but not defined: -${name}`);
    let raw: string | undefined = eq >= 0 ? body.slice(eq + 1) : undefined;
    if (spec.type === "boolean") {
      if (raw === undefined) values[spec.name] = true;
      else if (raw === "true" || raw === "false") values[spec.name] = raw === "true";
      else throw new UsageError(`invalid boolean value "${raw}" for -${name}`);
      continue;
    }
    if (raw === undefined) {
      raw = argv[++i];
      if (raw === undefined) throw new UsageError(`flag needs an argument: -${name}`);
    }
    if (spec.type === "number") {
      const n = Number(raw);
      if (!Number.isFinite(n)) throw new UsageError(`invalid value "${raw}" for flag -${name}: parse error`);
      values[spec.name] = n;
    } else if (spec.type === "list") {
      const cur = values[spec.name];
      const explicit = (values as Record<string, unknown>)[`__${spec.name}`];
      const list = explicit ? (cur as string[]) : [];
      list.push(raw);
      values[spec.name] = list;
      (values as Record<string, unknown>)[`__${spec.name}`] = true;
    } else {
      values[spec.name] = raw;
    }
  }
  for (const k of Object.keys(values)) if (k.startsWith("__")) delete values[k];
  return { values, args };
}

export function usage(specs: FlagSpec[]): string {
  return specs
    .map((s) => {
      const d = s.default === undefined || s.default === "" ? "" : ` (default: ${JSON.stringify(s.default)})`;
      return `   --${s.name}${s.type === "boolean" ? "" : " value"}\t${s.usage}${d}`;
    })
    .join("\n");
}

/** Go-style durations ("40s", "5m", "1h30m") to milliseconds. */
export function parseDuration(s: string): number {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let total = 0;
  let consumed = 0;
  for (const m of s.matchAll(re)) {
    const n = Number(m[1]);
    total += n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as "ms" | "s" | "m" | "h"];
    consumed += m[0].length;
  }
  if (consumed !== s.length || !s.length) throw new UsageError(`invalid duration "${s}"`);
  return total;
}

/** "~" and "~/…" as the user's home, as a shell would expand them. */
export function expandHome(p: string): string {
  return p === "~" || p.startsWith("~/") ? join(homedir(), p.slice(2)) : p;
}

/** Resolves on the first SIGINT or SIGTERM, having logged it and aborted the controller. */
export function stopOnSignal(logger: Logger, controller: AbortController): Promise<void> {
  return new Promise<void>((resolveStop) => {
    const stop = (sig: string) => {
      logger.info("shutting down", { signal: sig });
      controller.abort();
      resolveStop();
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  });
}
