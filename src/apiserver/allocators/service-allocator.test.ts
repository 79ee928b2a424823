import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { fieldErrorMessage } from "../../apimachinery/field-error.ts";
import { StatusError } from "../../apimachinery/status-error.ts";
import { FakeClock } from "../../util/clock.ts";
import { ServiceAllocator } from "./service-allocator.ts";

function svc(name: string, spec: Record<string, any> = {}, namespace = "default"): any {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace },
    spec: { type: "ClusterIP", ports: [{ port: 80, protocol: "TCP", targetPort: 8080 }], ...spec },
  };
}

/** A stand-in for the stored services: what `inUse` lists. */
class Stored {
  items: any[] = [];
  list = async () => structuredClone(this.items);
  put(s: any) {
    this.items = this.items.filter((x) => x.metadata.name !== s.metadata.name);
    this.items.push(structuredClone(s));
  }
  remove(name: string) {
    this.items = this.items.filter((x) => x.metadata.name !== name);
  }
}

const newAllocator = (extra: Partial<ConstructorParameters<typeof ServiceAllocator>[0]> = {}) =>
  new ServiceAllocator({ serviceCidr: "10.43.0.0/16", nodePortRange: [30000, 32767], ...extra });

describe("cluster IPs", () => {
  test("a new service gets a free address in the range, never the network address or .1", async () => {
    const a = newAllocator();
    const stored = new Stored();
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const s = svc(`s${i}`);
      assert.deepEqual(await a.allocate(s, undefined, stored.list), []);
      const ip: string = s.spec.clusterIP;
      assert.match(ip, /^10\.43\.\d+\.\d+$/);
      assert.notEqual(ip, "10.43.0.0");
      assert.notEqual(ip, "10.43.0.1");
      assert.notEqual(ip, "10.43.255.255");
      assert.deepEqual(s.spec.clusterIPs, [ip]);
      assert.ok(!seen.has(ip), `duplicate ${ip}`);
      seen.add(ip);
      stored.put(s);
    }
  });

  test("the kubernetes service gets 10.43.0.1; asking for a held address is a 422 with upstream's text", async () => {
    const a = newAllocator();
    const stored = new Stored();
    assert.equal(a.kubernetesServiceIP, "10.43.0.1");
    const k = svc("kubernetes", { clusterIP: "10.43.0.1", clusterIPs: ["10.43.0.1"] });
    assert.deepEqual(await a.allocate(k, undefined, stored.list), []);
    stored.put(k);
    const first = svc("first", { clusterIP: "10.43.0.5", clusterIPs: ["10.43.0.5"] });
    assert.deepEqual(await a.allocate(first, undefined, stored.list), []);
    assert.equal(first.spec.clusterIP, "10.43.0.5");
    stored.put(first);
    const second = svc("second", { clusterIP: "10.43.0.5", clusterIPs: ["10.43.0.5"] });
    const errs = await a.allocate(second, undefined, stored.list);
    assert.deepEqual(errs.map(fieldErrorMessage), [
      'spec.clusterIPs: Invalid value: []string{"10.43.0.5"}: failed to allocate IP 10.43.0.5: provided IP is already allocated',
    ]);
    const other = svc("other", { clusterIP: "10.43.0.1", clusterIPs: ["10.43.0.1"] });
    assert.equal((await a.allocate(other, undefined, stored.list)).length, 1);
  });

  test("addresses outside the range, the network address included, are refused", async () => {
    const a = newAllocator();
    for (const ip of ["10.96.0.10", "10.43.0.0"]) {
      const errs = await a.allocate(svc("x", { clusterIP: ip, clusterIPs: [ip] }), undefined, async () => []);
      assert.deepEqual(errs.map(fieldErrorMessage), [
        `spec.clusterIPs: Invalid value: []string{"${ip}"}: failed to allocate IP ${ip}: the provided IP (${ip}) is not in the valid range. The range of valid IPs is 10.43.0.0/16`,
      ]);
    }
  });

  test("headless services keep None and ExternalName services get no cluster IP", async () => {
    const a = newAllocator();
    const headless = svc("h", { clusterIP: "None", clusterIPs: ["None"] });
    assert.deepEqual(await a.allocate(headless, undefined, async () => []), []);
    assert.equal(headless.spec.clusterIP, "None");
    const ext = svc("e", { type: "ExternalName", externalName: "api.somecompany.com" });
    assert.deepEqual(await a.allocate(ext, undefined, async () => []), []);
    assert.equal(ext.spec.clusterIP, undefined);
    assert.equal(ext.spec.clusterIPs, undefined);
  });

  test("a resubmitted manifest without clusterIP keeps the allocated one", async () => {
    const a = newAllocator();
    const stored = new Stored();
    const s = svc("kubia");
    await a.allocate(s, undefined, stored.list);
    stored.put(s);
    const again = svc("kubia");
    assert.deepEqual(await a.allocate(again, s, stored.list), []);
    assert.equal(again.spec.clusterIP, s.spec.clusterIP);
    assert.deepEqual(again.spec.clusterIPs, [s.spec.clusterIP]);
  });

  test("to ExternalName clears the cluster IP (freeing it); back to ClusterIP allocates a new one", async () => {
    const a = newAllocator();
    const stored = new Stored();
    const s = svc("svc");
    await a.allocate(s, undefined, stored.list);
    stored.put(s);
    const ext = structuredClone(s);
    ext.spec.type = "ExternalName";
    ext.spec.externalName = "example.com";
    assert.deepEqual(await a.allocate(ext, s, stored.list), []);
    assert.equal(ext.spec.clusterIP, undefined);
    assert.equal(ext.spec.clusterIPs, undefined);
    assert.equal(ext.spec.ipFamilies, undefined);
    stored.put(ext);
    // Once the service is stored without it, the address is free for an explicit request.
    const taker = svc("taker", { clusterIP: s.spec.clusterIP, clusterIPs: [s.spec.clusterIP] });
    assert.deepEqual(await a.allocate(taker, undefined, stored.list), []);
    const back = structuredClone(ext);
    back.spec.type = "ClusterIP";
    assert.deepEqual(await a.allocate(back, ext, stored.list), []);
    assert.match(back.spec.clusterIP, /^10\.43\./);
  });

  test("a full range is a 500 InternalError", async () => {
    const a = newAllocator({ serviceCidr: "10.0.0.0/30" });
    const stored = new Stored();
    // /30 has two usable addresses: .1 (kept for kubernetes) and .2.
    const s1 = svc("s1");
    assert.deepEqual(await a.allocate(s1, undefined, stored.list), []);
    assert.equal(s1.spec.clusterIP, "10.0.0.2");
    stored.put(s1);
    await assert.rejects(a.allocate(svc("s2"), undefined, stored.list), (e: unknown) => {
      assert.ok(e instanceof StatusError);
      assert.equal(e.code, 500);
      assert.equal(e.message, "Internal error occurred: failed to allocate a serviceIP: range is full");
      return true;
    });
  });
});

