import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { after, before, describe, it } from "node:test";
import dnsPacket, { type Answer } from "dns-packet";
import type { KObject } from "../apimachinery/meta.ts";
import { silentLogger } from "../util/logger.ts";
import { ClusterZone } from "./cluster-zone.ts";
import { DnsServer } from "./dns-server.ts";

const svc = (name: string, spec: Record<string, unknown>, ns = "default"): KObject => ({
  metadata: { namespace: ns, name },
  spec: { type: "ClusterIP", ...spec },
});
const services = [
  svc("kubia", { clusterIP: "10.43.0.20", ports: [{ name: "http", port: 80, protocol: "TCP" }] }),
  svc("kubia-headless", { clusterIP: "None", ports: [{ name: "http", port: 80, protocol: "TCP" }] }),
  svc("external-service", { type: "ExternalName", externalName: "api.somecompany.com" }),
];
const slices: Record<string, KObject[]> = {
  "default/kubia-headless": [
    {
      metadata: { namespace: "default", name: "kubia-headless-x" },
      addressType: "IPv4",
      ports: [{ name: "http", port: 8080, protocol: "TCP" }],
      endpoints: [
        { addresses: ["10.42.0.5"], conditions: { ready: true } },
        { addresses: ["10.42.1.6"], hostname: "web-1", conditions: { ready: true } },
        { addresses: ["10.42.1.7"], conditions: { ready: false } },
      ],
    } as KObject,
  ],
};
const zone = new ClusterZone({
  service: (ns, name) => services.find((s) => s.metadata?.namespace === ns && s.metadata.name === name),
  services: () => services,
  slices: (ns, name) => slices[`${ns}/${name}`] ?? [],
});
const rcode = (p: dnsPacket.DecodedPacket) => (p as unknown as { rcode: string }).rcode;
const data = (answers: Answer[]) => answers.map((a) => (a as { data: unknown }).data);

describe("the cluster zone (CoreDNS's kubernetes plugin)", () => {
  it("answers a service's name with its cluster IP", () => {
    const r = zone.resolve("kubia.default.svc.cluster.local.", "A")!;
    assert.equal(r.rcode, "NOERROR");
    assert.deepEqual(data(r.answers), ["10.43.0.20"]);
    assert.equal((r.answers[0] as { ttl?: number }).ttl, 5);
  });

  it("answers a headless service with one record per ready endpoint", () => {
    const r = zone.resolve("kubia-headless.default.svc.cluster.local", "A")!;
    assert.deepEqual(data(r.answers).sort(), ["10.42.0.5", "10.42.1.6"]);
  });

  it("answers a headless endpoint by hostname or dashed address", () => {
    assert.deepEqual(data(zone.resolve("web-1.kubia-headless.default.svc.cluster.local", "A")!.answers), [
      "10.42.1.6",
    ]);
    assert.deepEqual(data(zone.resolve("10-42-0-5.kubia-headless.default.svc.cluster.local", "A")!.answers), [
      "10.42.0.5",
    ]);
  });

  it("answers SRV for named ports: the service for a cluster IP, each endpoint for headless", () => {
    const r = zone.resolve("_http._tcp.kubia.default.svc.cluster.local", "SRV")!;
    assert.deepEqual(data(r.answers), [
      { priority: 0, weight: 100, port: 80, target: "kubia.default.svc.cluster.local" },
    ]);
    assert.deepEqual(data(r.additionals), ["10.43.0.20"]);
    const h = zone.resolve("_http._tcp.kubia-headless.default.svc.cluster.local", "SRV")!;
    assert.deepEqual(
      data(h.answers)
        .map((d) => (d as { target: string; port: number }).target)
        .sort(),
      [
        "10-42-0-5.kubia-headless.default.svc.cluster.local",
        "web-1.kubia-headless.default.svc.cluster.local",
      ],
    );
    assert.ok(data(h.answers).every((d) => (d as { port: number }).port === 8080));
  });

  it("answers an ExternalName service with a CNAME", () => {
    const r = zone.resolve("external-service.default.svc.cluster.local", "A")!;
    assert.equal(r.answers[0].type, "CNAME");
    assert.equal(data(r.answers)[0], "api.somecompany.com");
  });

  it("answers pod names with the address they spell", () => {
    assert.deepEqual(data(zone.resolve("10-42-0-9.default.pod.cluster.local", "A")!.answers), ["10.42.0.9"]);
  });

  it("says NXDOMAIN with the zone's SOA for names that do not exist, NOERROR without records for other types", () => {
    const r = zone.resolve("nope.default.svc.cluster.local", "A")!;
    assert.equal(r.rcode, "NXDOMAIN");
    assert.equal(r.authority[0].type, "SOA");
    const aaaa = zone.resolve("kubia.default.svc.cluster.local", "AAAA")!;
    assert.equal(aaaa.rcode, "NOERROR");
    assert.equal(aaaa.answers.length, 0);
    assert.equal(aaaa.authority[0].type, "SOA");
  });

  it("answers PTR for cluster IPs and headless endpoints; other names and addresses are not its own", () => {
    assert.deepEqual(data(zone.resolve("20.0.43.10.in-addr.arpa", "PTR")!.answers), [
      "kubia.default.svc.cluster.local",
    ]);
    assert.deepEqual(data(zone.resolve("6.1.42.10.in-addr.arpa", "PTR")!.answers), [
      "web-1.kubia-headless.default.svc.cluster.local",
    ]);
    assert.equal(zone.resolve("8.8.8.8.in-addr.arpa", "PTR"), undefined);
    assert.equal(zone.resolve("example.com", "A"), undefined);
  });
});

