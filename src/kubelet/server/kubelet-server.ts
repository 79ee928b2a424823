import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import { connect } from "node:net";
import type { Duplex } from "node:stream";
import type { TLSSocket } from "node:tls";
import type { Logger } from "../../util/logger.ts";
import {
  rejectUpgrade,
  requestUpgrade,
  spliceUpgrade,
  upgradeRequestHead,
} from "../../util/streams/upgrade-proxy.ts";
import { acceptWebSocket, isWebSocketRequest, offeredProtocols } from "../../util/streams/websocket.ts";
import type { Kubelet } from "../kubelet.ts";
import { writeContainerLog } from "../kuberuntime/logs.ts";
import type { PodSync } from "../kuberuntime/pod-sync.ts";
import { bridgeTunnel, translateExec, type StreamOptions } from "./exec-translator.ts";
import { queryFlag } from "../../util/go-bool.ts";
import type { RotatingTls } from "../../util/rotating-tls.ts";

export interface KubeletServerOptions {
  port: number;
  bindAddress: string;
  /** Its serving certificate and the CA callers' certificates are checked against; rotated in place. */
  tls: RotatingTls;
  logger: Logger;
}

/** A Status body as the kubelet's API answers errors, so the API server can pass it on. */
function status(code: number, reason: string, message: string): Record<string, unknown> {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code };
}

class KubeletApiError extends Error {
  readonly code: number;
  readonly reason: string;
  constructor(code: number, reason: string, message: string) {
    super(message);
    this.code = code;
    this.reason = reason;
  }
}

const notFound = (msg: string) => new KubeletApiError(404, "NotFound", msg);
const badRequest = (msg: string) => new KubeletApiError(400, "BadRequest", msg);

function flag(q: URLSearchParams, name: string): boolean {
  return queryFlag(q, name);
}

/** Who may call: the API server's kubelet client certificate, or a cluster admin. */
function allowed(req: IncomingMessage): { ok: boolean; user: string; anonymous?: boolean } {
  const sock = req.socket as TLSSocket;
  // Anonymous requests are not authenticated (upstream's kubelet with anonymous auth off, as k3s runs it).
  if (!sock.authorized) return { ok: false, user: "system:anonymous", anonymous: true };
  const subject = sock.getPeerCertificate().subject as unknown as
    Record<string, string | string[]> | undefined;
  const cn = [subject?.CN ?? []].flat().at(-1) ?? "";
  const orgs = [subject?.O ?? []].flat();
  return { ok: cn === "kube-apiserver-kubelet-client" || orgs.includes("system:masters"), user: cn };
}

/**
 * The kubelet's own HTTPS API (port 10250): container logs, and exec, attach and port-forward
 * streams, which it hands to the CRI streaming server. Only the API server may call it.
 */
export class KubeletServer {
  private readonly kubelet: Kubelet;
  private readonly opts: KubeletServerOptions;
  private server?: Server;

  constructor(kubelet: Kubelet, opts: KubeletServerOptions) {
    this.kubelet = kubelet;
    this.opts = opts;
  }

  async run(signal: AbortSignal): Promise<void> {
    const tls = this.opts.tls.current;
    const server = createServer(
      { cert: tls.cert, key: tls.key, ca: tls.ca, requestCert: true, rejectUnauthorized: false },
      (req, res) => void this.handle(req, res),
    );
    this.opts.tls.onChange((next) =>
      server.setSecureContext({ cert: next.cert, key: next.key, ca: next.ca }),
    );
    server.on(
      "upgrade",
      (req: IncomingMessage, socket: Duplex, head: Buffer) => void this.upgrade(req, socket, head),
    );
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.opts.port, this.opts.bindAddress, () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.opts.logger.info("kubelet API listening", { port: this.opts.port });
    await new Promise<void>((resolve) =>
      signal.addEventListener(
        "abort",
        () => {
          server.close();
          server.closeAllConnections();
          resolve();
        },
        { once: true },
      ),
    );
  }

