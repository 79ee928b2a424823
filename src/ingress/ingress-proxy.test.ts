import assert from "node:assert/strict";
import { createServer, request, type IncomingHttpHeaders, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { after, before, describe, it } from "node:test";
import type { KObject } from "../apimachinery/meta.ts";
import { silentLogger } from "../util/logger.ts";
import { IngressProxy } from "./ingress-proxy.ts";
import { IngressTable } from "./routes.ts";

const listen = (s: Server, address = "127.0.0.1") =>
  new Promise<number>((r) => s.listen(0, address, () => r((s.address() as AddressInfo).port)));

const upgraded: Duplex[] = [];

/** A backend that says who it is and what headers it got, and echoes on a WebSocket-style upgrade. */
function backend(name: string): Server {
  const s = createServer((req, res) => {
    res.setHeader("x-backend", name);
    if (req.url === "/slow") return; // never answers: the proxy's timeout must
    if (req.url === "/stream") {
      // Chunked, in parts that arrive apart: the client must get all of them, in order.
      res.write("one,");
      setTimeout(() => res.write("two,"), 20);
      setTimeout(() => res.end("three"), 40);
      return;
    }
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => res.end(JSON.stringify({ name, url: req.url, headers: req.headers, body })));
  });
  s.on("upgrade", (req, socket) => {
    upgraded.push(socket);
    socket.write("HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\n\r\n");
    socket.on("data", (d: Buffer) => socket.write(`${name}:${d.toString()}`));
  });
  return s;
}

function get(
  port: number,
  path: string,
  host: string,
  post?: string,
): Promise<{ status: number; body: string; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const method = post === undefined ? "GET" : "POST";
    const req = request({ host: "127.0.0.1", port, path, method, headers: { host } }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on("error", reject);
    req.end(post);
  });
}

