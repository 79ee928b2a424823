import { test } from "node:test";
import assert from "node:assert/strict";
import { endpointSlicePrinter } from "./endpoint-slices.ts";
import { ago, now } from "./test-clock.ts";

test("an endpoint slice for a service", () => {
  const slice = {
    kind: "EndpointSlice",
    metadata: { name: "kubia-x7k2p", creationTimestamp: ago(600) },
    addressType: "IPv4",
    ports: [{ name: "http", port: 8080, protocol: "TCP" }],
    endpoints: [
      { addresses: ["10.1.0.5"], conditions: { ready: true } },
      { addresses: ["10.1.0.6"], conditions: { ready: true } },
      { addresses: ["10.1.0.7"], conditions: { ready: false } },
      { addresses: ["10.1.0.8"], conditions: { ready: true } },
    ],
  };
  assert.deepEqual(endpointSlicePrinter.cells(slice, now), [
    "kubia-x7k2p",
    "IPv4",
    "8080",
    "10.1.0.5,10.1.0.6,10.1.0.7 + 1 more...",
    "10m",
  ]);
});

test("an empty slice and ports given by name or not at all", () => {
  const slice = {
    metadata: { name: "empty" },
    addressType: "IPv6",
    ports: [{ name: "dns" }, {}],
    endpoints: [],
  };
  assert.deepEqual(endpointSlicePrinter.cells(slice, now).slice(1, 4), ["IPv6", "dns,*", "<unset>"]);
  assert.deepEqual(endpointSlicePrinter.cells({ metadata: { name: "bare" } }, now).slice(2, 4), [
    "<unset>",
    "<unset>",
  ]);
});