  private pod(namespace: string, name: string, uid?: string): PodSync {
    const w = this.kubelet.worker(namespace, name);
    if (!w || (uid && w.uid !== uid)) throw notFound(`pod "${name}" not found`);
    return w;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (code: number, body: unknown) => {
      const text = JSON.stringify(body);
      res.writeHead(code, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
      res.end(text);
    };
    const who = allowed(req);
    if (who.anonymous) {
      res.writeHead(401, { "Content-Type": "text/plain; charset=utf-8" });
      res.end("Unauthorized");
      return;
    }
    if (!who.ok)
      return send(
        403,
        status(403, "Forbidden", `Forbidden (user=${who.user}, verb=get, resource=nodes, subresource=proxy)`),
      );
    const url = new URL(req.url ?? "/", "https://kubelet");
    try {
      if (url.pathname === "/healthz") {
        res.writeHead(200, { "Content-Type": "text/plain" });
        res.end("ok");
        return;
      }
      if (url.pathname === "/pods") {
        return send(200, {
          kind: "PodList",
          apiVersion: "v1",
          metadata: {},
          items: [...this.kubelet.workers.values()].map((w) => w.pod),
        });
      }
      if (url.pathname === "/stats/summary" && req.method === "GET")
        return send(200, await this.kubelet.stats.summary());
      if (url.pathname === "/metrics/resource" && req.method === "GET") {
        const text = await this.kubelet.stats.resourceMetrics();
        res.writeHead(200, {
          "Content-Type": "text/plain; version=0.0.4; charset=utf-8",
          "Content-Length": Buffer.byteLength(text),
        });
        res.end(text);
        return;
      }
      const m = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
      if (m && req.method === "GET")
        return await this.logs(
          decodeURIComponent(m[1]),
          decodeURIComponent(m[2]),
          decodeURIComponent(m[3]),
          url.searchParams,
          res,
        );
      send(404, status(404, "NotFound", "404 page not found"));
    } catch (e) {
      if (e instanceof KubeletApiError) return send(e.code, status(e.code, e.reason, e.message));
      this.opts.logger.warn("kubelet API request failed", { url: req.url, error: (e as Error).message });
      if (!res.headersSent) send(500, status(500, "InternalError", (e as Error).message));
      else res.end();
    }
  }

  /** The container a log request means: the current instance, or the previous one (kubelet GetContainerLogs). */
  private logTarget(w: PodSync, container: string, previous: boolean): { path: string; id: string } {
    const pod = w.pod.metadata?.name ?? "";
    const st = w.currentStatus() ?? {};
    const all = [
      ...((st.containerStatuses ?? []) as Array<Record<string, any>>),
      ...((st.initContainerStatuses ?? []) as Array<Record<string, any>>),
    ];
    const cs = all.find((c) => c.name === container);
    if (!cs) throw badRequest(`container "${container}" in pod "${pod}" is not available`);
    let id: string | undefined;
    if (previous) {
      id = cs.lastState?.terminated?.containerID;
      if (!id) throw badRequest(`previous terminated container "${container}" in pod "${pod}" not found`);
    } else if (cs.state?.running || cs.state?.terminated) {
      id = cs.containerID;
    } else if (cs.lastState?.terminated) {
      // Waiting to restart: its last run is what there is to show.
      id = cs.lastState.terminated.containerID;
    } else {
      throw badRequest(
        `container "${container}" in pod "${pod}" is waiting to start: ${cs.state?.waiting?.reason ?? "ContainerCreating"}`,
      );
    }
    const raw = String(id).replace(/^[a-z]+:\/\//, "");
    const inst = w.instances(container).find((i) => i.id === raw);
    if (!inst?.logPath) throw badRequest(`container "${container}" in pod "${pod}" has no log`);
    return { path: inst.logPath, id: raw };
  }

  private async logs(
    ns: string,
    name: string,
    container: string,
    q: URLSearchParams,
    res: ServerResponse,
  ): Promise<void> {
    const w = this.pod(ns, name);
    const target = this.logTarget(w, container, flag(q, "previous"));
    const num = (k: string) => (q.get(k) === null ? undefined : Number(q.get(k)));
    const sinceSeconds = num("sinceSeconds");
    const sinceTime = q.get("sinceTime")
      ? new Date(q.get("sinceTime")!)
      : sinceSeconds !== undefined
        ? new Date(Date.now() - sinceSeconds * 1000)
        : undefined;
    const follow = flag(q, "follow");
    res.writeHead(200, {
      "Content-Type": "text/plain",
      ...(follow ? { "Transfer-Encoding": "chunked" } : {}),
    });
    res.flushHeaders();
    let closed = false;
    res.on("close", () => (closed = true));
    const runtime = this.kubelet.runtime!;
    await writeContainerLog(
      target.path,
      {
        tailLines: num("tailLines"),
        sinceTime,
        limitBytes: num("limitBytes"),
        timestamps: flag(q, "timestamps"),
        follow,
      },
      {
        write: (c) => res.write(c),
        get closed() {
          return closed;
        },
      },
      async () =>
        (await runtime.containerStatus(target.id).catch(() => undefined))?.state === "CONTAINER_RUNNING",
    );
    res.end();
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on("error", () => socket.destroy());
    const who = allowed(req);
    if (who.anonymous) return rejectUpgrade(socket, 401, status(401, "Unauthorized", "Unauthorized"));
    if (!who.ok)
      return rejectUpgrade(
        socket,
        403,
        status(
          403,
          "Forbidden",
          `Forbidden (user=${who.user}, verb=create, resource=nodes, subresource=proxy)`,
        ),
      );
    const url = new URL(req.url ?? "/", "https://kubelet");
    try {
      let m = /^\/(exec|attach)\/([^/]+)\/([^/]+)\/(?:([^/]+)\/)?([^/]+)$/.exec(url.pathname);
      if (m)
        return await this.stream(
          m[1] as "exec" | "attach",
          decodeURIComponent(m[2]),
          decodeURIComponent(m[3]),
          m[4],
          decodeURIComponent(m[5]),
          url.searchParams,
          req,
          socket,
          head,
        );
      m = /^\/portForward\/([^/]+)\/([^/]+)(?:\/([^/]+))?$/.exec(url.pathname);
      if (m)
        return await this.portForward(
          decodeURIComponent(m[1]),
          decodeURIComponent(m[2]),
          m[3],
          req,
          socket,
          head,
        );
      rejectUpgrade(socket, 404, status(404, "NotFound", "404 page not found"));
    } catch (e) {
      if (e instanceof KubeletApiError)
        return rejectUpgrade(socket, e.code, status(e.code, e.reason, e.message));
      this.opts.logger.warn("kubelet stream failed", { url: req.url, error: (e as Error).message });
      rejectUpgrade(socket, 500, status(500, "InternalError", (e as Error).message));
    }
  }

  private async stream(
    kind: "exec" | "attach",
    ns: string,
    name: string,
    uid: string | undefined,
    container: string,
    q: URLSearchParams,
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
  ): Promise<void> {
    const w = this.pod(ns, name, uid);
    const inst = w.instances(container)[0];
    if (!inst) throw notFound(`container not found ("${container}")`);
    if (inst.state !== "running") throw badRequest(`container ${container} is not running`);
    const opts: StreamOptions = {
      stdin: flag(q, "input") || flag(q, "stdin"),
      stdout: flag(q, "output") || flag(q, "stdout"),
      stderr: flag(q, "error") || flag(q, "stderr"),
      tty: flag(q, "tty"),
    };
    const runtime = this.kubelet.runtime as unknown as {
      exec(r: object): Promise<string>;
      attach(r: object): Promise<string>;
    };
    const request = {
      container_id: inst.id,
      tty: opts.tty,
      stdin: opts.stdin,
      stdout: opts.stdout,
      stderr: opts.stderr && !opts.tty,
    };
    const commands = q.getAll("command");
    if (kind === "exec" && !commands.length) throw badRequest("you must specify at least 1 command");
    const target = new URL(
      kind === "exec" ? await runtime.exec({ ...request, cmd: commands }) : await runtime.attach(request),
    );
    const upstream = await this.dial(target);
    if (isWebSocketRequest(req) && offeredProtocols(req).includes("v5.channel.k8s.io")) {
      const res = await requestUpgrade(
        upstream,
        upgradeRequestHead("POST", target.pathname, target.host, {
          connection: "Upgrade",
          upgrade: "SPDY/3.1",
          "x-stream-protocol-version": "v4.channel.k8s.io",
        }),
      );
      if (res.status !== 101)
        throw new KubeletApiError(500, "InternalError", `unable to upgrade connection: ${res.body.trim()}`);
      const ws = acceptWebSocket(req, socket, head, "v5.channel.k8s.io");
      translateExec(ws, upstream, res.rest, { ...opts, stderr: request.stderr });
      return;
    }
    spliceUpgrade(
      socket,
      head,
      upstream,
      upgradeRequestHead(req.method ?? "POST", target.pathname, target.host, req.headers),
    );
  }

  private async portForward(
    ns: string,
    name: string,
    uid: string | undefined,
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
  ): Promise<void> {
    const w = this.pod(ns, name, uid);
    const sandbox = w.sandbox;
    if (!sandbox) throw badRequest(`pod ${name} has no running sandbox`);
    const runtime = this.kubelet.runtime as unknown as {
      portForward(id: string, ports: number[]): Promise<string>;
    };
    const target = new URL(await runtime.portForward(sandbox.id, []));
    const upstream = await this.dial(target);
    const tunnel =
      isWebSocketRequest(req) &&
      offeredProtocols(req).find((p) => p.startsWith("SPDY/3.1+portforward.k8s.io"));
    if (tunnel) {
      const res = await requestUpgrade(
        upstream,
        upgradeRequestHead("POST", target.pathname, target.host, {
          connection: "Upgrade",
          upgrade: "SPDY/3.1",
          "x-stream-protocol-version": "portforward.k8s.io",
        }),
      );
      if (res.status !== 101)
        throw new KubeletApiError(500, "InternalError", `unable to upgrade connection: ${res.body.trim()}`);
      bridgeTunnel(acceptWebSocket(req, socket, head, tunnel), upstream, res.rest);
      return;
    }
    spliceUpgrade(
      socket,
      head,
      upstream,
      upgradeRequestHead(req.method ?? "POST", target.pathname, target.host, req.headers),
    );
  }

  private dial(target: URL): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      const s = connect(Number(target.port || 80), target.hostname, () => resolve(s));
      s.once("error", reject);
    });
  }
}