describe("ingress data plane", () => {
  const backends = [backend("a"), backend("b")];
  const ports: number[] = [];
  let deadPort = 0;
  let front: Server;
  let frontPort = 0;
  let table = new IngressTable();
  const proxy = new IngressProxy({ logger: silentLogger, table: () => table, timeoutMs: 300 });

  before(async () => {
    for (const b of backends) ports.push(await listen(b, "0.0.0.0"));
    const dead = createServer();
    deadPort = await listen(dead);
    await new Promise((r) => dead.close(r));
    const slice = (ips: Array<[string, number]>): KObject =>
      ({
        metadata: { namespace: "default", name: "s" },
        addressType: "IPv4",
        endpoints: ips.map(([ip]) => ({ addresses: [ip], conditions: { ready: true } })),
        ports: [{ port: ips[0]![1], protocol: "TCP" }],
      }) as KObject;
    const rule = (host: string, name: string) => ({
      host,
      http: {
        paths: [{ path: "/", pathType: "Prefix", backend: { service: { name, port: { number: 80 } } } }],
      },
    });
    // Two loopback addresses stand for two pods: both reach the one backend process per port.
    const slices: Record<string, KObject[]> = {
      spread: [slice([["127.0.0.1", ports[0]!]]), slice([["127.0.0.2", ports[1]!]])],
      halfdead: [slice([["127.0.0.1", deadPort]]), slice([["127.0.0.2", ports[1]!]])],
      dead: [slice([["127.0.0.1", deadPort]])],
      unready: [],
    };
    table = IngressTable.build({
      ingresses: [
        {
          metadata: { namespace: "default", name: "i" },
          spec: {
            rules: ["spread", "halfdead", "dead", "unready"].map((n) => rule(n, n)),
          },
        },
      ],
      classes: [
        {
          metadata: { name: "skiff", annotations: { "ingressclass.kubernetes.io/is-default-class": "true" } },
          spec: { controller: "skiff.dev/ingress-controller" },
        },
      ],
      service: (_ns, name) => ({
        metadata: { name },
        spec: { clusterIP: "10.43.0.9", ports: [{ port: 80 }] },
      }),
      slices: (_ns, name) => slices[name] ?? [],
      nodeName: "n",
    });
    front = createServer((req, res) => proxy.handle(req, res, "http"));
    front.on("upgrade", (req, socket, head) => proxy.upgrade(req, socket, head, "http"));
    frontPort = await listen(front);
  });

  after(async () => {
    proxy.close();
    for (const s of [front, ...backends]) s.closeAllConnections();
    for (const u of upgraded) u.destroy();
    for (const s of [front, ...backends]) await new Promise((r) => s.close(r));
  });

  it("spreads requests over the endpoints and sends the forwarding headers", async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const r = await get(frontPort, "/x?y=1", "spread");
      assert.equal(r.status, 200);
      const got = JSON.parse(r.body) as { name: string; url: string; headers: Record<string, string> };
      seen.add(got.name);
      assert.equal(got.url, "/x?y=1");
      assert.equal(got.headers.host, "spread");
      assert.equal(got.headers["x-forwarded-for"], "127.0.0.1");
      assert.equal(got.headers["x-real-ip"], "127.0.0.1");
      assert.equal(got.headers["x-forwarded-host"], "spread");
      assert.equal(got.headers["x-forwarded-proto"], "http");
      assert.equal(got.headers["x-forwarded-port"], String(frontPort));
      assert.match(got.headers["x-request-id"] ?? "", /^[0-9a-f]{32}$/);
    }
    assert.deepEqual([...seen].sort(), ["a", "b"]);
  });

  it("answers 404 for no rule and 503 for no ready endpoint, with nginx's pages", async () => {
    const missing = await get(frontPort, "/", "nobody.test");
    assert.equal(missing.status, 404);
    assert.match(missing.body, /<title>404 Not Found<\/title>/);
    const unready = await get(frontPort, "/", "unready");
    assert.equal(unready.status, 503);
    assert.match(unready.body, /503 Service Temporarily Unavailable/);
  });

  it("passes over an endpoint that refuses, to the next one", async () => {
    for (let i = 0; i < 3; i++) {
      const r = await get(frontPort, "/", "halfdead");
      assert.equal(r.status, 200);
      assert.equal((JSON.parse(r.body) as { name: string }).name, "b");
    }
  });

  it("sends a request body on and streams a chunked answer back whole", async () => {
    const posted = await get(frontPort, "/form", "spread", "x".repeat(100_000));
    assert.equal(posted.status, 200);
    const got = JSON.parse(posted.body) as { body: string; headers: Record<string, string> };
    assert.equal(got.body.length, 100_000);
    assert.equal(got.headers["content-length"], "100000");
    const streamed = await get(frontPort, "/stream", "spread");
    assert.equal(streamed.status, 200);
    assert.equal(streamed.body, "one,two,three");
    assert.match(streamed.headers["x-backend"] as string, /^[ab]$/);
  });

  it("answers 502 when every endpoint refuses and 504 when one does not answer in time", async () => {
    const refused = await get(frontPort, "/", "dead");
    assert.equal(refused.status, 502);
    assert.match(refused.body, /502 Bad Gateway/);
    const slow = await get(frontPort, "/slow", "spread");
    assert.equal(slow.status, 504);
    assert.match(slow.body, /504 Gateway Time-out/);
    // The proxy keeps serving after both.
    assert.equal((await get(frontPort, "/", "spread")).status, 200);
  });

  it("keeps an upgraded connection open both ways", async () => {
    const sock = connect(frontPort, "127.0.0.1");
    sock.write("GET /ws HTTP/1.1\r\nhost: spread\r\nupgrade: websocket\r\nconnection: Upgrade\r\n\r\n");
    let data = "";
    await new Promise<void>((resolve) =>
      sock.on("data", (d: Buffer) => {
        data += d.toString();
        if (data.includes("\r\n\r\n") && !data.includes(":ping")) sock.write("ping");
        if (data.includes(":ping")) resolve();
      }),
    );
    sock.destroy();
    assert.match(data, /^HTTP\/1.1 101/);
    assert.match(data, /[ab]:ping/);
  });
});
