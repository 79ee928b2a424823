import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import type { KObject } from "../../apimachinery/meta.ts";
import { createCa } from "../../apiserver/pki/issue.ts";
import { RecordingClient } from "../../client/fake-client.ts";
import { FakeInformer } from "../../client/fake-informer.ts";
import { silentLogger } from "../../util/logger.ts";
import { IngressController, tlsSecretProblem } from "./ingress-controller.ts";

const skiffClass: KObject = {
  metadata: { name: "skiff" },
  spec: { controller: "skiff.dev/ingress-controller" },
};
const node = (name: string, ip: string, ready = true): KObject => ({
  metadata: { name },
  status: {
    conditions: [{ type: "Ready", status: ready ? "True" : "False" }],
    addresses: [{ type: "InternalIP", address: ip }],
  },
});
const ing = (name: string, spec: unknown): KObject => ({
  metadata: { namespace: "default", name },
  spec: spec as Record<string, unknown>,
});
const b64 = (s: string) => Buffer.from(s).toString("base64");

function setup(ingresses: KObject[], secrets: KObject[] = []) {
  const client = new RecordingClient();
  for (const i of ingresses)
    client.objects.set(`networking.k8s.io/ingresses/default/${i.metadata!.name}`, structuredClone(i));
  const events: string[] = [];
  const c = new IngressController({
    client,
    ingresses: new FakeInformer(ingresses),
    classes: new FakeInformer([skiffClass]),
    services: new FakeInformer([
      { metadata: { namespace: "default", name: "kubia" }, spec: { ports: [{ name: "http", port: 80 }] } },
    ]),
    secrets: new FakeInformer(secrets),
    nodes: new FakeInformer([
      node("b", "10.99.6.3"),
      node("a", "10.99.6.2"),
      node("down", "10.99.6.4", false),
    ]),
    logger: silentLogger,
    recorder: { event: (_o, type, reason, message) => events.push(`${type} ${reason} ${message}`) },
  });
  return { client, c, events };
}

const rule = (name: string, port: { number?: number; name?: string }) => ({
  rules: [
    { host: "h", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name, port } } }] } },
  ],
});

describe("IngressController", () => {
  test("an Ingress of the skiff class gets the Ready nodes' addresses in its status", async () => {
    const { client, c, events } = setup([
      ing("kubia", { ingressClassName: "skiff", ...rule("kubia", { name: "http" }) }),
    ]);
    await c.sync("default/kubia");
    const [patch] = client.actions("patch", "ingresses").map((a) => a.body as any);
    assert.deepEqual(patch.status.loadBalancer.ingress, [{ ip: "10.99.6.2" }, { ip: "10.99.6.3" }]);
    assert.deepEqual(events, []);
  });

  test("an Ingress of another class is left alone", async () => {
    const { client, c } = setup([
      ing("other", { ingressClassName: "nginx", ...rule("kubia", { number: 80 }) }),
    ]);
    await c.sync("default/other");
    assert.equal(client.actions("patch", "ingresses").length, 0);
  });

  test("a missing service, a missing port and a missing secret are reported once each", async () => {
    const { c, events } = setup([
      ing("bad", {
        ingressClassName: "skiff",
        tls: [{ hosts: ["h"], secretName: "nosecret" }],
        rules: [
          {
            host: "h",
            http: {
              paths: [
                {
                  path: "/a",
                  pathType: "Prefix",
                  backend: { service: { name: "nosuch", port: { number: 80 } } },
                },
                {
                  path: "/b",
                  pathType: "Prefix",
                  backend: { service: { name: "kubia", port: { number: 81 } } },
                },
              ],
            },
          },
        ],
      }),
    ]);
    await c.sync("default/bad");
    await c.sync("default/bad");
    assert.deepEqual(events, [
      'Warning BadConfig service "default/nosuch" not found',
      'Warning BadConfig service "default/kubia" has no port 81',
      'Warning BadConfig secret "default/nosecret" not found',
    ]);
  });

  test("a TLS secret must be of its type, hold both keys, and its key must fit its certificate", () => {
    const a = createCa("a.example.com", new Date());
    const other = createCa("b.example.com", new Date());
    const secret = (type: string, data: Record<string, string>): KObject =>
      ({ metadata: { namespace: "default", name: "s" }, type, data }) as KObject;
    const good = secret("kubernetes.io/tls", { "tls.crt": b64(a.certPem), "tls.key": b64(a.keyPem) });
    assert.equal(tlsSecretProblem(good, "default/s"), undefined);
    assert.match(tlsSecretProblem(secret("Opaque", {}), "default/s") ?? "", /of type "Opaque"/);
    assert.match(
      tlsSecretProblem(secret("kubernetes.io/tls", { "tls.crt": b64(a.certPem) }), "default/s") ?? "",
      /no tls.crt or no tls.key/,
    );
    assert.match(
      tlsSecretProblem(
        secret("kubernetes.io/tls", { "tls.crt": b64(a.certPem), "tls.key": b64(other.keyPem) }),
        "default/s",
      ) ?? "",
      /tls.key does not match tls.crt/,
    );
    assert.match(
      tlsSecretProblem(
        secret("kubernetes.io/tls", { "tls.crt": b64("junk"), "tls.key": b64(a.keyPem) }),
        "default/s",
      ) ?? "",
      /is not a valid TLS secret/,
    );
  });

  test("an RSA key and certificate as openssl makes them pass", (t) => {
    const dir = mkdtempSync(join(tmpdir(), "skiff-tls-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    execFileSync("openssl", ["genrsa", "-out", join(dir, "k"), "2048"], { stdio: "ignore" });
    execFileSync(
      "openssl",
      ["req", "-new", "-x509", "-key", join(dir, "k"), "-out", join(dir, "c"), "-subj", "/CN=x"],
      {
        stdio: "ignore",
      },
    );
    const s = {
      metadata: { namespace: "default", name: "s" },
      type: "kubernetes.io/tls",
      data: {
        "tls.crt": b64(readFileSync(join(dir, "c"), "utf8")),
        "tls.key": b64(readFileSync(join(dir, "k"), "utf8")),
      },
    } as KObject;
    assert.equal(tlsSecretProblem(s, "default/s"), undefined);
  });
});
