// The cluster DNS server of a node, on UDP and TCP: names in the cluster's zones are answered from
// the API's Services and EndpointSlices; everything else is forwarded to the node's resolvers (the
// nameservers of its resolv.conf), the upstream's answer relayed as it came.
import { createSocket, type Socket } from "node:dgram";
import { readFileSync } from "node:fs";
import { createConnection, createServer, type Server } from "node:net";
import dnsPacket, { type Answer, type DecodedPacket, type Packet } from "dns-packet";
import type { Logger } from "../util/logger.ts";
import type { ClusterZone, ZoneAnswer } from "./cluster-zone.ts";

const AUTHORITATIVE = 1 << 10;
const TRUNCATED = 1 << 9;
const RECURSION_DESIRED = 1 << 8;
const RECURSION_AVAILABLE = 1 << 7;
const rcodes = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;
/** Without EDNS, a UDP answer is at most 512 bytes (RFC 1035); larger ones are truncated. */
const classicUdpSize = 512;
const forwardTimeoutMs = 2000;

/** The nameservers of a resolv.conf, as the node's own resolver would use them. */
export function nameservers(resolvConf: string): string[] {
  let text: string;
  try {
    text = readFileSync(resolvConf, "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1])
    .filter((s): s is string => !!s);
}

export interface DnsServerDeps {
  zone: ClusterZone;
  logger: Logger;
  /** The resolvers names outside the cluster go to. */
  upstreams: () => string[];
  /** Port of the upstreams (53; tests use others). */
  upstreamPort?: number;
}

export class DnsServer {
  private readonly deps: DnsServerDeps;
  private udp?: Socket;
  private tcp?: Server;

  constructor(deps: DnsServerDeps) {
    this.deps = deps;
  }

  async listen(address: string, port: number): Promise<void> {
    const udp = createSocket("udp4");
    udp.on("message", (msg, rinfo) => {
      void this.answer(msg, "udp").then((out) => {
        if (out) udp.send(out, rinfo.port, rinfo.address);
      });
    });
    udp.on("error", (e) => this.deps.logger.warn("cluster DNS (udp) error", { error: e.message }));
    await new Promise<void>((resolve, reject) => {
      udp.once("error", reject);
      udp.bind(port, address, () => {
        udp.off("error", reject);
        resolve();
      });
    });
    this.udp = udp;
    const tcp = createServer((conn) => {
      let buf = Buffer.alloc(0);
      conn.on("data", (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
          buf = buf.subarray(2 + msg.length);
          void this.answer(Buffer.from(msg), "tcp").then((out) => {
            if (!out || conn.destroyed) return;
            const len = Buffer.alloc(2);
            len.writeUInt16BE(out.length);
            conn.write(Buffer.concat([len, out]));
          });
        }
      });
      conn.on("error", () => conn.destroy());
      conn.setTimeout(10_000, () => conn.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      tcp.once("error", reject);
      tcp.listen(this.udp ? udp.address().port : port, address, () => {
        tcp.off("error", reject);
        resolve();
      });
    });
    this.tcp = tcp;
  }

  /** Where it listens (UDP and TCP share the port when it was chosen by the system). */
  address(): { address: string; port: number } | undefined {
    return this.udp?.address();
  }

  close(): void {
    this.udp?.close();
    this.tcp?.close();
  }

  /** The reply to one query message (undefined: nothing to send back, e.g. a response packet). */
  async answer(msg: Buffer, transport: "udp" | "tcp"): Promise<Buffer | undefined> {
    let query: DecodedPacket;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      // Not even a header: a FORMERR needs the id, which is the first two bytes when there are any.
      if (msg.length < 2) return undefined;
      return this.encode({ id: msg.readUInt16BE(0), type: "response", flags: rcodes.FORMERR }, transport);
    }
    if (query.type === "response") return undefined;
    const limit = udpLimit(query);
    const q = query.questions?.[0];
    const rd = (query.flags ?? 0) & RECURSION_DESIRED;
    if (!q)
      return this.encode({ id: query.id, type: "response", flags: rd | rcodes.FORMERR }, transport, limit);
    const local = this.deps.zone.resolve(q.name, q.type);
    if (local) return this.encode(reply(query, local), transport, limit);
    const forwarded = await this.forward(msg, transport);
    if (forwarded) return forwarded;
    return this.encode(
      {
        id: query.id,
        type: "response",
        flags: rd | RECURSION_AVAILABLE | rcodes.SERVFAIL,
        questions: query.questions,
      },
      transport,
      limit,
    );
  }

  private encode(p: Packet, transport: "udp" | "tcp", udpLimit = classicUdpSize): Buffer {
    let out = dnsPacket.encode(p);
    if (transport === "udp" && out.length > udpLimit) {
      // The client retries over TCP when it sees the truncation bit.
      out = dnsPacket.encode({
        ...p,
        flags: (p.flags ?? 0) | TRUNCATED,
        answers: [],
        additionals: [],
        authorities: [],
      });
    }
    return out;
  }

  private async forward(msg: Buffer, transport: "udp" | "tcp"): Promise<Buffer | undefined> {
    const port = this.deps.upstreamPort ?? 53;
    for (const server of this.deps.upstreams()) {
      try {
        return transport === "udp"
          ? await forwardUdp(msg, server, port)
          : await forwardTcp(msg, server, port);
      } catch (e) {
        this.deps.logger.debug("DNS upstream failed", { server, error: (e as Error).message });
      }
    }
    return undefined;
  }
}

function reply(query: DecodedPacket, a: ZoneAnswer): Packet {
  const rd = (query.flags ?? 0) & RECURSION_DESIRED;
  return {
    id: query.id,
    type: "response",
    flags: AUTHORITATIVE | rd | RECURSION_AVAILABLE | rcodes[a.rcode],
    questions: query.questions,
    answers: a.answers,
    authorities: a.authority,
    additionals: a.additionals as Answer[],
  };
}

/** The largest UDP answer the client takes: its EDNS payload size, or 512 bytes without EDNS. */
function udpLimit(query: DecodedPacket): number {
  const opt = query.additionals?.find((x) => x.type === "OPT") as { udpPayloadSize?: number } | undefined;
  return Math.max(classicUdpSize, opt?.udpPayloadSize ?? classicUdpSize);
}

function forwardUdp(msg: Buffer, server: string, port: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = createSocket(server.includes(":") ? "udp6" : "udp4");
    const t = setTimeout(() => {
      s.close();
      reject(new Error("timed out"));
    }, forwardTimeoutMs);
    s.on("message", (out) => {
      if (out.length < 2 || out.readUInt16BE(0) !== msg.readUInt16BE(0)) return;
      clearTimeout(t);
      s.close();
      resolve(out);
    });
    s.on("error", (e) => {
      clearTimeout(t);
      s.close();
      reject(e);
    });
    s.send(msg, port, server);
  });
}

function forwardTcp(msg: Buffer, server: string, port: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const c = createConnection({ host: server, port });
    let buf = Buffer.alloc(0);
    const fail = (e: Error) => {
      c.destroy();
      reject(e);
    };
    c.setTimeout(forwardTimeoutMs, () => fail(new Error("timed out")));
    c.on("error", fail);
    c.on("connect", () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(msg.length);
      c.write(Buffer.concat([len, msg]));
    });
    c.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        c.end();
        resolve(buf.subarray(2, 2 + buf.readUInt16BE(0)));
      }
    });
  });
}
