import { test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { ServiceAccountTokens } from "./service-account-tokens.ts";

const key = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
const tokens = new ServiceAccountTokens(key);
const now = new Date("2026-12-07T00:00:00Z");
const issue = (over: Partial<Parameters<ServiceAccountTokens["issue"]>[0]> = {}) =>
  tokens.issue({
    namespace: "default",
    serviceAccount: { name: "sa", uid: "u1" },
    audiences: tokens.apiAudiences,
    expirationSeconds: 3600,
    now,
    ...over,
  });

test("a token carries upstream's claims and verifies for its audience until it expires", () => {
  const { token, claims } = issue({ bound: { kind: "Pod", name: "p", uid: "pu" } });
  assert.equal(claims.sub, "system:serviceaccount:default:sa");
  assert.equal(claims.iss, "https://kubernetes.default.svc.cluster.local");
  assert.deepEqual(claims["kubernetes.io"].pod, { name: "p", uid: "pu" });
  assert.equal(claims.exp - claims.iat, 3600);
  assert.ok("claims" in tokens.verify(token, tokens.apiAudiences, now));
  const later = new Date(now.getTime() + 3601_000);
  assert.deepEqual(tokens.verify(token, tokens.apiAudiences, later), { error: "token has expired" });
});

test("another audience, another key, or a changed payload do not verify", () => {
  const { token } = issue({ audiences: ["https://vault"] });
  assert.ok("error" in tokens.verify(token, tokens.apiAudiences, now));
  assert.ok("claims" in tokens.verify(token, ["https://vault"], now));
  const other = new ServiceAccountTokens(generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey);
  assert.deepEqual(other.verify(issue().token, other.apiAudiences, now), { error: "invalid signature" });
  const [h, , s] = issue().token.split(".");
  const body = Buffer.from(JSON.stringify({ sub: "system:admin" })).toString("base64url");
  assert.deepEqual(tokens.verify(`${h}.${body}.${s}`, tokens.apiAudiences, now), {
    error: "invalid signature",
  });
  assert.deepEqual(tokens.verify("abc", tokens.apiAudiences, now), { error: "not a JWT" });
});
