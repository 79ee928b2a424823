// Real TLS handshakes with the generated material: Node's https client and the real kubectl.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { promisify } from "node:util";
import { clientIdentity, ensurePki, issueClientCert, writeKubeconfig, type Pki } from "./index.ts";

const KUBECTL = "/usr/lib/google-cloud-sdk/bin/kubectl.1.32";
const VERSION = { major: "1", minor: "32", gitVersion: "v1.32.0" };

interface Seen {
  authorized: boolean;
  identity?: { user: string; groups: string[] };
  token?: string;
}

function startServer(pki: Pki, host: string): Promise<{ server: Server; url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer(
    {
      cert: pki.serverCertPem,
      key: pki.serverKeyPem,
      ca: pki.caCertPem,
      requestCert: true,
      rejectUnauthorized: false,
    },
    (req, res) => {
      const socket = req.socket as TLSSocket;
      const authorized = socket.authorized;
      const identity = authorized ? clientIdentity(socket.getPeerCertificate()) : undefined;
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
      seen.push({ authorized, identity, token });
      if (!identity && token !== pki.adminToken) {
        res.writeHead(401, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            kind: "Status",
            apiVersion: "v1",
            status: "Failure",
            message: "Unauthorized",
            reason: "Unauthorized",
            code: 401,
          }),
        );
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(VERSION));
    },
  );
  return new Promise((resolve) => {
    server.listen(0, host, () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, url: `https://${host.includes(":") ? `[${host}]` : host}:${port}`, seen });
    });
  });
}

function get(url: string, options: { ca: string; cert?: string; key?: string; servername?: string }) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(`${url}/version`, options, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

async function kubectl(kubeconfig: string, home: string) {
  const { stdout } = await promisify(execFile)(
    KUBECTL,
    ["--kubeconfig", kubeconfig, "get", "--raw", "/version"],
    {
      env: { PATH: process.env.PATH, HOME: home },
      encoding: "utf8",
    },
  );
  return stdout;
}

function setup(t: { after: (fn: () => void) => void }) {
  const root = mkdtempSync(join(tmpdir(), "skiff-tls-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  return { root, pki: ensurePki(join(root, "tls"), { hosts: ["10.43.0.1"] }) };
}

void test("a client certificate from the cluster CA is verified and names its user and groups", async (t) => {
  const { pki } = setup(t);
  const { server, url, seen } = await startServer(pki, "127.0.0.1");
  t.after(() => server.close());

  const admin = await get(url, { ca: pki.caCertPem, cert: pki.adminCertPem, key: pki.adminKeyPem });
  assert.equal(admin.status, 200);
  assert.deepEqual(seen.at(-1), {
    authorized: true,
    identity: { user: "system:admin", groups: ["system:masters"] },
    token: undefined,
  });

  const node = issueClientCert(pki, "system:node:worker-1", ["system:nodes", "team-a"]);
  await get(url, { ca: pki.caCertPem, cert: node.certPem, key: node.keyPem });
  assert.deepEqual(seen.at(-1)?.identity, {
    user: "system:node:worker-1",
    groups: ["system:nodes", "team-a"],
  });

  const anonymous = await get(url, { ca: pki.caCertPem });
  assert.equal(anonymous.status, 401);
  assert.equal(seen.at(-1)?.authorized, false);

  // A certificate from some other CA does not pass as authenticated.
  const { pki: foreign } = setup(t);
  const forged = await get(url, { ca: pki.caCertPem, cert: foreign.adminCertPem, key: foreign.adminKeyPem });
  assert.equal(forged.status, 401);
  assert.equal(seen.at(-1)?.authorized, false);
});

void test("the serving certificate is valid for the in-cluster names", async (t) => {
  const { pki } = setup(t);
  const { server, url } = await startServer(pki, "127.0.0.1");
  t.after(() => server.close());
  for (const servername of ["kubernetes.default.svc", "localhost"]) {
    const res = await get(url, {
      ca: pki.caCertPem,
      servername,
      cert: pki.adminCertPem,
      key: pki.adminKeyPem,
    });
    assert.equal(res.status, 200, servername);
  }
  await assert.rejects(get(url, { ca: pki.caCertPem, servername: "elsewhere.example.com" }), /altnames/);
});

void test("the real kubectl talks to the server with the admin kubeconfig", async (t) => {
  const { root, pki } = setup(t);
  for (const host of ["127.0.0.1", "::1"]) {
    const { server, url, seen } = await startServer(pki, host);
    t.after(() => server.close());
    const kubeconfig = join(root, `admin-${host.replace(/\W/g, "")}.yaml`);
    writeKubeconfig(kubeconfig, 0o600, { server: url, pki });
    assert.deepEqual(JSON.parse(await kubectl(kubeconfig, root)), VERSION);
    assert.deepEqual(seen.at(-1)?.identity, { user: "system:admin", groups: ["system:masters"] });
  }
});

void test("the real kubectl talks to the server with the admin bearer token", async (t) => {
  const { root, pki } = setup(t);
  const { server, url, seen } = await startServer(pki, "127.0.0.1");
  t.after(() => server.close());
  const kubeconfig = join(root, "token.yaml");
  const b64 = Buffer.from(pki.caCertPem).toString("base64");
  const write = (token: string) =>
    writeFileSync(
      kubeconfig,
      [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        `- name: default\n  cluster:\n    server: ${url}\n    certificate-authority-data: ${b64}`,
        "users:",
        `- name: default\n  user:\n    token: ${token}`,
        "contexts:",
        "- name: default\n  context:\n    cluster: default\n    user: default",
        "current-context: default",
        "",
      ].join("\n"),
    );
  write(pki.adminToken);
  assert.deepEqual(JSON.parse(await kubectl(kubeconfig, root)), VERSION);
  assert.equal(seen.at(-1)?.token, pki.adminToken);
  assert.equal(seen.at(-1)?.authorized, false);

  write("wrong-token");
  await assert.rejects(kubectl(kubeconfig, root), /You must be logged in to the server/);
});
