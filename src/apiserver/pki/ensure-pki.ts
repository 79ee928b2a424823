import { X509Certificate, createPrivateKey, createPublicKey, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isIP } from "node:net";
import { subjectAltNames } from "./certificate.ts";
import { bytesToIp, ipToBytes } from "./ip-address.ts";
import { createCa, issueLeaf, LEAF_LIFETIME_MS, type KeyPairPem } from "./issue.ts";

export interface Pki {
  caCertPem: string;
  caKeyPem: string;
  serverCertPem: string;
  serverKeyPem: string;
  adminCertPem: string;
  adminKeyPem: string;
  adminToken: string;
  /** The API server's client certificate for calling kubelets (logs, exec, attach, port-forward). */
  kubeletClientCertPem: string;
  kubeletClientKeyPem: string;
  /** How long the certificates it signs last (one year; shorter only to see rotation happen). */
  leafLifetimeMs: number;
}

export interface EnsurePkiOptions {
  /** Extra names and addresses the serving certificate must cover (node IPs, hostnames, the service cluster IP). */
  hosts: string[];
  now?: () => Date;
  leafLifetimeMs?: number;
}

// The in-cluster names of the API server (kube-apiserver's default alternate names).
const DEFAULT_HOSTS = [
  "localhost",
  "127.0.0.1",
  "::1",
  "kubernetes",
  "kubernetes.default",
  "kubernetes.default.svc",
  "kubernetes.default.svc.cluster.local",
];

/**
 * k3s renews certificates when they have fewer than 90 days of their 365 left; shorter lifetimes
 * keep the same share.
 */
export function renewBeforeMs(lifetimeMs: number): number {
  return (lifetimeMs * 90) / 365;
}

/** Whether a certificate is within its renewal window (or unreadable). */
export function dueForRenewal(certPem: string, now: Date, lifetimeMs: number): boolean {
  try {
    return new X509Certificate(certPem).validToDate.getTime() - now.getTime() < renewBeforeMs(lifetimeMs);
  } catch {
    return true;
  }
}

const FILES = {
  caCert: "ca.crt",
  caKey: "ca.key",
  serverCert: "server.crt",
  serverKey: "server.key",
  adminCert: "admin.crt",
  adminKey: "admin.key",
  adminToken: "admin.token",
  kubeletClientCert: "client-kube-apiserver.crt",
  kubeletClientKey: "client-kube-apiserver.key",
} as const;

function writeAtomic(path: string, data: string, mode: number): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, path);
}

function readOptional(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, "utf8") : undefined;
}

/** Splits hosts into SAN kinds, normalised and de-duplicated (IPs by their bytes, DNS names case-insensitively). */
function classifyHosts(hosts: string[]): { dnsNames: string[]; ipAddresses: string[] } {
  const dnsNames = new Set<string>();
  const ipAddresses = new Set<string>();
  for (const raw of hosts) {
    const host = raw.trim().replace(/^\[(.*)\]$/, "$1");
    if (!host) continue;
    if (isIP(host)) ipAddresses.add(bytesToIp(ipToBytes(host) as Buffer) ?? host);
    else dnsNames.add(host.toLowerCase());
  }
  return { dnsNames: [...dnsNames], ipAddresses: [...ipAddresses] };
}

function needsRenewal(
  certPem: string | undefined,
  ca: X509Certificate,
  now: Date,
  lifetimeMs: number,
): boolean {
  if (!certPem) return true;
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    return true;
  }
  return !cert.verify(ca.publicKey) || dueForRenewal(certPem, now, lifetimeMs);
}

