import assert from "node:assert/strict";
import { createServer as createHttpServer, request, type Server as HttpServer } from "node:http";
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { UpstreamPool, type UpstreamFailure } from "./upstream.ts";

/** A raw endpoint: each request path picks the bytes it answers with, sent in the pieces given. */
const ANSWERS: Record<string, string[]> = {
  "/length": ["HTTP/1.1 200 OK\r\nContent-Length: 11\r\nX-A: 1\r\n\r\nhello", " world"],
  "/chunked": [
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
    "lo\r\n6;ext=1\r\n world\r\n0\r\nX-T: 1\r\n\r\n",
  ],
  "/interim": ["HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"],
  "/nocontent": ["HTTP/1.1 204 No Content\r\nX-B: 2\r\n\r\n"],
  "/head": ["HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"],
  "/garbage": ["SPDY/9 what\r\n\r\n"],
  "/cookies": ["HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 0\r\n\r\n"],
};

describe("the Ingress's own HTTP/1.1 client", () => {
  let endpoint: Server;
  let port = 0;
  let connections = 0;
  let front: HttpServer;
  let frontPort = 0;
  const sockets = new Set<Socket>();
  const pool = new UpstreamPool(500);

  before(async () => {
    endpoint = createServer((s) => {
      connections++;
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      let buf = "";
      s.on("data", (d: Buffer) => {
        buf += d.toString("latin1");
        for (let end = buf.indexOf("\r\n\r\n"); end >= 0; end = buf.indexOf("\r\n\r\n")) {
          const head = buf.slice(0, end);
          buf = buf.slice(end + 4);
          const path = head.split(" ")[1] ?? "";
          if (path === "/silent") continue;
          if (path === "/close") {
            s.end("HTTP/1.1 200 OK\r\n\r\nuntil the end");
            continue;
          }
          if (path === "/echo-host") {
            const host = /\r\nhost: (.*)/i.exec(head)?.[1] ?? "";
            s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${host.length}\r\n\r\n${host}`);
            continue;
          }
          const pieces = ANSWERS[path] ?? ["HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"];
          pieces.forEach((p, i) => setTimeout(() => s.write(p), i * 15));
        }
      });
    });
    port = await new Promise<number>((r) =>
      endpoint.listen(0, "127.0.0.1", () => r((endpoint.address() as AddressInfo).port)),
    );
    front = createHttpServer((req, res) => {
      const head = `${req.method} ${req.url} HTTP/1.1\r\nhost: ${req.headers.host}\r\n\r\n`;
      pool.send("127.0.0.1", Number(req.headers["x-port"] ?? port), {
        head,
        headRequest: req.method === "HEAD",
        res,
        failed: (why: UpstreamFailure) => {
          res.writeHead(why === "timeout" ? 504 : 502, { "x-why": why });
          res.end();
        },
      });
    });
    frontPort = await new Promise<number>((r) =>
      front.listen(0, "127.0.0.1", () => r((front.address() as AddressInfo).port)),
    );
  });

  after(async () => {
    pool.close();
    front.closeAllConnections();
    for (const s of sockets) s.destroy();
    await new Promise((r) => front.close(r));
    await new Promise((r) => endpoint.close(r));
  });

  const get = (path: string, method = "GET", headers: Record<string, string> = {}) =>
    new Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }>(
      (resolve, reject) => {
        const req = request(
          { host: "127.0.0.1", port: frontPort, path, method, headers, agent: false },
          (res) => {
            let body = "";
            res.on("data", (d: Buffer) => (body += d.toString()));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
          },
        );
        req.on("error", reject);
        req.end();
      },
    );

  it("relays bodies framed by length, by chunks split anywhere, and by the connection's end", async () => {
    const a = await get("/length");
    assert.equal(a.body, "hello world");
    assert.equal(a.headers["x-a"], "1");
    assert.equal(a.headers["content-length"], "11");
    const b = await get("/chunked");
    assert.equal(b.body, "hello world");
    assert.equal(b.headers["content-length"], undefined);
    assert.equal((await get("/close")).body, "until the end");
  });

  it("skips a 100 Continue, passes 204 and HEAD answers without bodies, and keeps repeated headers", async () => {
    assert.equal((await get("/interim")).body, "ok");
    const none = await get("/nocontent");
    assert.equal(none.status, 204);
    assert.equal(none.headers["x-b"], "2");
    const head = await get("/head", "HEAD");
    assert.equal(head.status, 200);
    assert.equal(head.headers["content-length"], "1000");
    assert.deepEqual((await get("/cookies")).headers["set-cookie"], ["a=1", "b=2"]);
    // The connection that answered HEAD (headers promising 1000 bytes) is still usable.
    assert.equal((await get("/length")).body, "hello world");
  });

  it("keeps connections alive across requests, and retries once on one the endpoint closed", async () => {
    await get("/length");
    const before = connections;
    for (let i = 0; i < 5; i++) assert.equal((await get("/length")).body, "hello world");
    assert.equal(connections, before, "no new connection for sequential requests");
    for (const s of sockets) s.destroy();
    await new Promise((r) => setTimeout(r, 20));
    assert.equal((await get("/echo-host", "GET", { host: "kubia.example.com" })).body, "kubia.example.com");
  });

  it("answers 502 for a garbled answer or a refused connection and 504 when the endpoint is silent", async () => {
    const bad = await get("/garbage");
    assert.equal(bad.status, 502);
    assert.equal(bad.headers["x-why"], "bad-response");
    const dead = createServer();
    const deadPort = await new Promise<number>((r) =>
      dead.listen(0, "127.0.0.1", () => r((dead.address() as AddressInfo).port)),
    );
    await new Promise((r) => dead.close(r));
    const refused = await get("/length", "GET", { "x-port": String(deadPort) });
    assert.equal(refused.headers["x-why"], "refused");
    const silent = await get("/silent");
    assert.equal(silent.status, 504);
    assert.equal((await get("/length")).body, "hello world");
  });
});
