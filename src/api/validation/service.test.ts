import assert from "node:assert/strict";
import { test } from "node:test";
import { validateCreate, validateStatusUpdate, validateUpdate } from "./index.ts";
import { clone, messages, service, stored } from "./test-fixtures.ts";

const create = (s: any) => messages(validateCreate("", "Service", s));

test("the book's services are valid once defaulted", () => {
  assert.deepEqual(create(service()), []);
  const named = service(
    (s) =>
      (s.spec.ports = [
        { name: "http", port: 80, targetPort: "http" },
        { name: "https", port: 443, targetPort: "https" },
      ]),
  );
  assert.deepEqual(create(named), []);
  const ext = service((s) => {
    s.metadata.name = "external-service";
    s.spec = { type: "ExternalName", externalName: "api.somecompany.com", ports: [{ port: 80 }] };
  });
  assert.deepEqual(create(ext), []);
  const headless = service((s) => (s.spec.clusterIP = "None"));
  assert.deepEqual(create(headless), []);
  const nodePort = service((s) => {
    s.spec.type = "NodePort";
    s.spec.ports[0].nodePort = 30123;
  });
  assert.deepEqual(create(nodePort), []);
});

test("ports are required unless the service is headless or ExternalName", () => {
  assert.deepEqual(create(service((s) => (s.spec.ports = []))), ["spec.ports: Required value"]);
  assert.deepEqual(
    create(
      service((s) => {
        s.spec.ports = [];
        s.spec.clusterIP = "None";
      }),
    ),
    [],
  );
});

test("every port needs a unique name when there is more than one", () => {
  const unnamed = service((s) => (s.spec.ports = [{ name: "http", port: 80 }, { port: 443 }]));
  assert.deepEqual(create(unnamed), ["spec.ports[1].name: Required value"]);
  const dup = service(
    (s) =>
      (s.spec.ports = [
        { name: "http", port: 80 },
        { name: "http", port: 443 },
      ]),
  );
  assert.deepEqual(create(dup), ['spec.ports[1].name: Duplicate value: "http"']);
});

test("port numbers, protocols and target ports are checked", () => {
  assert.deepEqual(create(service((s) => (s.spec.ports[0].port = 0))), [
    "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
  ]);
  assert.deepEqual(create(service((s) => (s.spec.ports[0].protocol = "ICMP"))), [
    'spec.ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"',
  ]);
  assert.deepEqual(create(service((s) => (s.spec.ports[0].targetPort = 70000))), [
    "spec.ports[0].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
  ]);
  const twice = service(
    (s) =>
      (s.spec.ports = [
        { name: "a", port: 80 },
        { name: "b", port: 80 },
      ]),
  );
  const errs = validateCreate("", "Service", twice);
  assert.equal(errs.length, 1);
  assert.equal(errs[0].type, "FieldValueDuplicate");
  assert.equal(errs[0].field, "spec.ports[1]");
});

test("type and sessionAffinity take only known values", () => {
  assert.deepEqual(create(service((s) => (s.spec.type = "Ingress"))), [
    'spec.type: Unsupported value: "Ingress": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
  ]);
  assert.deepEqual(create(service((s) => (s.spec.sessionAffinity = "Cookie"))), [
    'spec.sessionAffinity: Unsupported value: "Cookie": supported values: "ClientIP", "None"',
  ]);
});

test("an ExternalName service needs a DNS name", () => {
  const s = service((o) => (o.spec = { type: "ExternalName", ports: [{ port: 80 }] }));
  assert.deepEqual(create(s), ["spec.externalName: Required value"]);
  const bad = service((o) => (o.spec = { type: "ExternalName", externalName: "Bad_Name" }));
  assert.match(
    create(bad)[0],
    /^spec\.externalName: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/,
  );
});

test("nodePort is not allowed on ClusterIP services, and None only on ClusterIP", () => {
  assert.deepEqual(create(service((s) => (s.spec.ports[0].nodePort = 30123))), [
    "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'",
  ]);
  const lb = service((s) => {
    s.spec.type = "LoadBalancer";
    s.spec.clusterIP = "None";
  });
  assert.deepEqual(create(lb), [
    "spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for LoadBalancer services",
  ]);
});

test("externalTrafficPolicy is only for externally reachable services", () => {
  assert.deepEqual(create(service((s) => (s.spec.externalTrafficPolicy = "Local"))), [
    'spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services',
  ]);
});

test("the cluster IP may not change once set", () => {
  const old = stored(service((s) => (s.spec.clusterIP = "10.43.0.10")));
  const next = clone(old);
  next.spec.clusterIP = "10.43.0.11";
  next.spec.clusterIPs = ["10.43.0.11"];
  const errs = validateUpdate("", "Service", next, old);
  assert.equal(errs.length, 1);
  assert.equal(errs[0].field, "spec.clusterIPs[0]");
  assert.equal(errs[0].detail, "may not change once set");
  assert.equal(String(errs[0].value), '[]string{"10.43.0.11"}');
  const affinity = clone(old);
  affinity.spec.sessionAffinity = "ClientIP";
  affinity.spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 10800 } };
  assert.deepEqual(validateUpdate("", "Service", affinity, old), []);
});

test("load balancer status is only for LoadBalancer services", () => {
  const old = stored(service((s) => (s.spec.clusterIP = "10.43.0.10")));
  const next = clone(old);
  next.status = { loadBalancer: { ingress: [{ ip: "192.168.1.10" }] } };
  assert.deepEqual(messages(validateStatusUpdate("", "Service", next, old)), [
    "status.loadBalancer.ingress: Forbidden: may only be used when `spec.type` is 'LoadBalancer'",
  ]);
});
