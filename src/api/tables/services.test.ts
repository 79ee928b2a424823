import { test } from "node:test";
import assert from "node:assert/strict";
import { servicePrinter } from "./services.ts";
import { ago, now } from "./test-clock.ts";

function svc(spec: any, status: any = {}): any {
  return { kind: "Service", metadata: { name: "kubia", creationTimestamp: ago(45) }, spec, status };
}

test("a ClusterIP service", () => {
  const s = svc({
    type: "ClusterIP",
    clusterIP: "10.96.0.20",
    clusterIPs: ["10.96.0.20"],
    ports: [{ port: 80, targetPort: 8080, protocol: "TCP" }],
    selector: { app: "kubia" },
  });
  assert.deepEqual(servicePrinter.cells(s, now), [
    "kubia",
    "ClusterIP",
    "10.96.0.20",
    "<none>",
    "80/TCP",
    "45s",
    "app=kubia",
  ]);
});

test("a NodePort service with two ports", () => {
  const s = svc({
    type: "NodePort",
    clusterIPs: ["10.96.0.21"],
    ports: [
      { name: "http", port: 80, nodePort: 30123, protocol: "TCP" },
      { name: "dns", port: 53, nodePort: 30053, protocol: "UDP" },
    ],
  });
  assert.deepEqual(servicePrinter.cells(s, now).slice(1, 5), [
    "NodePort",
    "10.96.0.21",
    "<none>",
    "80:30123/TCP,53:30053/UDP",
  ]);
  assert.equal(servicePrinter.cells(s, now)[6], "<none>");
});

test("a LoadBalancer service: pending, then with addresses and external IPs", () => {
  const spec = { type: "LoadBalancer", clusterIPs: ["10.96.0.22"], ports: [{ port: 80, nodePort: 31000 }] };
  assert.deepEqual(servicePrinter.cells(svc(spec), now).slice(1, 5), [
    "LoadBalancer",
    "10.96.0.22",
    "<pending>",
    "80:31000/TCP",
  ]);
  const ready = svc(spec, {
    loadBalancer: {
      ingress: [{ ip: "203.0.113.9" }, { hostname: "lb.example.com" }, { ip: "203.0.113.10" }],
    },
  });
  // The server prints wide, so long lists are not clipped to 16 characters.
  assert.equal(servicePrinter.cells(ready, now)[3], "203.0.113.10,203.0.113.9,lb.example.com");
  const both = svc(
    { ...spec, externalIPs: ["198.51.100.1"] },
    { loadBalancer: { ingress: [{ ip: "203.0.113.9" }] } },
  );
  assert.equal(servicePrinter.cells(both, now)[3], "203.0.113.9,198.51.100.1");
  assert.equal(servicePrinter.cells(svc({ ...spec, externalIPs: ["198.51.100.1"] }), now)[3], "198.51.100.1");
});

test("headless, ExternalName and port-less services", () => {
  const headless = svc({ clusterIP: "None", selector: { app: "db" } });
  assert.deepEqual(servicePrinter.cells(headless, now).slice(1, 5), [
    "ClusterIP",
    "None",
    "<none>",
    "<none>",
  ]);
  const ext = svc({ type: "ExternalName", externalName: "db.example.com" });
  assert.deepEqual(servicePrinter.cells(ext, now).slice(1, 4), ["ExternalName", "<none>", "db.example.com"]);
  const withExternalIPs = svc({
    type: "ClusterIP",
    clusterIPs: ["10.96.0.5"],
    externalIPs: ["1.2.3.4", "5.6.7.8"],
  });
  assert.equal(servicePrinter.cells(withExternalIPs, now)[3], "1.2.3.4,5.6.7.8");
});
