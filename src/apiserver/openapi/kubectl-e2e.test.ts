// The real kubectl against a bare HTTP server that serves only /version, aggregated discovery
// and this module's OpenAPI v3: explain reads our schemas, and create -f turns on
// server-side field validation (fieldValidation=Strict) and shows our 400 for unknown fields.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { servedGroupVersions } from "../../api/resources.ts";
import { fieldValidationError, openApiV3DocumentJson, openApiV3Root, unknownFields } from "./index.ts";
import { KUBIA_REPLICASET } from "../../../test/support/book.ts";

const KUBECTL = "/usr/lib/google-cloud-sdk/bin/kubectl.1.32";
const DISCOVERY_TYPE = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

function aggregatedDiscovery(core: boolean): object {
  const groups = new Map<string, object[]>();
  for (const gv of servedGroupVersions()) {
    if ((gv.group === "") !== core) continue;
    const versions = groups.get(gv.group) ?? [];
    groups.set(gv.group, versions);
    versions.push({
      version: gv.version,
      freshness: "Current",
      resources: gv.resources.map(({ info }) => ({
        resource: info.resource,
        responseKind: { group: gv.group, version: gv.version, kind: info.kind },
        scope: info.namespaced ? "Namespaced" : "Cluster",
        singularResource: info.singular,
        verbs: info.verbs,
        shortNames: info.shortNames,
        categories: info.categories,
      })),
    });
  }
  return {
    kind: "APIGroupDiscoveryList",
    apiVersion: "apidiscovery.k8s.io/v2",
    metadata: {},
    items: [...groups].map(([name, versions]) => ({ metadata: { name }, versions })),
  };
}

interface Recorded {
  method: string;
  url: string;
  body: string;
}

function send(res: ServerResponse, code: number, type: string, body: string): void {
  res.writeHead(code, { "Content-Type": type, "Content-Length": Buffer.byteLength(body) });
  res.end(body);
}

function handle(req: IncomingMessage, res: ServerResponse, body: string, log: Recorded[]): void {
  const url = new URL(req.url ?? "/", "http://x");
  log.push({ method: req.method ?? "", url: req.url ?? "", body });
  const p = url.pathname;
  if (p === "/version")
    return send(
      res,
      200,
      "application/json",
      JSON.stringify({ major: "1", minor: "32", gitVersion: "v1.32.0" }),
    );
  if (p === "/api" || p === "/apis")
    return send(res, 200, DISCOVERY_TYPE, JSON.stringify(aggregatedDiscovery(p === "/api")));
  if (p === "/openapi/v3") return send(res, 200, "application/json", JSON.stringify(openApiV3Root()));
  if (p.startsWith("/openapi/v3/")) {
    const d = openApiV3DocumentJson(p.slice("/openapi/v3/".length));
    return d ? send(res, 200, "application/json", d.json) : send(res, 404, "text/plain", "not found");
  }
  if (req.method === "POST" && /^\/(api\/v1|apis\/[^/]+\/[^/]+)\/namespaces\/[^/]+\/[^/]+$/.test(p)) {
    const obj = JSON.parse(body) as { apiVersion: string; kind: string };
    const [group, version] = obj.apiVersion.includes("/") ? obj.apiVersion.split("/") : ["", obj.apiVersion];
    if (url.searchParams.get("fieldValidation") === "Strict") {
      const fields = unknownFields(group, version, obj.kind, obj);
      if (fields.length) {
        const status = fieldValidationError(fields, { kind: obj.kind, version }).toStatus();
        return send(res, 400, "application/json", JSON.stringify(status));
      }
    }
    return send(res, 201, "application/json", body);
  }
  send(
    res,
    404,
    "application/json",
    JSON.stringify({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      reason: "NotFound",
      code: 404,
    }),
  );
}

