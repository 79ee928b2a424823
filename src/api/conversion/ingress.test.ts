import { test } from "node:test";
import assert from "node:assert/strict";
import { ingressV1ToV1beta1, ingressV1beta1ToV1 } from "./ingress.ts";

test("spec.backend becomes spec.defaultBackend with a service port number", () => {
  const v1 = ingressV1beta1ToV1({ spec: { backend: { serviceName: "web", servicePort: 80 } } });
  assert.deepEqual(v1.spec, { defaultBackend: { service: { name: "web", port: { number: 80 } } } });
});

test("a string servicePort becomes a port name", () => {
  const v1 = ingressV1beta1ToV1({ spec: { backend: { serviceName: "web", servicePort: "http" } } });
  assert.deepEqual(v1.spec.defaultBackend, { service: { name: "web", port: { name: "http" } } });
  assert.deepEqual(ingressV1ToV1beta1(v1).spec.backend, { serviceName: "web", servicePort: "http" });
});

test("resource backends pass through without a service", () => {
  const resource = { apiGroup: "k8s.example.com", kind: "StorageBucket", name: "static" };
  const v1 = ingressV1beta1ToV1({ spec: { backend: { resource } } });
  assert.deepEqual(v1.spec.defaultBackend, { resource });
  // Go serialises the zero intstr, so v1beta1 shows servicePort: 0 for a resource backend.
  assert.deepEqual(ingressV1ToV1beta1(v1).spec.backend, { servicePort: 0, resource });
});

test("paths without pathType default to ImplementationSpecific; given ones are kept", () => {
  const v1 = ingressV1beta1ToV1({
    spec: {
      rules: [
        {
          host: "foo.example.com",
          http: {
            paths: [
              { path: "/a", backend: { serviceName: "a", servicePort: 80 } },
              { path: "/b", pathType: "Prefix", backend: { serviceName: "b", servicePort: 8080 } },
            ],
          },
        },
      ],
    },
  });
  const paths = v1.spec.rules[0].http.paths;
  assert.equal(paths[0].pathType, "ImplementationSpecific");
  assert.equal(paths[1].pathType, "Prefix");
  assert.deepEqual(paths[1].backend, { service: { name: "b", port: { number: 8080 } } });
});

test("ingressClassName, tls and status are unchanged both ways", () => {
  const status = { loadBalancer: { ingress: [{ ip: "10.0.0.5", ports: [{ port: 80, protocol: "TCP" }] }] } };
  const tls = [{ hosts: ["kubia.example.com"], secretName: "tls-secret" }];
  const v1beta1 = { spec: { ingressClassName: "nginx", tls }, status };
  const v1 = ingressV1beta1ToV1(v1beta1);
  assert.deepEqual(v1, { spec: { ingressClassName: "nginx", tls }, status });
  assert.deepEqual(ingressV1ToV1beta1(v1), v1beta1);
});

test("v1 to v1beta1 maps defaultBackend and path backends back", () => {
  const v1beta1 = ingressV1ToV1beta1({
    spec: {
      defaultBackend: { service: { name: "default", port: { number: 80 } } },
      rules: [
        {
          http: {
            paths: [
              { path: "/", pathType: "Exact", backend: { service: { name: "x", port: { name: "web" } } } },
            ],
          },
        },
      ],
    },
  });
  assert.deepEqual(v1beta1.spec, {
    backend: { serviceName: "default", servicePort: 80 },
    rules: [
      {
        http: {
          paths: [{ path: "/", pathType: "Exact", backend: { serviceName: "x", servicePort: "web" } }],
        },
      },
    ],
  });
});

test("the input object is not modified", () => {
  const input = { spec: { backend: { serviceName: "web", servicePort: 80 } } };
  ingressV1beta1ToV1(input);
  assert.deepEqual(input, { spec: { backend: { serviceName: "web", servicePort: 80 } } });
});
