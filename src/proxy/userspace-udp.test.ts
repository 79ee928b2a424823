import assert from "node:assert/strict";
import { createSocket, type Socket } from "node:dgram";
import { once } from "node:events";
import { after, describe, it } from "node:test";
import type { ProxyEndpoint } from "./service-ports.ts";
import { EndpointPicker, type Route } from "./userspace-route.ts";
import { UdpPortListener } from "./userspace-udp.ts";

const ep = (port: number): ProxyEndpoint => ({
  ip: "127.0.0.1",
  port,
  ready: true,
  serving: true,
  terminating: false,
  local: true,
});
const route = (endpoints: ProxyEndpoint[], affinitySeconds?: number): Route => ({
  service: { metadata: { name: "dns", namespace: "default" } },
  key: "default/dns",
  endpoints,
  affinitySeconds,
});

/** A UDP server on loopback answering each datagram with its name. */
async function echo(name: string): Promise<{ port: number; socket: Socket }> {
  const socket = createSocket("udp4");
  socket.on("message", (_m, r) => socket.send(name, r.port, r.address));
  socket.bind(0, "127.0.0.1");
  await once(socket, "listening");
  return { port: socket.address().port, socket };
}

async function freePort(): Promise<number> {
  const s = createSocket("udp4");
  s.bind(0, "127.0.0.1");
  await once(s, "listening");
  const p = s.address().port;
  s.close();
  return p;
}

/** A client on one source port: send and wait for one answer (or none within the time). */
async function client() {
  const s = createSocket("udp4");
  s.bind(0, "127.0.0.1");
  await once(s, "listening");
  const heard: string[] = [];
  s.on("message", (m) => heard.push(m.toString()));
  return {
    async ask(port: number, ms = 500): Promise<string | undefined> {
      const before = heard.length;
      s.send("ping", port, "127.0.0.1");
      const end = Date.now() + ms;
      while (heard.length === before && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
      return heard[before];
    },
    close: () => s.close(),
  };
}

describe("userspace UDP proxy", () => {
  const closers: Array<() => void> = [];
  after(() => closers.forEach((c) => c()));

  it("keeps one client port on one endpoint, spreads new clients, and moves a client when its endpoint leaves", async () => {
    const a = await echo("a");
    const b = await echo("b");
    closers.push(
      () => a.socket.close(),
      () => b.socket.close(),
    );
    const l = new UdpPortListener(route([ep(a.port), ep(b.port)]));
    const port = await freePort();
    await l.listen(port, "127.0.0.1");
    closers.push(() => l.close());

    const one = await client();
    closers.push(one.close);
    const first = await one.ask(port);
    assert.ok(first === "a" || first === "b");
    for (let i = 0; i < 5; i++) assert.equal(await one.ask(port), first);

    const seen = new Set<string | undefined>();
    for (let i = 0; i < 4; i++) {
      const c = await client();
      seen.add(await c.ask(port));
      c.close();
    }
    assert.deepEqual([...seen].sort(), ["a", "b"]);

    const other = first === "a" ? b : a;
    l.update(route([ep(other.port)]));
    assert.equal(await one.ask(port), first === "a" ? "b" : "a");
  });

  it("drops datagrams while the service has no endpoint, and answers once one appears", async () => {
    const l = new UdpPortListener(route([]));
    const port = await freePort();
    await l.listen(port, "127.0.0.1");
    closers.push(() => l.close());
    const c = await client();
    closers.push(c.close);
    assert.equal(await c.ask(port, 200), undefined);
    const e = await echo("late");
    closers.push(() => e.socket.close());
    l.update(route([ep(e.port)]));
    assert.equal(await c.ask(port), "late");
  });

  it("ends an idle flow, so the client's next datagram picks again", async () => {
    const a = await echo("a");
    const b = await echo("b");
    closers.push(
      () => a.socket.close(),
      () => b.socket.close(),
    );
    const l = new UdpPortListener(route([ep(a.port), ep(b.port)]), 50);
    const port = await freePort();
    await l.listen(port, "127.0.0.1");
    closers.push(() => l.close());
    const c = await client();
    closers.push(c.close);
    const heard = new Set<string | undefined>();
    for (let i = 0; i < 4; i++) {
      heard.add(await c.ask(port));
      await new Promise((r) => setTimeout(r, 120));
    }
    assert.deepEqual([...heard].sort(), ["a", "b"]);
  });

  it("a port another socket holds is refused with EADDRINUSE", async () => {
    const e = await echo("x");
    closers.push(() => e.socket.close());
    const l = new UdpPortListener(route([]));
    await assert.rejects(l.listen(e.port, "127.0.0.1"), { code: "EADDRINUSE" });
    l.close();
  });
});

describe("endpoint picker", () => {
  const eps = [ep(1), ep(2), ep(3)];

  it("offers every endpoint once per attempt, starting one further each time", () => {
    const p = new EndpointPicker();
    const orders = [0, 1, 2].map(() => {
      const next = p.candidates(route(eps), "c");
      return [0, 1, 2, 3].map((i) => next(i)?.port);
    });
    assert.deepEqual(orders, [
      [1, 2, 3, undefined],
      [2, 3, 1, undefined],
      [3, 1, 2, undefined],
    ]);
  });

  it("with ClientIP affinity puts the client's endpoint first and the rest after, each once", () => {
    const p = new EndpointPicker();
    const r = route(eps, 60);
    p.reached(r, "c", eps[2]!);
    for (let n = 0; n < 3; n++) {
      const next = p.candidates(r, "c");
      const order = [0, 1, 2, 3].map((i) => next(i)?.port);
      assert.equal(order[0], 3);
      assert.deepEqual(order.slice(0, 3).sort(), [1, 2, 3]);
      assert.equal(order[3], undefined);
    }
    assert.notEqual(p.candidates(r, "other")(0), undefined);
  });

  it("forgets a client's endpoint once the affinity timeout has passed", () => {
    const p = new EndpointPicker();
    const r = route(eps, 0);
    p.reached(r, "c", eps[2]!);
    const firsts = [0, 1, 2].map(() => p.candidates(r, "c")(0)?.port);
    assert.deepEqual(firsts, [1, 2, 3]);
  });
});
