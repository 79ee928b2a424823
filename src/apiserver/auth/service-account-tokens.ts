// Service-account tokens: JWTs signed with the cluster's service-account key (ES256), as the
// TokenRequest API issues them and the token authenticator checks them (pkg/serviceaccount).
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomUUID,
  sign,
  verify,
  type KeyObject,
} from "node:crypto";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const DEFAULT_ISSUER = "https://kubernetes.default.svc.cluster.local";

export interface BoundRef {
  kind: string;
  name: string;
  uid: string;
}

export interface TokenClaims {
  aud: string[];
  exp: number;
  iat: number;
  iss: string;
  jti: string;
  nbf: number;
  sub: string;
  "kubernetes.io": {
    namespace: string;
    serviceaccount: { name: string; uid: string };
    pod?: { name: string; uid: string };
    secret?: { name: string; uid: string };
    node?: { name: string; uid: string };
  };
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString("base64url");

/** The signing key in DATA-DIR/tls/service.key (k3s's name), made on first start, mode 0600. */
export function ensureServiceAccountKey(tlsDir: string): KeyObject {
  const path = join(tlsDir, "service.key");
  if (existsSync(path)) return createPrivateKey(readFileSync(path));
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  writeFileSync(path, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
  chmodSync(path, 0o600);
  return privateKey;
}

export const LEGACY_ISSUER = "kubernetes/serviceaccount";

/** The claims of a legacy token (a `kubernetes.io/service-account-token` Secret's): no expiry. */
export interface LegacyClaims {
  iss: typeof LEGACY_ISSUER;
  sub: string;
  "kubernetes.io/serviceaccount/namespace": string;
  "kubernetes.io/serviceaccount/secret.name": string;
  "kubernetes.io/serviceaccount/service-account.name": string;
  "kubernetes.io/serviceaccount/service-account.uid": string;
}

export class ServiceAccountTokens {
  readonly issuer: string;
  private readonly key: KeyObject;
  private readonly publicKey: KeyObject;
  private readonly kid: string;

  constructor(key: KeyObject, issuer = DEFAULT_ISSUER) {
    this.key = key;
    this.issuer = issuer;
    this.publicKey = createPublicKey(key);
    this.kid = b64url(
      createHash("sha256")
        .update(this.publicKey.export({ type: "spki", format: "der" }))
        .digest(),
    );
  }

  /** The API server's own audience: tokens without another one are for it. */
  get apiAudiences(): string[] {
    return [this.issuer];
  }

  issue(opts: {
    namespace: string;
    serviceAccount: { name: string; uid: string };
    audiences: string[];
    expirationSeconds: number;
    now: Date;
    bound?: BoundRef;
  }): { token: string; claims: TokenClaims } {
    const iat = Math.floor(opts.now.getTime() / 1000);
    const claims: TokenClaims = {
      aud: opts.audiences,
      exp: iat + opts.expirationSeconds,
      iat,
      iss: this.issuer,
      jti: randomUUID(),
      "kubernetes.io": { namespace: opts.namespace, serviceaccount: opts.serviceAccount },
      nbf: iat,
      sub: `system:serviceaccount:${opts.namespace}:${opts.serviceAccount.name}`,
    };
    if (opts.bound) {
      const ref = { name: opts.bound.name, uid: opts.bound.uid };
      if (opts.bound.kind === "Pod") claims["kubernetes.io"].pod = ref;
      else if (opts.bound.kind === "Secret") claims["kubernetes.io"].secret = ref;
      else if (opts.bound.kind === "Node") claims["kubernetes.io"].node = ref;
    }
    const head = b64url(JSON.stringify({ alg: "ES256", kid: this.kid }));
    const body = b64url(JSON.stringify(claims));
    const sig = sign("sha256", Buffer.from(`${head}.${body}`), { key: this.key, dsaEncoding: "ieee-p1363" });
    return { token: `${head}.${body}.${b64url(sig)}`, claims };
  }

  /** The token the tokens controller writes into a service-account-token Secret. */
  issueLegacy(namespace: string, serviceAccount: { name: string; uid: string }, secretName: string): string {
    const claims: LegacyClaims = {
      iss: LEGACY_ISSUER,
      "kubernetes.io/serviceaccount/namespace": namespace,
      "kubernetes.io/serviceaccount/secret.name": secretName,
      "kubernetes.io/serviceaccount/service-account.name": serviceAccount.name,
      "kubernetes.io/serviceaccount/service-account.uid": serviceAccount.uid,
      sub: `system:serviceaccount:${namespace}:${serviceAccount.name}`,
    };
    return this.sign(claims);
  }

  private sign(claims: object): string {
    const head = b64url(JSON.stringify({ alg: "ES256", kid: this.kid }));
    const body = b64url(JSON.stringify(claims));
    const sig = sign("sha256", Buffer.from(`${head}.${body}`), { key: this.key, dsaEncoding: "ieee-p1363" });
    return `${head}.${body}.${b64url(sig)}`;
  }

  /** A legacy Secret token's claims when this cluster signed it; the caller checks the Secret still holds it. */
  verifyLegacy(token: string): LegacyClaims | undefined {
    // Most tokens are bound ones: the issuer, read unverified, spares them a second signature check.
    if (unverifiedIssuer(token) !== LEGACY_ISSUER) return undefined;
    const claims = this.signedClaims(token) as LegacyClaims | undefined;
    if (!claims || claims.iss !== LEGACY_ISSUER) return undefined;
    if (!claims["kubernetes.io/serviceaccount/secret.name"] || !claims.sub) return undefined;
    return claims;
  }

  private signedClaims(token: string): Record<string, unknown> | undefined {
    const parts = token.split(".");
    if (parts.length !== 3) return undefined;
    try {
      const head = JSON.parse(Buffer.from(parts[0]!, "base64url").toString()) as { alg?: string };
      if (head.alg !== "ES256") return undefined;
      const ok = verify(
        "sha256",
        Buffer.from(`${parts[0]}.${parts[1]}`),
        { key: this.publicKey, dsaEncoding: "ieee-p1363" },
        Buffer.from(parts[2]!, "base64url"),
      );
      return ok
        ? (JSON.parse(Buffer.from(parts[1]!, "base64url").toString()) as Record<string, unknown>)
        : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * The claims of a token this cluster signed that is valid now for one of `audiences`; otherwise
   * the reason, as the authenticator logs it (the client only sees 401).
   */
  verify(token: string, audiences: string[], now: Date): { claims: TokenClaims } | { error: string } {
    const parts = token.split(".");
    if (parts.length !== 3) return { error: "not a JWT" };
    let claims: TokenClaims;
    try {
      const head = JSON.parse(Buffer.from(parts[0]!, "base64url").toString()) as { alg?: string };
      if (head.alg !== "ES256") return { error: `unexpected signing algorithm ${head.alg}` };
      const ok = verify(
        "sha256",
        Buffer.from(`${parts[0]}.${parts[1]}`),
        { key: this.publicKey, dsaEncoding: "ieee-p1363" },
        Buffer.from(parts[2]!, "base64url"),
      );
      if (!ok) return { error: "invalid signature" };
      claims = JSON.parse(Buffer.from(parts[1]!, "base64url").toString()) as TokenClaims;
    } catch {
      return { error: "malformed token" };
    }
    if (claims.iss !== this.issuer) return { error: "token issued by another issuer" };
    const t = Math.floor(now.getTime() / 1000);
    if (typeof claims.exp !== "number" || claims.exp < t) return { error: "token has expired" };
    if (typeof claims.nbf === "number" && claims.nbf > t + 60) return { error: "token is not valid yet" };
    const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!aud.some((a) => audiences.includes(a)))
      return { error: "token audiences is invalid for the target audiences" };
    if (!claims["kubernetes.io"]?.serviceaccount?.name) return { error: "not a service account token" };
    return { claims };
  }
}

function unverifiedIssuer(token: string): unknown {
  const payload = token.split(".")[1];
  if (!payload) return undefined;
  try {
    return (JSON.parse(Buffer.from(payload, "base64url").toString()) as { iss?: unknown }).iss;
  } catch {
    return undefined;
  }
}