function keyMatches(certPem: string, keyPem: string | undefined): boolean {
  if (!keyPem) return false;
  try {
    return new X509Certificate(certPem).checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}

function covers(certPem: string, hosts: { dnsNames: string[]; ipAddresses: string[] }): boolean {
  const present = subjectAltNames(new X509Certificate(certPem));
  const dnsNames = new Set(present.dnsNames.map((name) => name.toLowerCase()));
  const ips = new Set(present.ipAddresses.map((ip) => ipToBytes(ip)?.toString("hex")));
  return (
    hosts.dnsNames.every((name) => dnsNames.has(name)) &&
    hosts.ipAddresses.every((ip) => ips.has(ipToBytes(ip)?.toString("hex")))
  );
}

/**
 * Creates the cluster's CA, serving certificate, admin client certificate and admin token in
 * `dir` on first start, and reuses them afterwards. The serving certificate is re-issued from
 * the same CA when it lacks a requested host or is close to expiry; the CA survives so that
 * existing kubeconfigs keep working.
 */
export function ensurePki(dir: string, opts: EnsurePkiOptions): Pki {
  const now = opts.now?.() ?? new Date();
  const lifetime = opts.leafLifetimeMs ?? LEAF_LIFETIME_MS;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const path = (name: keyof typeof FILES) => join(dir, FILES[name]);

  let caCertPem = readOptional(path("caCert"));
  let caKeyPem = readOptional(path("caKey"));
  if (caCertPem === undefined && caKeyPem === undefined) {
    const ca = createCa(`skiff-server-ca@${Math.floor(now.getTime() / 1000)}`, now);
    writeAtomic(path("caKey"), ca.keyPem, 0o600);
    writeAtomic(path("caCert"), ca.certPem, 0o644);
    ({ certPem: caCertPem, keyPem: caKeyPem } = ca);
  } else if (caCertPem === undefined || caKeyPem === undefined) {
    // Replacing half a CA would silently invalidate every credential it signed; make the operator choose.
    throw new Error(
      `pki: ${caCertPem === undefined ? path("caCert") : path("caKey")} is missing while its pair exists in ${dir}`,
    );
  } else if (!keyMatches(caCertPem, caKeyPem)) {
    throw new Error(`pki: ${path("caKey")} does not match ${path("caCert")}`);
  }
  const ca: KeyPairPem = { certPem: caCertPem, keyPem: caKeyPem };
  const caCert = new X509Certificate(caCertPem);

  const wanted = classifyHosts([...DEFAULT_HOSTS, ...opts.hosts]);
  let serverCertPem = readOptional(path("serverCert"));
  let serverKeyPem = readOptional(path("serverKey"));
  if (
    serverCertPem === undefined ||
    needsRenewal(serverCertPem, caCert, now, lifetime) ||
    !keyMatches(serverCertPem, serverKeyPem) ||
    !covers(serverCertPem, wanted)
  ) {
    // Keep names the old certificate served (as k3s's dynamiclistener does), so a host dropped
    // from the flags for one start does not break clients still using it.
    let previous = { dnsNames: [] as string[], ipAddresses: [] as string[] };
    if (serverCertPem !== undefined) {
      try {
        previous = subjectAltNames(new X509Certificate(serverCertPem));
      } catch {
        // unreadable: start afresh
      }
    }
    const sans = classifyHosts([
      ...wanted.dnsNames,
      ...wanted.ipAddresses,
      ...previous.dnsNames,
      ...previous.ipAddresses,
    ]);
    const server = issueLeaf(
      ca,
      { commonName: "kube-apiserver", usage: "serverAuth", ...sans },
      now,
      lifetime,
    );
    writeAtomic(path("serverKey"), server.keyPem, 0o600);
    writeAtomic(path("serverCert"), server.certPem, 0o644);
    ({ certPem: serverCertPem, keyPem: serverKeyPem } = server);
  }

  let adminCertPem = readOptional(path("adminCert"));
  let adminKeyPem = readOptional(path("adminKey"));
  if (
    adminCertPem === undefined ||
    needsRenewal(adminCertPem, caCert, now, lifetime) ||
    !keyMatches(adminCertPem, adminKeyPem)
  ) {
    const admin = issueLeaf(
      ca,
      { commonName: "system:admin", organizations: ["system:masters"], usage: "clientAuth" },
      now,
      lifetime,
    );
    writeAtomic(path("adminKey"), admin.keyPem, 0o600);
    writeAtomic(path("adminCert"), admin.certPem, 0o644);
    ({ certPem: adminCertPem, keyPem: adminKeyPem } = admin);
  }

  let kubeletClientCertPem = readOptional(path("kubeletClientCert"));
  let kubeletClientKeyPem = readOptional(path("kubeletClientKey"));
  if (
    kubeletClientCertPem === undefined ||
    needsRenewal(kubeletClientCertPem, caCert, now, lifetime) ||
    !keyMatches(kubeletClientCertPem, kubeletClientKeyPem)
  ) {
    // kubeadm's apiserver-kubelet-client: the identity kubelets accept for their API.
    const c = issueLeaf(
      ca,
      { commonName: "kube-apiserver-kubelet-client", organizations: ["system:masters"], usage: "clientAuth" },
      now,
      lifetime,
    );
    writeAtomic(path("kubeletClientKey"), c.keyPem, 0o600);
    writeAtomic(path("kubeletClientCert"), c.certPem, 0o644);
    ({ certPem: kubeletClientCertPem, keyPem: kubeletClientKeyPem } = c);
  }

  let adminToken = readOptional(path("adminToken"))?.trim();
  if (!adminToken) {
    adminToken = randomBytes(32).toString("hex");
    writeAtomic(path("adminToken"), `${adminToken}\n`, 0o600);
  }

  return {
    caCertPem,
    caKeyPem,
    serverCertPem,
    serverKeyPem: serverKeyPem as string,
    adminCertPem,
    adminKeyPem: adminKeyPem as string,
    adminToken,
    kubeletClientCertPem,
    kubeletClientKeyPem: kubeletClientKeyPem as string,
    leafLifetimeMs: lifetime,
  };
}

/** A client certificate signed by the cluster CA (one year), e.g. for a node or agent. */
export function issueClientCert(
  pki: Pki,
  cn: string,
  orgs: string[],
  now: Date = new Date(),
): { certPem: string; keyPem: string } {
  return issueLeaf(
    { certPem: pki.caCertPem, keyPem: pki.caKeyPem },
    { commonName: cn, organizations: orgs, usage: "clientAuth" },
    now,
    pki.leafLifetimeMs,
  );
}

export interface NodeCertRequest {
  nodeName: string;
  /** Addresses and names the kubelet's serving certificate must cover. */
  ips: string[];
  hostnames: string[];
  /** The node's own public keys (SPKI PEM); fresh key pairs are made for what is missing. */
  clientPublicKeyPem?: string;
  servingPublicKeyPem?: string;
}

/**
 * A node's identity (client certificate for system:node:NAME in system:nodes), its network
 * components' (system:kube-proxy) and the serving certificate of its kubelet API, all from the
 * cluster CA.
 */
export function issueNodeCerts(
  pki: Pki,
  req: NodeCertRequest,
  now: Date = new Date(),
): { client: KeyPairPem; network: KeyPairPem; serving: KeyPairPem } {
  const ca = { certPem: pki.caCertPem, keyPem: pki.caKeyPem };
  const key = (pem?: string) => (pem ? createPublicKey(pem) : undefined);
  const client = issueLeaf(
    ca,
    {
      commonName: `system:node:${req.nodeName}`,
      organizations: ["system:nodes"],
      usage: "clientAuth",
      publicKey: key(req.clientPublicKeyPem),
    },
    now,
    pki.leafLifetimeMs,
  );
  // The node's service proxy, DNS and Ingress controller act as kube-proxy does upstream, with the
  // same key as the kubelet (one machine, one key; k3s issues kube-proxy its own certificate too).
  const network = issueLeaf(
    ca,
    {
      commonName: "system:kube-proxy",
      organizations: ["system:skiff:node-network"],
      usage: "clientAuth",
      publicKey: req.clientPublicKeyPem ? key(req.clientPublicKeyPem) : createPublicKey(client.keyPem),
    },
    now,
    pki.leafLifetimeMs,
  );
  const sans = classifyHosts([...req.ips, ...req.hostnames, req.nodeName, "localhost", "127.0.0.1"]);
  const serving = issueLeaf(
    ca,
    { commonName: req.nodeName, usage: "serverAuth", ...sans, publicKey: key(req.servingPublicKeyPem) },
    now,
    pki.leafLifetimeMs,
  );
  return { client, network: { certPem: network.certPem, keyPem: client.keyPem }, serving };
}