describe("node ports", () => {
  const nodePortSvc = (name: string, nodePort?: number) =>
    svc(name, {
      type: "NodePort",
      ports: [{ port: 80, protocol: "TCP", targetPort: 8080, ...(nodePort ? { nodePort } : {}) }],
    });

  test("a requested node port is kept; asking for it again is a 422", async () => {
    const a = newAllocator();
    const stored = new Stored();
    const s = nodePortSvc("kubia-nodeport", 30123);
    assert.deepEqual(await a.allocate(s, undefined, stored.list), []);
    assert.equal(s.spec.ports[0].nodePort, 30123);
    stored.put(s);
    const errs = await a.allocate(nodePortSvc("again", 30123), undefined, stored.list);
    assert.deepEqual(errs.map(fieldErrorMessage), [
      "spec.ports[0].nodePort: Invalid value: 30123: provided port is already allocated",
    ]);
  });

  test("out of range is refused with the valid range named", async () => {
    const errs = await newAllocator().allocate(nodePortSvc("x", 8080), undefined, async () => []);
    assert.deepEqual(errs.map(fieldErrorMessage), [
      "spec.ports[0].nodePort: Invalid value: 8080: provided port is not in the valid range. The range of valid ports is 30000-32767",
    ]);
  });

  test("unrequested node ports are random, distinct and in range; LoadBalancers too unless disabled", async () => {
    const a = newAllocator();
    const stored = new Stored();
    const ports = new Set<number>();
    for (let i = 0; i < 100; i++) {
      const s = nodePortSvc(`s${i}`);
      await a.allocate(s, undefined, stored.list);
      const np = s.spec.ports[0].nodePort;
      assert.ok(np >= 30000 && np <= 32767);
      assert.ok(!ports.has(np));
      ports.add(np);
      stored.put(s);
    }
    const lb = svc("lb", { type: "LoadBalancer", allocateLoadBalancerNodePorts: true });
    await a.allocate(lb, undefined, stored.list);
    assert.ok(lb.spec.ports[0].nodePort >= 30000);
    const noPorts = svc("lb2", { type: "LoadBalancer", allocateLoadBalancerNodePorts: false });
    await a.allocate(noPorts, undefined, stored.list);
    assert.equal(noPorts.spec.ports[0].nodePort, undefined);
  });

  test("TCP and UDP on one port number share a node port", async () => {
    const s = svc("dns", {
      type: "NodePort",
      ports: [
        { name: "tcp", port: 53, protocol: "TCP", targetPort: 53 },
        { name: "udp", port: 53, protocol: "UDP", targetPort: 53 },
      ],
    });
    assert.deepEqual(await newAllocator().allocate(s, undefined, async () => []), []);
    assert.equal(s.spec.ports[0].nodePort, s.spec.ports[1].nodePort);
  });

  test("changing the type back to ClusterIP drops the node ports, which become free", async () => {
    const a = newAllocator();
    const stored = new Stored();
    const s = nodePortSvc("np", 30123);
    await a.allocate(s, undefined, stored.list);
    stored.put(s);
    const back = structuredClone(s);
    back.spec.type = "ClusterIP";
    assert.deepEqual(await a.allocate(back, s, stored.list), []);
    assert.equal(back.spec.ports[0].nodePort, undefined);
    assert.equal(back.spec.clusterIP, s.spec.clusterIP);
    stored.put(back);
    assert.deepEqual(await a.allocate(nodePortSvc("other", 30123), undefined, stored.list), []);
  });

  test("an update keeps its own node port and may not take another service's", async () => {
    const a = newAllocator();
    const stored = new Stored();
    const one = nodePortSvc("one", 30001);
    const two = nodePortSvc("two", 30002);
    await a.allocate(one, undefined, stored.list);
    stored.put(one);
    await a.allocate(two, undefined, stored.list);
    stored.put(two);
    const resubmit = nodePortSvc("one");
    assert.deepEqual(await a.allocate(resubmit, one, stored.list), []);
    assert.equal(resubmit.spec.ports[0].nodePort, 30001);
    const steal = structuredClone(one);
    steal.spec.ports[0].nodePort = 30002;
    assert.equal((await a.allocate(steal, one, stored.list)).length, 1);
  });
});

