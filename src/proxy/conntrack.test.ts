import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { staleFlows, udpState } from "./conntrack.ts";
import type { ProxyEndpoint, ProxyServicePort } from "./service-ports.ts";

const ep = (ip: string, ready = true): ProxyEndpoint => ({
  ip,
  port: 53,
  ready,
  serving: ready,
  terminating: false,
  local: false,
});
const port = (endpoints: ProxyEndpoint[], protocol = "UDP"): ProxyServicePort => ({
  namespace: "default",
  name: "dns",
  portName: "",
  protocol,
  clusterIP: "10.43.0.20",
  port: 53,
  nodePort: 30053,
  externalIPs: [],
  loadBalancerIPs: ["10.99.9.1"],
  externalLocal: false,
  internalLocal: false,
  endpoints,
});

describe("stale UDP flows", () => {
  it("deletes the flows to an endpoint that left or stopped being ready, by every service address", () => {
    const before = udpState([port([ep("10.42.0.5"), ep("10.42.1.6")])]);
    const after = udpState([port([ep("10.42.0.5"), ep("10.42.1.6", false)])]);
    assert.deepEqual(staleFlows(before, after), [
      ["-p", "udp", "--orig-dst", "10.43.0.20", "--dst-nat", "10.42.1.6"],
      ["-p", "udp", "--orig-dst", "10.99.9.1", "--dst-nat", "10.42.1.6"],
      ["-p", "udp", "--orig-port-dst", "30053", "--dst-nat", "10.42.1.6"],
    ]);
  });

  it("deletes all of a service's flows when it gets its first endpoint, and nothing when nothing changed", () => {
    const none = udpState([port([])]);
    const one = udpState([port([ep("10.42.0.5")])]);
    assert.deepEqual(staleFlows(none, one), [
      ["-p", "udp", "--orig-dst", "10.43.0.20"],
      ["-p", "udp", "--orig-dst", "10.99.9.1"],
      ["-p", "udp", "--orig-port-dst", "30053"],
    ]);
    assert.deepEqual(staleFlows(one, udpState([port([ep("10.42.0.5")])])), []);
  });

  it("leaves TCP alone: its connections end by themselves", () => {
    const before = udpState([port([ep("10.42.0.5")], "TCP")]);
    assert.deepEqual(staleFlows(before, udpState([port([], "TCP")])), []);
  });
});
