import { chmodSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Pki } from "./ensure-pki.ts";

export interface KubeconfigOptions {
  server: string;
  pki: Pki;
  /** Name of the cluster and context entries; k3s calls both "default". */
  clusterName?: string;
  /** Name of the user entry; "default" as in k3s. */
  user?: string;
}

const b64 = (text: string) => Buffer.from(text).toString("base64");
// A JSON string is a valid YAML double-quoted scalar, so no YAML escaping rules are needed.
const q = (text: string) => JSON.stringify(text);

export function renderKubeconfig(opts: KubeconfigOptions): string {
  const cluster = q(opts.clusterName ?? "default");
  const user = q(opts.user ?? "default");
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- cluster:",
    `    certificate-authority-data: ${b64(opts.pki.caCertPem)}`,
    `    server: ${q(opts.server)}`,
    `  name: ${cluster}`,
    "contexts:",
    "- context:",
    `    cluster: ${cluster}`,
    `    user: ${user}`,
    `  name: ${cluster}`,
    `current-context: ${cluster}`,
    "preferences: {}",
    "users:",
    `- name: ${user}`,
    "  user:",
    `    client-certificate-data: ${b64(opts.pki.adminCertPem)}`,
    `    client-key-data: ${b64(opts.pki.adminKeyPem)}`,
    "",
  ].join("\n");
}

/** Writes the admin kubeconfig (as k3s's --write-kubeconfig does) and sets its mode even if it existed. */
export function writeKubeconfig(path: string, mode: number, opts: KubeconfigOptions): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  // Created owner-only and widened afterwards, so the key is never readable by others mid-write.
  writeFileSync(tmp, renderKubeconfig(opts), { mode: mode & 0o600 });
  chmodSync(tmp, mode);
  renameSync(tmp, path);
  chmodSync(path, mode);
}
