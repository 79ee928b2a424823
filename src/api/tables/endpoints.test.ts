import { test } from "node:test";
import assert from "node:assert/strict";
import { endpointsPrinter } from "./endpoints.ts";
import { ago, now } from "./test-clock.ts";

const ep = (subsets: any[] | undefined): any => ({
  kind: "Endpoints",
  metadata: { name: "kubia", creationTimestamp: ago(600) },
  subsets,
});

test("up to three addresses, then a count of the rest", () => {
  const e = ep([
    {
      addresses: [{ ip: "10.1.0.5" }, { ip: "10.1.0.6" }, { ip: "10.1.0.7" }, { ip: "10.1.0.8" }],
      notReadyAddresses: [{ ip: "10.1.0.9" }],
      ports: [{ port: 8080, protocol: "TCP" }],
    },
  ]);
  assert.deepEqual(endpointsPrinter.cells(e, now), [
    "kubia",
    "10.1.0.5:8080,10.1.0.6:8080,10.1.0.7:8080 + 1 more...",
    "10m",
  ]);
});

test("every port of every subset counts towards the rest", () => {
  const e = ep([
    { addresses: [{ ip: "10.1.0.5" }, { ip: "10.1.0.6" }], ports: [{ port: 80 }, { port: 443 }] },
    { addresses: [{ ip: "10.1.0.7" }], ports: [{ port: 80 }] },
  ]);
  assert.equal(endpointsPrinter.cells(e, now)[1], "10.1.0.5:80,10.1.0.6:80,10.1.0.5:443 + 2 more...");
});

test("no subsets, headless subsets without ports, IPv6", () => {
  assert.equal(endpointsPrinter.cells(ep(undefined), now)[1], "<none>");
  assert.equal(endpointsPrinter.cells(ep([{ addresses: [{ ip: "10.1.0.5" }] }]), now)[1], "10.1.0.5");
  assert.equal(
    endpointsPrinter.cells(ep([{ addresses: [{ ip: "fd00::5" }], ports: [{ port: 80 }] }]), now)[1],
    "[fd00::5]:80",
  );
  assert.equal(endpointsPrinter.cells(ep([{ ports: [{ port: 80 }] }]), now)[1], "");
});
