import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KObject } from "../apimachinery/meta.ts";
import { IngressTable, requestHost, type IngressSources } from "./routes.ts";

const skiffClass: KObject = {
  metadata: { name: "skiff", annotations: { "ingressclass.kubernetes.io/is-default-class": "true" } },
  spec: { controller: "skiff.dev/ingress-controller" },
};
const otherClass: KObject = { metadata: { name: "nginx" }, spec: { controller: "k8s.io/ingress-nginx" } };

function svc(name: string, ports: Array<{ name?: string; port: number }>): KObject {
  return { metadata: { namespace: "default", name }, spec: { clusterIP: "10.43.0.5", ports } };
}

function slice(
  service: string,
  ip: string,
  ready: boolean,
  ports: Array<{ name?: string; port: number }>,
): KObject {
  return {
    metadata: {
      namespace: "default",
      name: `${service}-x`,
      labels: { "kubernetes.io/service-name": service },
    },
    addressType: "IPv4",
    endpoints: [{ addresses: [ip], conditions: { ready } }],
    ports: ports.map((p) => ({ ...p, protocol: "TCP" })),
  } as KObject;
}

const backend = (name: string, port: number | string) => ({
  service: { name, port: typeof port === "number" ? { number: port } : { name: port } },
});

function ingress(name: string, spec: unknown, extra: Partial<KObject["metadata"]> = {}): KObject {
  return {
    metadata: { namespace: "default", name, creationTimestamp: "2026-01-01T00:00:00Z", ...extra },
    spec: spec as Record<string, unknown>,
  };
}

function sources(ingresses: KObject[]): IngressSources {
  const services = [
    svc("kubia", [{ port: 80 }]),
    svc("foo", [{ name: "http", port: 80 }]),
    svc("bar", [{ port: 80 }]),
    svc("empty", [{ port: 80 }]),
  ];
  const slices = [
    slice("kubia", "10.42.0.2", true, [{ port: 8080 }]),
    slice("foo", "10.42.0.3", true, [{ name: "http", port: 8080 }]),
    slice("bar", "10.42.0.4", true, [{ port: 8080 }]),
    slice("empty", "10.42.0.5", false, [{ port: 8080 }]),
  ];
  return {
    ingresses,
    classes: [skiffClass, otherClass],
    service: (ns, n) => services.find((s) => s.metadata?.namespace === ns && s.metadata?.name === n),
    slices: (ns, n) => slices.filter((s) => s.metadata?.labels?.["kubernetes.io/service-name"] === n),
    nodeName: "n1",
  };
}

const who = (t: IngressTable, host: string, path: string) => {
  const b = t.match(host, path);
  return b ? `${b.service}:${b.endpoints.map((e) => `${e.ip}:${e.port}`).join(",")}` : "404";
};