describe(
  "kubectl 1.32 against the OpenAPI v3 documents",
  { skip: !existsSync(KUBECTL) && `${KUBECTL} is not installed` },
  () => {
    let server: Server;
    let port: number;
    let home: string;
    const log: Recorded[] = [];

    before(async () => {
      home = mkdtempSync(join(tmpdir(), "skiff-openapi-e2e-"));
      writeFileSync(join(home, "kubeconfig"), "");
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => handle(req, res, Buffer.concat(chunks).toString("utf8"), log));
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      port = (server.address() as AddressInfo).port;
    });

    after(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(home, { recursive: true, force: true });
    });

    const kubectl = (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
      new Promise((resolve) => {
        execFile(
          KUBECTL,
          [`--server=http://127.0.0.1:${port}`, `--cache-dir=${join(home, "cache")}`, ...args],
          {
            env: { PATH: process.env.PATH ?? "", HOME: home, KUBECONFIG: join(home, "kubeconfig") },
            timeout: 60_000,
          },
          (err, stdout, stderr) =>
            resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }),
        );
      });

    it("explain pods.spec.containers prints the field documentation", async () => {
      const r = await kubectl(["explain", "pods.spec.containers"]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /KIND:\s+Pod/);
      assert.match(r.stdout, /FIELD:\s+containers <\[\]Container>/);
      assert.match(r.stdout, /FIELDS:/);
      assert.match(r.stdout, /\n {2}image\s+<string>/);
      assert.match(r.stdout, /\n {2}name\s+<string> -required-/);
      assert.match(r.stdout, /\n {2}ports\s+<\[\]ContainerPort>/);
    });

    it("explain deployment.spec --recursive walks the whole tree", async () => {
      const r = await kubectl(["explain", "deployment.spec", "--recursive"]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /GROUP:\s+apps/);
      assert.match(r.stdout, /VERSION:\s+v1/);
      assert.match(r.stdout, /maxSurge\s+<IntOrString>/);
      assert.match(r.stdout, /containers\s+<\[\]Container> -required-/);
      assert.match(r.stdout, /resources\s+<ResourceRequirements>/);
    });

    it("explain reads a legacy group-version (extensions/v1beta1 Ingress)", async () => {
      const r = await kubectl([
        "explain",
        "ingress.spec.rules.http.paths.backend",
        "--api-version=extensions/v1beta1",
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /serviceName\s+<string>/);
      assert.match(r.stdout, /servicePort\s+<IntOrString>/);
    });

    it("create -f sends fieldValidation=Strict and prints upstream's error for an unknown field", async () => {
      const manifest = join(home, "pod.yaml");
      writeFileSync(
        manifest,
        [
          "apiVersion: v1",
          "kind: Pod",
          "metadata:",
          "  name: kubia-manual",
          "spec:",
          "  foo: 1",
          "  containers:",
          "  - name: kubia",
          "    image: luksa/kubia",
          "    bar: 2",
          "",
        ].join("\n"),
      );
      const r = await kubectl(["create", "-f", manifest]);
      const post = log.find((x) => x.method === "POST");
      assert.ok(post, "kubectl never POSTed");
      assert.match(post.url, /^\/api\/v1\/namespaces\/default\/pods\?.*fieldValidation=Strict/);
      assert.notEqual(r.code, 0);
      assert.equal(
        r.stderr.trim(),
        `Error from server (BadRequest): error when creating "${manifest}": Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers[0].bar", unknown field "spec.foo"`,
      );
    });

    it("apply -f of Kubernetes in Action manifests in apps/v1beta2 and extensions/v1beta1 validates", async () => {
      const manifest = join(home, "kia.yaml");
      writeFileSync(
        manifest,
        `${KUBIA_REPLICASET}---
apiVersion: extensions/v1beta1
kind: Ingress
metadata:
  name: kubia
spec:
  tls:
  - hosts:
    - kubia.example.com
    secretName: tls-secret
  rules:
  - host: kubia.example.com
    http:
      paths:
      - path: /
        backend:
          serviceName: kubia-nodeport
          servicePort: 80
`,
      );
      const r = await kubectl(["apply", "-f", manifest]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /replicaset.apps\/kubia created/);
      assert.match(r.stdout, /ingress.extensions\/kubia created/);
      const posts = log.filter((x) => x.method === "POST").map((x) => x.url);
      assert.ok(
        posts.some(
          (u) =>
            u.startsWith("/apis/apps/v1beta2/namespaces/default/replicasets?") &&
            u.includes("fieldValidation=Strict"),
        ),
        posts.join("\n"),
      );
      assert.ok(
        posts.some(
          (u) =>
            u.startsWith("/apis/extensions/v1beta1/namespaces/default/ingresses?") &&
            u.includes("fieldValidation=Strict"),
        ),
        posts.join("\n"),
      );
    });

    it("apply -f of an extensions/v1beta1 Ingress with a misspelled backend field is refused", async () => {
      const manifest = join(home, "bad-ingress.yaml");
      writeFileSync(
        manifest,
        [
          "apiVersion: extensions/v1beta1",
          "kind: Ingress",
          "metadata:",
          "  name: bad",
          "spec:",
          "  backend:",
          "    serviceName: x",
          "    servicePrt: 80",
          "",
        ].join("\n"),
      );
      const r = await kubectl(["apply", "-f", manifest]);
      assert.notEqual(r.code, 0);
      assert.match(
        r.stderr,
        /Ingress in version "v1beta1" cannot be handled as a Ingress: strict decoding error: unknown field "spec.backend.servicePrt"/,
      );
    });
  },
);
