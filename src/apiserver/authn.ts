import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";
import { clientIdentity } from "./pki/index.ts";
import type { UserInfo } from "./registry/strategy.ts";

/** Bearer tokens and the users they stand for (the admin token, later node tokens). */
export class TokenAuthenticator {
  private readonly tokens = new Map<string, UserInfo>();

  add(token: string, user: UserInfo): void {
    this.tokens.set(token, user);
  }

  lookup(token: string): UserInfo | undefined {
    const candidate = Buffer.from(token);
    for (const [t, user] of this.tokens) {
      const known = Buffer.from(t);
      if (known.length === candidate.length && timingSafeEqual(known, candidate)) return user;
    }
    return undefined;
  }
}

// A connection's certificate never changes, so its identity is read once per connection.
const certIdentities = new WeakMap<object, UserInfo | null>();

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
  let user = certIdentities.get(socket);
  if (user === undefined) {
    const id = clientIdentity(socket.getPeerCertificate());
    user = id ? { name: id.user, groups: [...id.groups, "system:authenticated"] } : null;
    certIdentities.set(socket, user);
  }
  return user ?? undefined;
}
