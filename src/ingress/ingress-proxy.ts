// The Ingress data plane on Node's own HTTP stack: each request goes straight to a ready endpoint of
// the matched backend (not through the service's virtual IP, as ingress-nginx does it), with the
// usual forwarding headers; WebSocket and other upgrades are piped both ways; no rule is 404, no
// ready endpoint 503, an endpoint that refuses 502, one that does not answer in time 504.
import { randomBytes } from "node:crypto";
import { Agent, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import { connect, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { Logger } from "../util/logger.ts";
import { requestHost, type Backend, type IngressTable } from "./routes.ts";

export interface ProxyTarget {
  host: string;
  port: number;
}

// Headers that describe one hop and must not be forwarded (RFC 9110 7.6.1).
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

// nginx's own error pages, which is what users of ingress-nginx see.
const page = (code: number, text: string) =>
  `<html>\r\n<head><title>${code} ${text}</title></head>\r\n<body>\r\n<center><h1>${code} ${text}</h1></center>\r\n<hr><center>skiff</center>\r\n</body>\r\n</html>\r\n`;
const STATUS_TEXT: Record<number, string> = {
  404: "Not Found",
  502: "Bad Gateway",
  503: "Service Temporarily Unavailable",
  504: "Gateway Time-out",
};

const UPSTREAM_TIMEOUT_MS = 60_000;
const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS"]);

export interface IngressProxyDeps {
  logger: Logger;
  table(): IngressTable;
}

export class IngressProxy {
  private readonly deps: IngressProxyDeps;
  private readonly agent = new Agent({ keepAlive: true, maxFreeSockets: 256, timeout: UPSTREAM_TIMEOUT_MS });
  /** Round-robin position per backend service, kept across table rebuilds. */
  private readonly next = new Map<string, number>();

  constructor(deps: IngressProxyDeps) {
    this.deps = deps;
  }

  close(): void {
    this.agent.destroy();
  }

  /** The targets to try for a backend, starting with the next in turn. */
  private targets(b: Backend): ProxyTarget[] {
    if (b.external) return [b.external];
    const eps = b.endpoints;
    if (eps.length === 0) return [];
    const key = `${b.namespace}/${b.service}`;
    const start = (this.next.get(key) ?? 0) % eps.length;
    this.next.set(key, start + 1);
    const out: ProxyTarget[] = [];
    for (let i = 0; i < eps.length; i++) {
      const e = eps[(start + i) % eps.length]!;
      out.push({ host: e.ip, port: e.port });
    }
    return out;
  }

  private route(req: IncomingMessage): { backend?: Backend; path: string } {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q >= 0 ? url.slice(0, q) : url;
    return { backend: this.deps.table().match(requestHost(req.headers.host), path), path };
  }

  private forwardHeaders(req: IncomingMessage, scheme: "http" | "https"): Record<string, string | string[]> {
    const out: Record<string, string | string[]> = {};
    const connectionTokens = new Set(
      String(req.headers.connection ?? "")
        .toLowerCase()
        .split(",")
        .map((t) => t.trim()),
    );
    for (const [k, v] of Object.entries(req.headers)) {
      if (v === undefined || HOP_BY_HOP.has(k) || connectionTokens.has(k)) continue;
      out[k] = v;
    }
    const remote = req.socket.remoteAddress?.replace(/^::ffff:/, "") ?? "";
    const localPort = String(req.socket.localPort ?? "");
    // As ingress-nginx without use-forwarded-headers: the client is who connected, not who it claims.
    out["x-request-id"] = randomBytes(16).toString("hex");
    out["x-real-ip"] = remote;
    out["x-forwarded-for"] = remote;
    out["x-forwarded-host"] = req.headers.host ?? "";
    out["x-forwarded-port"] = localPort;
    out["x-forwarded-proto"] = scheme;
    out["x-forwarded-scheme"] = scheme;
    out["x-scheme"] = scheme;
    return out;
  }

  private fail(res: ServerResponse, code: number): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const body = page(code, STATUS_TEXT[code] ?? "Error");
    res.writeHead(code, { "content-type": "text/html", "content-length": Buffer.byteLength(body) });
    res.end(body);
  }

  handle(req: IncomingMessage, res: ServerResponse, scheme: "http" | "https"): void {
    const { backend } = this.route(req);
    if (!backend) return this.fail(res, 404);
    const targets = this.targets(backend);
    if (targets.length === 0) return this.fail(res, 503);
    const headers = this.forwardHeaders(req, scheme);
    // Without a body, a request an endpoint refused can go to the next one (proxy_next_upstream).
    const bodyless =
      IDEMPOTENT.has(req.method ?? "") &&
      !req.headers["transfer-encoding"] &&
      !Number(req.headers["content-length"]);
    const attempt = (i: number): void => {
      const t = targets[i]!;
      const up = httpRequest({
        host: t.host,
        port: t.port,
        method: req.method,
        path: req.url,
        headers,
        agent: this.agent,
        timeout: UPSTREAM_TIMEOUT_MS,
      });
      let answered = false;
      up.on("response", (r) => {
        answered = true;
        const out: Record<string, string | string[]> = {};
        for (const [k, v] of Object.entries(r.headers)) {
          if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
        }
        res.writeHead(r.statusCode ?? 502, r.statusMessage, out);
        r.pipe(res);
        r.on("error", () => res.destroy());
      });
      up.on("timeout", () => up.destroy(new Error("upstream timed out")));
      up.on("error", (err: NodeJS.ErrnoException) => {
        if (answered) return res.destroy();
        const refused =
          err.code === "ECONNREFUSED" || err.code === "EHOSTUNREACH" || err.code === "ECONNRESET";
        if (bodyless && refused && i + 1 < targets.length && !res.headersSent) return attempt(i + 1);
        this.deps.logger.debug("ingress upstream failed", {
          upstream: `${t.host}:${t.port}`,
          error: err.message,
        });
        this.fail(res, err.message === "upstream timed out" ? 504 : 502);
      });
      if (bodyless) up.end();
      else req.pipe(up);
    };
    res.on("close", () => {
      if (!res.writableFinished) req.destroy();
    });
    attempt(0);
  }

  /** An upgrade (WebSocket): the request line and headers sent on, then bytes piped both ways. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, scheme: "http" | "https"): void {
    const refuse = (code: number) => {
      const body = page(code, STATUS_TEXT[code] ?? "Error");
      socket.end(
        `HTTP/1.1 ${code} ${STATUS_TEXT[code]}\r\ncontent-type: text/html\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
    };
    socket.on("error", () => socket.destroy());
    const { backend } = this.route(req);
    if (!backend) return refuse(404);
    const [t] = this.targets(backend);
    if (!t) return refuse(503);
    const headers = this.forwardHeaders(req, scheme);
    headers.connection = "Upgrade";
    headers.upgrade = req.headers.upgrade ?? "websocket";
    const up: Socket = connect(t.port, t.host);
    up.setTimeout(UPSTREAM_TIMEOUT_MS, () => up.destroy(new Error("upstream timed out")));
    up.once("connect", () => {
      up.setTimeout(0);
      let text = `${req.method} ${req.url} HTTP/1.1\r\n`;
      for (const [k, v] of Object.entries(headers)) {
        for (const one of Array.isArray(v) ? v : [v]) text += `${k}: ${one}\r\n`;
      }
      up.write(text + "\r\n");
      if (head.length) up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    up.on("error", () => {
      if (up.bytesRead === 0) refuse(502);
      else socket.destroy();
    });
    socket.on("close", () => up.destroy());
  }
}