describe("concurrency", () => {
  test("two requests in flight on one server never get the same value; release frees it", async () => {
    const a = newAllocator();
    const stored = new Stored();
    const first = svc("a", { type: "NodePort", ports: [{ port: 80, protocol: "TCP", nodePort: 30500 }] });
    const second = svc("b", { type: "NodePort", ports: [{ port: 80, protocol: "TCP", nodePort: 30500 }] });
    const [e1, e2] = await Promise.all([
      a.allocate(first, undefined, stored.list),
      a.allocate(second, undefined, stored.list),
    ]);
    assert.deepEqual([e1.length, e2.length].sort(), [0, 1]);
    // The winner's write failed: releasing it lets the other through.
    a.release(e1.length ? second : first);
    const retry = svc("b", { type: "NodePort", ports: [{ port: 80, protocol: "TCP", nodePort: 30500 }] });
    assert.deepEqual(await a.allocate(retry, undefined, stored.list), []);
  });

  test("an unwritten reservation expires", async () => {
    const clock = new FakeClock();
    const a = newAllocator({ clock, pendingTtlMs: 1000 });
    const s = svc("a", { clusterIP: "10.43.0.9", clusterIPs: ["10.43.0.9"] });
    assert.deepEqual(await a.allocate(s, undefined, async () => []), []);
    const t = () => svc("b", { clusterIP: "10.43.0.9", clusterIPs: ["10.43.0.9"] });
    assert.equal((await a.allocate(t(), undefined, async () => [])).length, 1);
    clock.advance(1001);
    assert.deepEqual(await a.allocate(t(), undefined, async () => []), []);
  });

  test("two API servers on one store see each other's services through the listing", async () => {
    const stored = new Stored();
    const serverA = newAllocator();
    const serverB = newAllocator();
    const s = svc("a", { type: "NodePort", ports: [{ port: 80, protocol: "TCP", nodePort: 30123 }] });
    await serverA.allocate(s, undefined, stored.list);
    stored.put(s);
    const t = svc("b", { type: "NodePort", ports: [{ port: 80, protocol: "TCP", nodePort: 30123 }] });
    assert.equal((await serverB.allocate(t, undefined, stored.list)).length, 1);
    const ip = svc("c", { clusterIP: s.spec.clusterIP, clusterIPs: [s.spec.clusterIP] });
    assert.equal((await serverB.allocate(ip, undefined, stored.list)).length, 1);
  });

  test("a dry run reserves nothing", async () => {
    const a = newAllocator();
    const s = svc("a", { clusterIP: "10.43.0.9", clusterIPs: ["10.43.0.9"] });
    assert.deepEqual(await a.allocate(s, undefined, async () => [], { dryRun: true }), []);
    const t = svc("b", { clusterIP: "10.43.0.9", clusterIPs: ["10.43.0.9"] });
    assert.deepEqual(await a.allocate(t, undefined, async () => []), []);
  });
});
