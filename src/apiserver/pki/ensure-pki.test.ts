import { test } from "node:test";
import assert from "node:assert/strict";
import { X509Certificate, createPrivateKey } from "node:crypto";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensurePki, issueClientCert } from "./index.ts";

function tempDir(t: { after: (fn: () => void) => void }): string {
  const root = mkdtempSync(join(tmpdir(), "skiff-pki-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  return join(root, "tls");
}

const mode = (path: string) => statSync(path).mode & 0o777;
const DAY = 24 * 60 * 60 * 1000;

void test("first start creates a CA, serving and admin certificates that verify", (t) => {
  const dir = tempDir(t);
  const started = performance.now();
  const pki = ensurePki(dir, { hosts: ["10.43.0.1", "node-1.example.com", "192.168.5.9", "fd00:10:43::1"] });
  t.diagnostic(`first-start generation took ${(performance.now() - started).toFixed(1)} ms`);

  const ca = new X509Certificate(pki.caCertPem);
  assert.equal(ca.ca, true);
  assert.equal(ca.verify(ca.publicKey), true);
  assert.equal(ca.issuer, ca.subject);
  const caYears = (ca.validToDate.getTime() - ca.validFromDate.getTime()) / (365 * DAY);
  assert.ok(caYears > 9.9 && caYears < 10.1, `CA lifetime ${caYears} years`);

  const server = new X509Certificate(pki.serverCertPem);
  assert.equal(server.ca, false);
  assert.equal(server.verify(ca.publicKey), true);
  assert.equal(server.issuer, ca.subject);
  assert.equal(server.checkPrivateKey(createPrivateKey(pki.serverKeyPem)), true);
  const serverDays = (server.validToDate.getTime() - server.validFromDate.getTime()) / DAY;
  assert.ok(serverDays > 364 && serverDays < 366, `serving lifetime ${serverDays} days`);
  for (const host of [
    "localhost",
    "kubernetes",
    "kubernetes.default",
    "kubernetes.default.svc",
    "kubernetes.default.svc.cluster.local",
    "node-1.example.com",
  ]) {
    assert.equal(server.checkHost(host), host, host);
  }
  for (const ip of ["127.0.0.1", "::1", "10.43.0.1", "192.168.5.9", "fd00:10:43::1"]) {
    assert.equal(server.checkIP(ip), ip, ip);
  }
  assert.equal(server.checkHost("other.example.com"), undefined);
  assert.equal(server.checkIP("10.43.0.2"), undefined);
  assert.ok(server.keyUsage?.includes("1.3.6.1.5.5.7.3.1"), "serverAuth");

  const admin = new X509Certificate(pki.adminCertPem);
  assert.equal(admin.verify(ca.publicKey), true);
  assert.equal(admin.subject, "O=system:masters\nCN=system:admin");
  assert.deepEqual(admin.keyUsage, ["1.3.6.1.5.5.7.3.2"]);
  assert.equal(admin.checkPrivateKey(createPrivateKey(pki.adminKeyPem)), true);
  assert.match(pki.adminToken, /^[0-9a-f]{64}$/);

  // Serial numbers are random and positive (a leading 0x00 would show as an odd-length value).
  assert.notEqual(server.serialNumber, admin.serialNumber);
  assert.match(server.serialNumber, /^[0-7][0-9A-F]+$/);

  assert.equal(mode(dir), 0o700);
  for (const key of ["ca.key", "server.key", "admin.key", "admin.token"])
    assert.equal(mode(join(dir, key)), 0o600, key);
  assert.equal(readFileSync(join(dir, "admin.token"), "utf8").trim(), pki.adminToken);
  assert.equal(readFileSync(join(dir, "server.crt"), "utf8"), pki.serverCertPem);
});

void test("openssl accepts the chain and shows the extensions", (t) => {
  const dir = tempDir(t);
  ensurePki(dir, { hosts: ["10.43.0.1"] });
  const ca = join(dir, "ca.crt");
  const verified = execFileSync(
    "openssl",
    ["verify", "-CAfile", ca, join(dir, "server.crt"), join(dir, "admin.crt")],
    {
      encoding: "utf8",
    },
  );
  assert.match(verified, /server\.crt: OK/);
  assert.match(verified, /admin\.crt: OK/);
  // Purpose checks exercise extendedKeyUsage and keyUsage the way TLS peers do.
  execFileSync("openssl", ["verify", "-purpose", "sslserver", "-CAfile", ca, join(dir, "server.crt")]);
  execFileSync("openssl", ["verify", "-purpose", "sslclient", "-CAfile", ca, join(dir, "admin.crt")]);
  assert.throws(() =>
    execFileSync("openssl", ["verify", "-purpose", "sslserver", "-CAfile", ca, join(dir, "admin.crt")], {
      stdio: "pipe",
    }),
  );

  const text = (file: string) =>
    execFileSync("openssl", ["x509", "-text", "-noout", "-in", join(dir, file)], { encoding: "utf8" });
  const serverText = text("server.crt");
  assert.match(serverText, /Signature Algorithm: ecdsa-with-SHA256/);
  assert.match(serverText, /ASN1 OID: prime256v1/);
  assert.match(serverText, /X509v3 Key Usage: critical\s+Digital Signature/);
  assert.match(serverText, /X509v3 Basic Constraints: critical\s+CA:FALSE/);
  assert.match(serverText, /X509v3 Extended Key Usage:\s*\n\s+TLS Web Server Authentication\n/);
  assert.match(serverText, /DNS:kubernetes\.default\.svc\.cluster\.local/);
  assert.match(serverText, /IP Address:10\.43\.0\.1/);
  assert.match(serverText, /IP Address:0:0:0:0:0:0:0:1/);
  assert.match(serverText, /X509v3 Subject Key Identifier/);
  const aki = /X509v3 Authority Key Identifier:\s*\n\s+(?:keyid:)?([0-9A-F:]+)/.exec(serverText)?.[1];
  const caText = text("ca.crt");
  assert.match(caText, /X509v3 Basic Constraints: critical\s+CA:TRUE/);
  assert.match(caText, /X509v3 Key Usage: critical\s+Digital Signature, Certificate Sign, CRL Sign/);
  const caSki = /X509v3 Subject Key Identifier:\s*\n\s+([0-9A-F:]+)/.exec(caText)?.[1];
  assert.ok(aki && aki === caSki, `AKI ${aki} names the CA's SKI ${caSki}`);
  assert.match(text("admin.crt"), /Subject: O = system:masters, CN = system:admin/);
});

void test("a later start reuses everything", (t) => {
  const dir = tempDir(t);
  const first = ensurePki(dir, { hosts: ["10.43.0.1"] });
  const started = performance.now();
  const second = ensurePki(dir, { hosts: ["10.43.0.1"] });
  t.diagnostic(`reuse took ${(performance.now() - started).toFixed(1)} ms`);
  assert.deepEqual(second, first);
});

void test("a new host gets a new serving certificate from the same CA; the CA and admin credentials survive", (t) => {
  const dir = tempDir(t);
  const first = ensurePki(dir, { hosts: ["10.43.0.1", "old.example.com"] });
  const second = ensurePki(dir, { hosts: ["10.43.0.1", "203.0.113.7", "fd00::1"] });
  assert.equal(second.caCertPem, first.caCertPem);
  assert.equal(second.caKeyPem, first.caKeyPem);
  assert.equal(second.adminCertPem, first.adminCertPem);
  assert.equal(second.adminToken, first.adminToken);
  assert.notEqual(second.serverCertPem, first.serverCertPem);
  assert.notEqual(second.serverKeyPem, first.serverKeyPem);
  const server = new X509Certificate(second.serverCertPem);
  assert.equal(server.verify(new X509Certificate(first.caCertPem).publicKey), true);
  assert.equal(server.checkIP("203.0.113.7"), "203.0.113.7");
  // Names served before are kept, so clients using them keep working.
  assert.equal(server.checkHost("old.example.com"), "old.example.com");
  assert.equal(server.checkIP("10.43.0.1"), "10.43.0.1");
  assert.equal(readFileSync(join(dir, "server.crt"), "utf8"), second.serverCertPem);
  // The same host written differently is not a new host.
  const again = ensurePki(dir, {
    hosts: ["[fd00:0::1]", "OLD.Example.com", "0:0:0:0:0:0:0:1", "203.0.113.7"],
  });
  assert.equal(again.serverCertPem, second.serverCertPem);
});

void test("certificates close to expiry are renewed on start, the CA is not", (t) => {
  const dir = tempDir(t);
  const issued = new Date("2030-01-01T00:00:00Z");
  const first = ensurePki(dir, { hosts: [], now: () => issued });
  const stillFresh = ensurePki(dir, { hosts: [], now: () => new Date(issued.getTime() + 200 * DAY) });
  assert.deepEqual(stillFresh, first);
  const later = new Date(issued.getTime() + 300 * DAY);
  const renewed = ensurePki(dir, { hosts: [], now: () => later });
  assert.equal(renewed.caCertPem, first.caCertPem);
  assert.notEqual(renewed.serverCertPem, first.serverCertPem);
  assert.notEqual(renewed.adminCertPem, first.adminCertPem);
  assert.equal(renewed.adminToken, first.adminToken);
  assert.ok(new X509Certificate(renewed.serverCertPem).validToDate.getTime() > later.getTime() + 364 * DAY);
});

void test("a damaged or mismatched key is replaced; half a CA is refused", (t) => {
  const dir = tempDir(t);
  const first = ensurePki(dir, { hosts: [] });
  writeFileSync(join(dir, "server.key"), first.adminKeyPem);
  const repaired = ensurePki(dir, { hosts: [] });
  assert.equal(
    new X509Certificate(repaired.serverCertPem).checkPrivateKey(createPrivateKey(repaired.serverKeyPem)),
    true,
  );
  assert.equal(repaired.caCertPem, first.caCertPem);

  unlinkSync(join(dir, "ca.key"));
  assert.throws(() => ensurePki(dir, { hosts: [] }), /ca\.key is missing/);
  assert.equal(readFileSync(join(dir, "ca.crt"), "utf8"), first.caCertPem);
});

void test("client certificates for other identities are signed by the cluster CA", (t) => {
  const pki = ensurePki(tempDir(t), { hosts: [] });
  const { certPem, keyPem } = issueClientCert(pki, "system:node:worker-1", ["system:nodes", "team-a"]);
  const cert = new X509Certificate(certPem);
  assert.equal(cert.verify(new X509Certificate(pki.caCertPem).publicKey), true);
  assert.equal(cert.subject, "O=system:nodes\nO=team-a\nCN=system:node:worker-1");
  assert.deepEqual(cert.keyUsage, ["1.3.6.1.5.5.7.3.2"]);
  assert.equal(cert.checkPrivateKey(createPrivateKey(keyPem)), true);
});

void test("a shorter --cert-lifetime keeps k3s's share: renewed once less than 90/365 of it is left", (t) => {
  const dir = tempDir(t);
  const start = new Date("2026-01-01T00:00:00Z");
  const lifetime = 365 * 1000;
  const first = ensurePki(dir, { hosts: [], leafLifetimeMs: lifetime, now: () => start });
  assert.equal(new X509Certificate(first.serverCertPem).validToDate.getTime(), start.getTime() + lifetime);
  const at = (ms: number) =>
    ensurePki(dir, { hosts: [], leafLifetimeMs: lifetime, now: () => new Date(start.getTime() + ms) });
  // 100 s left of 365: kept. 80 s left: every leaf renewed, the CA kept.
  const kept = at(265_000);
  assert.equal(kept.serverCertPem, first.serverCertPem);
  assert.equal(kept.adminCertPem, first.adminCertPem);
  const renewed = at(285_000);
  assert.notEqual(renewed.serverCertPem, first.serverCertPem);
  assert.notEqual(renewed.adminCertPem, first.adminCertPem);
  assert.notEqual(renewed.kubeletClientCertPem, first.kubeletClientCertPem);
  assert.equal(renewed.caCertPem, first.caCertPem);
  assert.equal(mode(join(dir, "admin.key")), 0o600);
});
