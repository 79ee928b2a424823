import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

/** registries.yaml in k3s's format: mirrors per registry, and auth and TLS per registry host. */
export interface RegistriesConfig {
  /** `rewrite` is k3s's own containerd patch; upstream containerd's hosts.toml has no such setting. */
  mirrors: Record<string, { endpoint: string[] }>;
  configs: Record<
    string,
    {
      auth?: { username?: string; password?: string; auth?: string; identitytoken?: string };
      tls?: { ca_file?: string; cert_file?: string; key_file?: string; insecure_skip_verify?: boolean };
    }
  >;
}

export class RegistriesError extends Error {}

/** Reads and checks registries.yaml; a file that is not there is an empty configuration. */
export function loadRegistries(path: string): RegistriesConfig {
  if (!existsSync(path)) return { mirrors: {}, configs: {} };
  let doc: unknown;
  try {
    doc = parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new RegistriesError(`${path}: ${(e as Error).message.split("\n")[0]}`);
  }
  if (doc === null || doc === undefined) return { mirrors: {}, configs: {} };
  if (typeof doc !== "object" || Array.isArray(doc))
    throw new RegistriesError(`${path}: expected a mapping with "mirrors" and "configs"`);
  const d = doc as Record<string, unknown>;
  const out: RegistriesConfig = { mirrors: {}, configs: {} };
  const mirrors = (d.mirrors ?? {}) as Record<string, unknown>;
  if (typeof mirrors !== "object" || Array.isArray(mirrors))
    throw new RegistriesError(`${path}: "mirrors" must be a mapping`);
  for (const [host, m] of Object.entries(mirrors)) {
    const endpoints = (m as { endpoint?: unknown })?.endpoint ?? [];
    if (!Array.isArray(endpoints) || endpoints.some((e) => typeof e !== "string"))
      throw new RegistriesError(`${path}: mirrors.${host}.endpoint must be a list of URLs`);
    for (const e of endpoints as string[]) {
      try {
        const u = new URL(e);
        if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error("scheme");
      } catch {
        throw new RegistriesError(`${path}: mirrors.${host}.endpoint: invalid URL "${e}"`);
      }
    }
    out.mirrors[host] = { endpoint: endpoints as string[] };
  }
  const configs = (d.configs ?? {}) as Record<string, unknown>;
  if (typeof configs !== "object" || Array.isArray(configs))
    throw new RegistriesError(`${path}: "configs" must be a mapping`);
  for (const [host, c] of Object.entries(configs))
    out.configs[host] = (c ?? {}) as RegistriesConfig["configs"][string];
  return out;
}

const q = (s: string) => JSON.stringify(s);

function hostOf(url: string): string {
  return new URL(url).host;
}

/** The default upstream of a registry name in containerd's hosts.toml ("docker.io" → registry-1). */
function serverFor(registry: string): string {
  if (registry === "docker.io") return "https://registry-1.docker.io";
  return `https://${registry}`;
}

function tlsLines(cfg: RegistriesConfig["configs"][string] | undefined): string[] {
  const tls = cfg?.tls;
  if (!tls) return [];
  const lines: string[] = [];
  if (tls.ca_file) lines.push(`  ca = ${q(tls.ca_file)}`);
  if (tls.cert_file && tls.key_file) lines.push(`  client = [[${q(tls.cert_file)}, ${q(tls.key_file)}]]`);
  if (tls.insecure_skip_verify) lines.push("  skip_verify = true");
  return lines;
}

/**
 * Renders registries.yaml as containerd's hosts.toml files (one folder per registry under
 * certs.d, "_default" for the "*" mirror), as k3s does, and answers the credentials per host for
 * config.toml.
 */
export function writeHostsToml(
  certsDir: string,
  reg: RegistriesConfig,
): Record<string, NonNullable<RegistriesConfig["configs"][string]["auth"]>> {
  rmSync(certsDir, { recursive: true, force: true });
  mkdirSync(certsDir, { recursive: true });
  const registries = new Set([...Object.keys(reg.mirrors), ...Object.keys(reg.configs)]);
  for (const registry of registries) {
    const mirror = reg.mirrors[registry];
    const dir = registry === "*" ? "_default" : registry;
    const lines: string[] = [];
    if (registry !== "*") {
      lines.push(`server = ${q(serverFor(registry))}`);
      lines.push(...tlsLines(reg.configs[registry]).map((l) => l.trimStart()));
    }
    for (const endpoint of mirror?.endpoint ?? []) {
      const url = new URL(endpoint);
      // containerd adds /v2 to a host without a path; one with a path is used as written.
      const path = url.pathname.replace(/\/$/, "");
      lines.push("", `[host.${q(`${url.protocol}//${url.host}${path ? path : ""}`)}]`);
      lines.push(`  capabilities = ["pull", "resolve"]`);
      if (path && path !== "/v2") lines.push("  override_path = true");
      lines.push(...tlsLines(reg.configs[hostOf(endpoint)]));
    }
    mkdirSync(join(certsDir, dir), { recursive: true });
    writeFileSync(join(certsDir, dir, "hosts.toml"), lines.join("\n") + "\n");
  }
  const auths: Record<string, NonNullable<RegistriesConfig["configs"][string]["auth"]>> = {};
  for (const [host, c] of Object.entries(reg.configs)) if (c.auth) auths[host] = c.auth;
  return auths;
}