describe("the cluster DNS server", () => {
  const upstream = createSocket("udp4");
  let server: DnsServer;
  let port = 0;
  const ask = (name: string, type: "A" | "AAAA" | "SRV" = "A") =>
    new Promise<dnsPacket.DecodedPacket>((resolve) => {
      const s = createSocket("udp4");
      s.on("message", (m) => {
        s.close();
        resolve(dnsPacket.decode(m));
      });
      s.send(
        dnsPacket.encode({
          type: "query",
          id: 4242,
          flags: dnsPacket.RECURSION_DESIRED,
          questions: [{ name, type }],
        }),
        port,
        "127.0.0.1",
      );
    });

  before(async () => {
    // An upstream on loopback that knows one name.
    upstream.on("message", (m, rinfo) => {
      const q = dnsPacket.decode(m);
      const name = q.questions![0].name;
      const known = name === "example.test";
      upstream.send(
        dnsPacket.encode({
          type: "response",
          id: q.id,
          flags: known ? 0 : 3,
          questions: q.questions,
          answers: known ? [{ name, type: "A", ttl: 60, data: "192.0.2.7" }] : [],
        }),
        rinfo.port,
        rinfo.address,
      );
    });
    await new Promise<void>((r) => upstream.bind(0, "127.0.0.1", r));
    server = new DnsServer({
      zone,
      logger: silentLogger,
      upstreams: () => ["127.0.0.1"],
      upstreamPort: upstream.address().port,
    });
    await server.listen("127.0.0.1", 0);
    port = server.address()!.port;
  });
  after(() => {
    server.close();
    upstream.close();
  });

  it("answers cluster names itself, authoritatively, keeping the query's id", async () => {
    const r = await ask("kubia.default.svc.cluster.local");
    assert.equal(r.id, 4242);
    assert.equal(r.flag_aa, true);
    assert.equal(rcode(r), "NOERROR");
    assert.deepEqual(
      r.answers?.map((a) => (a as { data: string }).data),
      ["10.43.0.20"],
    );
  });

  it("says NXDOMAIN for cluster names that do not exist", async () => {
    assert.equal(rcode(await ask("missing.default.svc.cluster.local")), "NXDOMAIN");
  });

  it("forwards other names to the node's resolvers and relays their answer", async () => {
    const r = await ask("example.test");
    assert.equal(r.id, 4242);
    assert.deepEqual(
      r.answers?.map((a) => (a as { data: string }).data),
      ["192.0.2.7"],
    );
    assert.equal(rcode(await ask("nowhere.test")), "NXDOMAIN");
  });

  it("answers garbage with FORMERR and keeps serving", async () => {
    const reply = await new Promise<Buffer>((resolve) => {
      const s = createSocket("udp4");
      s.on("message", (m) => {
        s.close();
        resolve(m);
      });
      s.send(Buffer.from([0x12, 0x34, 0xff, 0xff, 0x00]), port, "127.0.0.1");
    });
    assert.equal(reply.readUInt16BE(0), 0x1234);
    assert.equal(reply[3] & 0x0f, 1);
    assert.equal(rcode(await ask("kubia.default.svc.cluster.local")), "NOERROR");
  });
});
