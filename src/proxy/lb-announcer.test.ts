import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KObject } from "../apimachinery/meta.ts";
import type { Informer } from "../client/informer.ts";
import { announcerOf } from "../controllers/servicelb/address-pool.ts";
import { silentLogger } from "../util/logger.ts";
import { LbAnnouncer } from "./lb-announcer.ts";

const node = (name: string, ip: string, annotations?: Record<string, string>): KObject => ({
  metadata: { name, annotations },
  status: {
    conditions: [{ type: "Ready", status: "True" }],
    addresses: [{ type: "InternalIP", address: ip }],
  },
});
const lb = (name: string, ip: string, port = 53, protocol = "UDP"): KObject => ({
  metadata: { name, namespace: "default" },
  spec: { type: "LoadBalancer", ports: [{ port, protocol }] },
  status: { loadBalancer: { ingress: [{ ip }] } },
});
const informer = (items: KObject[]) => ({ list: () => items, on: () => {} }) as unknown as Informer;

function wantedBy(nodeName: string, nodes: KObject[], services: KObject[]): Set<string> {
  return new LbAnnouncer({
    services: informer(services),
    nodes: informer(nodes),
    logger: silentLogger,
    nodeName,
    nodeIP: "",
  }).wanted();
}

describe("load balancer address announcer", () => {
  it("exactly one Ready node announces each pool address; node addresses are never announced", () => {
    const nodes = [node("a", "10.99.1.1"), node("b", "10.99.1.2"), node("c", "10.99.1.3")];
    const services = ["10.99.1.200", "10.99.1.201", "10.99.1.202", "10.99.1.203"].map((ip, i) =>
      lb(`s${i}`, ip),
    );
    services.push(lb("on-node", "10.99.1.2"));
    const byNode = ["a", "b", "c"].map((n) => wantedBy(n, nodes, services));
    const all = byNode.flatMap((s) => [...s]).sort();
    assert.deepEqual(all, ["10.99.1.200", "10.99.1.201", "10.99.1.202", "10.99.1.203"]);
  });

  it("a node that could not take one of the service's ports does not announce its address", () => {
    const ip = "10.99.1.200";
    const names = ["a", "b"];
    const chosen = announcerOf(ip, names)!;
    const other = names.find((n) => n !== chosen)!;
    const nodes = [
      node(chosen, "10.99.1.1", { "skiff.dev/unavailable-ports": "53/UDP" }),
      node(other, "10.99.1.2"),
    ];
    assert.deepEqual([...wantedBy(chosen, nodes, [lb("dns", ip)])], []);
    assert.deepEqual([...wantedBy(other, nodes, [lb("dns", ip)])], [ip]);
    // The same port over TCP is another port: the chosen node keeps it.
    assert.deepEqual([...wantedBy(chosen, nodes, [lb("web", ip, 53, "TCP")])], [ip]);
  });
});
