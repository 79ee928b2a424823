import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { isIP } from "node:net";
import { readBody } from "./http/body.ts";
import { issueNodeCerts, type Pki } from "./pki/index.ts";

/** The CA's fingerprint as a join token carries it (k3s: "K10" + sha256 of the CA bundle). */
export function caHash(caPem: string): string {
  return createHash("sha256").update(caPem).digest("hex");
}

export interface JoinToken {
  caHash?: string;
  password: string;
}

/** Parses "K10<ca-hash>::<user>:<password>" or a bare password (k3s's token formats). */
export function parseJoinToken(token: string): JoinToken {
  const t = token.trim();
  const m = /^K10([0-9a-f]{64})::[^:]+:(.+)$/.exec(t);
  return m ? { caHash: m[1], password: m[2] } : { password: t };
}

/** DATA-DIR/token: made on first start (mode 0600), as k3s writes server/token. */
export function ensureJoinToken(file: string, caPem: string): string {
  if (existsSync(file)) {
    const t = readFileSync(file, "utf8").trim();
    if (t) return t;
  }
  const token = `K10${caHash(caPem)}::server:${randomBytes(16).toString("hex")}`;
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return token;
}

const joinPaths = new Set(["/cacerts", "/v1-skiff/node-certs"]);

export function isJoinPath(path: string): boolean {
  return joinPaths.has(path);
}

function json(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

/**
 * How an agent joins: GET /cacerts answers the CA (the agent checks it against the token's hash),
 * POST /v1-skiff/node-certs, with the token's password, signs the node's identity and its kubelet's
 * serving certificate for the public keys the agent made (the private keys never leave it).
 */
export async function handleNodeJoin(
  pki: Pki,
  token: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const path = (req.url ?? "/").split("?")[0];
  if (path === "/cacerts") {
    res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": Buffer.byteLength(pki.caCertPem) });
    res.end(pki.caCertPem);
    return;
  }
  if (req.method !== "POST") return json(res, 405, { message: "use POST" });
  const auth = String(req.headers.authorization ?? "");
  const given = Buffer.from(auth.replace(/^Bearer\s+/i, ""));
  const want = Buffer.from(parseJoinToken(token).password);
  if (given.length !== want.length || !timingSafeEqual(given, want))
    return json(res, 401, { message: "the join token is not valid for this server" });
  let body: {
    nodeName?: string;
    ips?: string[];
    hostnames?: string[];
    clientPublicKey?: string;
    servingPublicKey?: string;
  };
  try {
    body = JSON.parse((await readBody(req)).toString()) as typeof body;
  } catch {
    return json(res, 400, { message: "the request body must be JSON" });
  }
  const name = String(body.nodeName ?? "");
  if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(name))
    return json(res, 400, {
      message: `invalid node name "${name}": a lowercase RFC 1123 subdomain is required`,
    });
  const ips = (body.ips ?? []).filter((ip) => isIP(ip));
  try {
    const { client, network, serving } = issueNodeCerts(pki, {
      nodeName: name,
      ips,
      hostnames: body.hostnames ?? [],
      clientPublicKeyPem: body.clientPublicKey,
      servingPublicKeyPem: body.servingPublicKey,
    });
    json(res, 200, {
      ca: pki.caCertPem,
      clientCert: client.certPem,
      networkCert: network.certPem,
      servingCert: serving.certPem,
    });
  } catch (e) {
    json(res, 400, { message: `the public keys could not be read: ${(e as Error).message}` });
  }
}
