import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";
import { clientIdentity } from "./pki/index.ts";
import type { UserInfo } from "./registry/strategy.ts";

/** Bearer tokens and the users they stand for (the admin token, later node tokens). */
export class TokenAuthenticator {
  // By the token's digest, so a lookup is one map access and one constant-time comparison.
  private readonly tokens = new Map<string, { token: Buffer; user: UserInfo }>();

  add(token: string, user: UserInfo): void {
    this.tokens.set(digest(token), { token: Buffer.from(token), user });
  }

  lookup(token: string): UserInfo | undefined {
    const hit = this.tokens.get(digest(token));
    if (!hit) return undefined;
    const candidate = Buffer.from(token);
    return hit.token.length === candidate.length && timingSafeEqual(hit.token, candidate)
      ? hit.user
      : undefined;
  }
}

const digest = (token: string) => createHash("sha256").update(token).digest("base64");

/**
 * kube-apiserver's --token-auth-file: CSV lines `token,user,uid,"group1,group2"` (groups optional).
 * Throws with the line number on a malformed line, as upstream refuses to start.
 */
export function parseTokenFile(text: string): Array<{ token: string; user: UserInfo & { uid: string } }> {
  const out: Array<{ token: string; user: UserInfo & { uid: string } }> = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    const cells = csvCells(line);
    if (cells.length < 3)
      throw new Error(
        `token file: line ${i + 1}: must have at least 3 columns (token, user name, user uid), found ${cells.length}`,
      );
    const [token = "", name = "", uid = "", groups = ""] = cells.map((c) => c.trim());
    if (!token) throw new Error(`token file: line ${i + 1}: token must not be empty`);
    out.push({
      token,
      user: {
        name,
        uid,
        groups: groups
          ? groups
              .split(",")
              .map((g) => g.trim())
              .filter(Boolean)
          : [],
      },
    });
  });
  return out;
}

function csvCells(line: string): string[] {
  const cells: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      cells.push(cur);
      cur = "";
    } else cur += c;
  }
  cells.push(cur);
  return cells;
}

// A connection's certificate never changes, so its identity is read once per connection.
const certIdentities = new WeakMap<object, { user: UserInfo | null; notAfter: number }>();

/** Who sent this request: a verified client certificate or a known bearer token. */
export function authenticate(req: IncomingMessage, tokens: TokenAuthenticator): UserInfo | undefined {
  const auth = req.headers.authorization;
  if (auth && /^bearer /i.test(auth)) {
    const user = tokens.lookup(auth.slice(7).trim());
    if (user) return { ...user, groups: [...user.groups, "system:authenticated"] };
    return undefined;
  }
  const socket = req.socket as TLSSocket;
  if (!socket.authorized) return undefined;
  let seen = certIdentities.get(socket);
  if (seen === undefined) {
    const cert = socket.getPeerCertificate();
    const id = clientIdentity(cert);
    seen = {
      user: id ? { name: id.user, groups: [...id.groups, "system:authenticated"] } : null,
      notAfter: Date.parse(cert.valid_to) || 0,
    };
    certIdentities.set(socket, seen);
  }
  // Upstream verifies the certificate at every request: one that expired on an open connection
  // no longer authenticates (a rotated client reconnects with its new one).
  if (Date.now() > seen.notAfter) return undefined;
  return seen.user ?? undefined;
}
