// Certificates are renewed before they expire while the server runs (k3s renews within 90 days
// of expiry): the API's serving certificate is swapped on its listeners, the admin kubeconfig is
// rewritten (still mode 0600 unless --write-kubeconfig-mode says otherwise), and the server's own
// kubelet gets a new serving certificate. Nothing restarts; open connections keep going.
import { X509Certificate } from "node:crypto";
import {
  dueForRenewal,
  ensurePki,
  issueNodeCerts,
  writeKubeconfig,
  type NodeCertRequest,
  type Pki,
} from "../apiserver/pki/index.ts";
import type { Logger } from "../util/logger.ts";
import type { RotatingTls } from "../util/rotating-tls.ts";

export interface ServerCertRotationDeps {
  tlsDir: string;
  hosts: string[];
  /** Updated in place, so the join endpoint signs with what is current. */
  pki: Pki;
  apiserver: {
    setServingCertificate(tls: { cert: string; key: string; ca: string }): void;
    configureKubeletClient(tls: { cert: string; key: string; ca: string }): void;
  };
  kubeconfig: { path: string; mode: number; server: string };
  node?: { tls: RotatingTls; request: NodeCertRequest };
  logger: Logger;
}

/** How often certificates are looked at: a twentieth of their life, between a second and an hour. */
export function rotationCheckMs(lifetimeMs: number): number {
  return Math.min(3_600_000, Math.max(1_000, lifetimeMs / 20));
}

const notAfter = (pem: string) => new X509Certificate(pem).validTo;

/** One look: renews what is due and hands the new certificates to whoever holds the old. */
export function rotateServerCertificates(deps: ServerCertRotationDeps, now = new Date()): string[] {
  const { pki } = deps;
  const next = ensurePki(deps.tlsDir, {
    hosts: deps.hosts,
    leafLifetimeMs: pki.leafLifetimeMs,
    now: () => now,
  });
  const rotated: string[] = [];
  if (next.serverCertPem !== pki.serverCertPem) {
    deps.apiserver.setServingCertificate({
      cert: next.serverCertPem,
      key: next.serverKeyPem,
      ca: next.caCertPem,
    });
    rotated.push("apiserver serving");
  }
  if (next.adminCertPem !== pki.adminCertPem) {
    writeKubeconfig(deps.kubeconfig.path, deps.kubeconfig.mode, {
      server: deps.kubeconfig.server,
      pki: next,
    });
    rotated.push("admin kubeconfig");
  }
  if (next.kubeletClientCertPem !== pki.kubeletClientCertPem) {
    deps.apiserver.configureKubeletClient({
      cert: next.kubeletClientCertPem,
      key: next.kubeletClientKeyPem,
      ca: next.caCertPem,
    });
    rotated.push("kubelet client");
  }
  Object.assign(pki, next);
  if (deps.node && dueForRenewal(deps.node.tls.current.cert, now, pki.leafLifetimeMs)) {
    const { serving } = issueNodeCerts(pki, deps.node.request, now);
    deps.node.tls.set({ cert: serving.certPem, key: serving.keyPem, ca: pki.caCertPem });
    rotated.push("kubelet serving");
  }
  if (rotated.length)
    deps.logger.info("certificates rotated", {
      certificates: rotated,
      notAfter: notAfter(pki.serverCertPem),
    });
  return rotated;
}

export async function runServerCertRotation(
  deps: ServerCertRotationDeps,
  signal: AbortSignal,
): Promise<void> {
  const every = rotationCheckMs(deps.pki.leafLifetimeMs);
  while (!signal.aborted) {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, every);
      signal.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
    });
    if (signal.aborted) return;
    try {
      rotateServerCertificates(deps);
    } catch (e) {
      deps.logger.error("certificate rotation failed; retrying", { error: (e as Error).message });
    }
  }
}
