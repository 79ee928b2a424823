import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { caHash, parseJoinToken } from "../apiserver/node-join.ts";
import { X509Certificate } from "node:crypto";
import { dueForRenewal, newKeyPair } from "../apiserver/pki/index.ts";

/** What an agent keeps in DATA-DIR/agent: the cluster CA and its node's certificates. */
export interface NodeIdentity {
  ca: string;
  clientCert: string;
  clientKey: string;
  /** system:kube-proxy's, for the node's service proxy, DNS and Ingress controller (same key). */
  networkCert: string;
  servingCert: string;
  servingKey: string;
}

export class JoinError extends Error {}

function httpsCall(
  url: URL,
  opts: { method: string; ca?: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: opts.method,
        headers: opts.headers,
        // Before the CA is known it is fetched unverified, then checked against the token's hash.
        ...(opts.ca ? { ca: opts.ca } : { rejectUnauthorized: false }),
        timeout: 10_000,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
    req.end(opts.body);
  });
}

const files = {
  ca: "server-ca.crt",
  clientCert: "client-kubelet.crt",
  clientKey: "client-kubelet.key",
  networkCert: "client-kube-proxy.crt",
  servingCert: "serving-kubelet.crt",
  servingKey: "serving-kubelet.key",
} as const;

/**
 * The node identity for this agent: the one kept in its data dir when it was issued by this
 * server's CA for this node name, or a new one exchanged for the join token (k3s's flow: the CA
 * from /cacerts checked against the token's hash, then certificates for keys made here).
 */
export async function joinCluster(input: JoinInput): Promise<NodeIdentity> {
  const dir = input.agentDir;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const token = parseJoinToken(input.token);
  const base = new URL(input.server);
  let ca: string;
  try {
    const res = await httpsCall(new URL("/cacerts", base), { method: "GET" });
    if (res.status !== 200) throw new Error(`GET /cacerts answered ${res.status}`);
    ca = res.body;
  } catch (e) {
    throw new JoinError(`cannot reach the server at ${input.server}: ${(e as Error).message}`);
  }
  if (token.caHash && caHash(ca) !== token.caHash)
    throw new JoinError(
      `the server's CA does not match the join token's hash (${token.caHash.slice(0, 12)}…): wrong server or wrong token`,
    );
  const kept = readKept(dir, input.nodeName);
  if (kept && kept.ca === ca) return kept;
  return requestNodeCerts(input, ca);
}

export interface JoinInput {
  server: string;
  token: string;
  agentDir: string;
  nodeName: string;
  ips: string[];
  hostnames: string[];
}

/** New certificates for keys made here, signed for the join token's holder, kept in the agent dir. */
export async function requestNodeCerts(input: JoinInput, ca: string): Promise<NodeIdentity> {
  const dir = input.agentDir;
  const token = parseJoinToken(input.token);
  const base = new URL(input.server);
  const client = newKeyPair();
  const serving = newKeyPair();
  const res = await httpsCall(new URL("/v1-skiff/node-certs", base), {
    method: "POST",
    ca,
    headers: { authorization: `Bearer ${token.password}`, "content-type": "application/json" },
    body: JSON.stringify({
      nodeName: input.nodeName,
      ips: input.ips,
      hostnames: input.hostnames,
      clientPublicKey: client.publicKeyPem,
      servingPublicKey: serving.publicKeyPem,
    }),
  }).catch((e: unknown) => {
    throw new JoinError(`cannot reach the server at ${input.server}: ${(e as Error).message}`);
  });
  let answer: { message?: string; clientCert?: string; networkCert?: string; servingCert?: string };
  try {
    answer = JSON.parse(res.body) as typeof answer;
  } catch {
    answer = {};
  }
  if (res.status === 401) throw new JoinError(`the server refused the join token: ${answer.message ?? ""}`);
  if (res.status !== 200 || !answer.clientCert || !answer.networkCert || !answer.servingCert)
    throw new JoinError(
      `the server did not issue node certificates (${res.status}): ${answer.message ?? res.body}`,
    );
  const id: NodeIdentity = {
    ca,
    clientCert: answer.clientCert,
    clientKey: client.keyPem,
    networkCert: answer.networkCert,
    servingCert: answer.servingCert,
    servingKey: serving.keyPem,
  };
  for (const [k, f] of Object.entries(files))
    writeFileSync(join(dir, f), id[k as keyof NodeIdentity], { mode: 0o600 });
  writeFileSync(join(dir, "node-name"), input.nodeName, { mode: 0o600 });
  return id;
}

function readKept(dir: string, nodeName: string): NodeIdentity | undefined {
  const all = [...Object.values(files), "node-name"];
  if (!all.every((f) => existsSync(join(dir, f)))) return undefined;
  if (readFileSync(join(dir, "node-name"), "utf8") !== nodeName) return undefined;
  const r = (f: string) => readFileSync(join(dir, f), "utf8");
  // Certificates near their end (an agent that was down a long time) are asked for anew.
  const clientCert = r(files.clientCert);
  if (dueForRenewal(clientCert, new Date(), certLifetimeMs(clientCert))) return undefined;
  return {
    ca: r(files.ca),
    clientCert: r(files.clientCert),
    clientKey: r(files.clientKey),
    networkCert: r(files.networkCert),
    servingCert: r(files.servingCert),
    servingKey: r(files.servingKey),
  };
}

// Issued certificates start 5 minutes early (clock skew): their lifetime is what remains.
const BACKDATE_MS = 5 * 60 * 1000;

/** How long a certificate was issued for. */
export function certLifetimeMs(pem: string): number {
  try {
    const c = new X509Certificate(pem);
    return c.validToDate.getTime() - c.validFromDate.getTime() - BACKDATE_MS;
  } catch {
    return 0;
  }
}