describe("ingress routing table", () => {
  it("routes a host's prefix path to the service's ready endpoints, and other hosts to 404", () => {
    const t = IngressTable.build(
      sources([
        ingress("kubia", {
          ingressClassName: "skiff",
          rules: [
            {
              host: "kubia.example.com",
              http: { paths: [{ path: "/", pathType: "Prefix", backend: backend("kubia", 80) }] },
            },
          ],
        }),
      ]),
    );
    assert.equal(who(t, "kubia.example.com", "/"), "kubia:10.42.0.2:8080");
    assert.equal(who(t, "kubia.example.com", "/any/thing"), "kubia:10.42.0.2:8080");
    assert.equal(who(t, "other.example.com", "/"), "404");
  });

  it("matches Prefix by whole path elements, prefers the longest path and Exact at equal length", () => {
    const t = IngressTable.build(
      sources([
        ingress("paths", {
          rules: [
            {
              host: "h",
              http: {
                paths: [
                  { path: "/kubia", pathType: "Prefix", backend: backend("kubia", 80) },
                  { path: "/kubia/foo", pathType: "Prefix", backend: backend("foo", "http") },
                  { path: "/kubia/foo", pathType: "Exact", backend: backend("bar", 80) },
                  { path: "/bar", pathType: "ImplementationSpecific", backend: backend("bar", 80) },
                ],
              },
            },
          ],
        }),
      ]),
    );
    assert.equal(who(t, "h", "/kubia"), "kubia:10.42.0.2:8080");
    assert.equal(who(t, "h", "/kubia/"), "kubia:10.42.0.2:8080");
    assert.equal(who(t, "h", "/kubia/x"), "kubia:10.42.0.2:8080");
    assert.equal(who(t, "h", "/kubiax"), "404");
    assert.equal(who(t, "h", "/kubia/foo"), "bar:10.42.0.4:8080");
    assert.equal(who(t, "h", "/kubia/foo/z"), "foo:10.42.0.3:8080");
    // ImplementationSpecific is nginx's string prefix.
    assert.equal(who(t, "h", "/barbaz"), "bar:10.42.0.4:8080");
  });

  it("prefers an exact host to a wildcard, which covers one label; host-less rules take the rest", () => {
    const t = IngressTable.build(
      sources([
        ingress("hosts", {
          rules: [
            {
              host: "foo.example.com",
              http: { paths: [{ path: "/", pathType: "Prefix", backend: backend("foo", 80) }] },
            },
            {
              host: "*.example.com",
              http: { paths: [{ path: "/", pathType: "Prefix", backend: backend("bar", 80) }] },
            },
            { http: { paths: [{ path: "/", pathType: "Prefix", backend: backend("kubia", 80) }] } },
          ],
        }),
      ]),
    );
    assert.equal(who(t, "foo.example.com", "/"), "foo:10.42.0.3:8080");
    assert.equal(who(t, "bar.example.com", "/"), "bar:10.42.0.4:8080");
    assert.equal(who(t, "a.b.example.com", "/"), "kubia:10.42.0.2:8080");
    assert.equal(who(t, "10.99.0.2", "/"), "kubia:10.42.0.2:8080");
  });

  it("answers an unmatched path with the Ingress's default backend, and serves no other class", () => {
    const t = IngressTable.build(
      sources([
        ingress("with-default", {
          defaultBackend: backend("bar", 80),
          rules: [
            {
              host: "h",
              http: { paths: [{ path: "/a", pathType: "Exact", backend: backend("kubia", 80) }] },
            },
          ],
        }),
        ingress("nginx-one", {
          ingressClassName: "nginx",
          rules: [
            {
              host: "n",
              http: { paths: [{ path: "/", pathType: "Prefix", backend: backend("kubia", 80) }] },
            },
          ],
        }),
      ]),
    );
    assert.equal(who(t, "h", "/a"), "kubia:10.42.0.2:8080");
    assert.equal(who(t, "h", "/b"), "bar:10.42.0.4:8080");
    assert.equal(who(t, "n", "/"), "bar:10.42.0.4:8080", "the nginx class's rule is not served");
  });

  it("keeps the older Ingress's route where two define the same host and path", () => {
    const rule = (svcName: string) => ({
      rules: [
        { host: "h", http: { paths: [{ path: "/", pathType: "Prefix", backend: backend(svcName, 80) }] } },
      ],
    });
    const t = IngressTable.build(
      sources([
        ingress("newer", rule("bar"), { creationTimestamp: "2026-02-01T00:00:00Z" }),
        ingress("older", rule("kubia"), { creationTimestamp: "2026-01-01T00:00:00Z" }),
      ]),
    );
    assert.equal(who(t, "h", "/"), "kubia:10.42.0.2:8080");
  });

  it("gives no endpoints for a backend that is missing, has no such port, or has none ready", () => {
    const t = IngressTable.build(
      sources([
        ingress("bad", {
          rules: [
            {
              host: "h",
              http: {
                paths: [
                  { path: "/missing", pathType: "Prefix", backend: backend("nosuch", 80) },
                  { path: "/port", pathType: "Prefix", backend: backend("kubia", 81) },
                  { path: "/unready", pathType: "Prefix", backend: backend("empty", 80) },
                ],
              },
            },
          ],
        }),
      ]),
    );
    assert.match(t.match("h", "/missing")?.problem ?? "", /service "default\/nosuch" not found/);
    assert.match(t.match("h", "/port")?.problem ?? "", /has no port 81/);
    assert.deepEqual(t.match("h", "/unready")?.endpoints, []);
  });

  it("finds the TLS secret for a host, by exact name or wildcard", () => {
    const t = IngressTable.build(
      sources([
        ingress("tls", {
          tls: [
            { hosts: ["kubia.example.com"], secretName: "tls-secret" },
            { hosts: ["*.wild.test"], secretName: "wild" },
          ],
          rules: [
            {
              host: "kubia.example.com",
              http: { paths: [{ path: "/", pathType: "Prefix", backend: backend("kubia", 80) }] },
            },
          ],
        }),
      ]),
    );
    assert.equal(t.tlsSecretFor("kubia.example.com")?.secretName, "tls-secret");
    assert.equal(t.tlsSecretFor("a.wild.test")?.secretName, "wild");
    assert.equal(t.tlsSecretFor("other.test"), undefined);
  });

  it("reads the request's host without port, case or trailing dot", () => {
    assert.equal(requestHost("Kubia.Example.com:8080"), "kubia.example.com");
    assert.equal(requestHost("kubia.example.com."), "kubia.example.com");
    assert.equal(requestHost("[::1]:80"), "[::1]");
    assert.equal(requestHost(undefined), "");
  });
});
