// The Ingress data plane on Node's own HTTP stack: each request goes straight to a ready endpoint of
// the matched backend (not through the service's virtual IP, as ingress-nginx does it), with the
// usual forwarding headers; WebSocket and other upgrades are piped both ways; no rule is 404, no
// ready endpoint 503, an endpoint that refuses 502, one that does not answer in time 504.
import { randomFillSync } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { connect, isIPv6, type Socket } from "node:net";
import type { Duplex } from "node:stream";
// Requests with a body go through undici's pooled client (a third of node:http's request() cost);
// those without one, nearly all, through the proxy's own leaner one (upstream.ts).
import { Agent, type Dispatcher } from "undici";
import type { Logger } from "../util/logger.ts";
import { UpstreamPool } from "./upstream.ts";
import { requestHost, type Backend, type IngressTable } from "./routes.ts";

export interface ProxyTarget {
  host: string;
  port: number;
  /** `http://host:port`, which keys the connection pool. */
  origin: string;
}

const target = (host: string, port: number): ProxyTarget => ({
  host,
  port,
  origin: isIPv6(host) ? `http://[${host}]:${port}` : `http://${host}:${port}`,
});

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
  // Answered here: Node's server sends 100 Continue itself, and the endpoint gets the body anyway.
  "expect",
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

const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS"]);
/** Errors before anything was sent back, after which another endpoint may be tried. */
const REFUSED = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ECONNRESET", "UND_ERR_SOCKET"]);
const TIMED_OUT = new Set(["UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);

/** ingress-nginx's $req_id: 16 random bytes in hex, drawn from a pool filled a few thousand at once. */
const ids = Buffer.alloc(16 * 256);
let idAt = ids.length;
function requestId(): string {
  if (idAt === ids.length) {
    randomFillSync(ids);
    idAt = 0;
  }
  idAt += 16;
  return ids.toString("hex", idAt - 16, idAt);
}

export interface IngressProxyDeps {
  logger: Logger;
  table(): IngressTable;
  /** How long an endpoint may take to connect, answer, or send more (nginx's proxy_*_timeout 60s). */
  timeoutMs?: number;
}

export class IngressProxy {
  private readonly deps: IngressProxyDeps;
  private readonly agent: Agent;
  private readonly upstream: UpstreamPool;
  private readonly timeoutMs: number;
  /** Each backend's targets, made once per table build (backends are rebuilt with the table). */
  private readonly origins = new WeakMap<Backend, ProxyTarget[]>();
  /** Round-robin position per backend service, kept across table rebuilds. */
  private readonly next = new Map<string, number>();

  constructor(deps: IngressProxyDeps) {
    this.deps = deps;
    this.timeoutMs = deps.timeoutMs ?? 60_000;
    this.upstream = new UpstreamPool(this.timeoutMs);
    this.agent = new Agent({
      connect: { timeout: this.timeoutMs },
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      keepAliveTimeout: 60_000,
    });
  }

  close(): void {
    this.upstream.close();
    void this.agent.destroy().catch(() => undefined);
  }

  /** The targets to try for a backend, starting with the next in turn. */
  private targets(b: Backend): { list: ProxyTarget[]; start: number } {
    let list = this.origins.get(b);
    if (!list) {
      list = b.external
        ? [target(b.external.host, b.external.port)]
        : b.endpoints.map((e) => target(e.ip, e.port));
      this.origins.set(b, list);
    }
    if (list.length < 2) return { list, start: 0 };
    const key = `${b.namespace}/${b.service}`;
    const start = (this.next.get(key) ?? 0) % list.length;
    this.next.set(key, start + 1);
    return { list, start };
  }

  private route(req: IncomingMessage): { backend?: Backend; path: string } {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q >= 0 ? url.slice(0, q) : url;
    return { backend: this.deps.table().match(requestHost(req.headers.host), path), path };
  }

  private forwardHeaders(req: IncomingMessage, scheme: "http" | "https"): Record<string, string | string[]> {
    const out: Record<string, string | string[]> = {};
    const h = req.headers;
    // Headers the client's Connection header names are hop-by-hop too (keep-alive and close name none).
    const conn = h.connection?.toLowerCase();
    const named =
      conn && conn !== "keep-alive" && conn !== "close"
        ? new Set(conn.split(",").map((t) => t.trim()))
        : undefined;
    for (const k in h) {
      const v = h[k];
      if (v === undefined || HOP_BY_HOP.has(k) || named?.has(k)) continue;
      out[k] = v;
    }
    let remote = req.socket.remoteAddress ?? "";
    if (remote.startsWith("::ffff:")) remote = remote.slice(7);
    const localPort = String(req.socket.localPort ?? "");
    // As ingress-nginx without use-forwarded-headers: the client is who connected, not who it claims.
    out["x-request-id"] = requestId();
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
    const { list, start } = this.targets(backend);
    if (list.length === 0) return this.fail(res, 503);
    const headers = this.forwardHeaders(req, scheme);
    // Without a body, a request an endpoint refused can go to the next one (proxy_next_upstream).
    const bodyless =
      IDEMPOTENT.has(req.method ?? "") &&
      !req.headers["transfer-encoding"] &&
      !Number(req.headers["content-length"]);
    if (bodyless) return this.forwardBodyless(req, res, headers, list, start);
    let controller: Dispatcher.DispatchController | undefined;
    let clientGone = false;
    res.on("close", () => {
      if (res.writableFinished) return;
      clientGone = true;
      controller?.abort(new Error("client closed the connection"));
      req.destroy();
    });
    const attempt = (i: number): void => {
      const t = list[(start + i) % list.length]!;
      let answered = false;
      this.agent.dispatch(
        {
          origin: t.origin,
          method: (req.method ?? "GET") as Dispatcher.HttpMethod,
          path: req.url ?? "/",
          headers,
          body: bodyless ? null : req,
        },
        {
          onRequestStart: (c) => {
            controller = c;
            if (clientGone) c.abort(new Error("client closed the connection"));
          },
          onResponseStart: (c, statusCode, upHeaders, statusMessage) => {
            answered = true;
            const out: Record<string, string | string[]> = {};
            for (const k in upHeaders) {
              const v = upHeaders[k];
              if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
            }
            res.writeHead(statusCode, statusMessage, out);
          },
          onResponseData: (c, chunk) => {
            // Backpressure: a slow client pauses the endpoint's side instead of buffering it all.
            if (!res.write(chunk)) {
              c.pause();
              res.once("drain", () => c.resume());
            }
          },
          onResponseEnd: () => {
            res.end();
          },
          onResponseError: (_c, err: NodeJS.ErrnoException) => {
            if (clientGone) return;
            if (answered) return void res.destroy();
            const code = err.code ?? "";
            if (bodyless && REFUSED.has(code) && i + 1 < list.length) return attempt(i + 1);
            this.deps.logger.debug("ingress upstream failed", {
              upstream: t.origin,
              error: err.message,
            });
            this.fail(res, TIMED_OUT.has(code) ? 504 : 502);
          },
        },
      );
    };
    attempt(0);
  }

  /** A request without a body, on the proxy's own connections to the endpoints. */
  private forwardBodyless(
    req: IncomingMessage,
    res: ServerResponse,
    headers: Record<string, string | string[]>,
    list: ProxyTarget[],
    start: number,
  ): void {
    let head = `${req.method} ${req.url ?? "/"} HTTP/1.1\r\n`;
    for (const k in headers) {
      const v = headers[k]!;
      if (typeof v === "string") head += `${k}: ${v}\r\n`;
      else for (const one of v) head += `${k}: ${one}\r\n`;
    }
    head += "\r\n";
    const headRequest = req.method === "HEAD";
    const attempt = (i: number): void => {
      const t = list[(start + i) % list.length]!;
      this.upstream.send(t.host, t.port, {
        head,
        headRequest,
        res,
        failed: (why, detail) => {
          if (res.destroyed) return;
          if (why === "refused" && i + 1 < list.length) return attempt(i + 1);
          this.deps.logger.debug("ingress upstream failed", { upstream: t.origin, error: detail });
          this.fail(res, why === "timeout" ? 504 : 502);
        },
      });
    };
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
    const { list, start } = this.targets(backend);
    const t = list[start];
    if (!t) return refuse(503);
    const headers = this.forwardHeaders(req, scheme);
    headers.connection = "Upgrade";
    headers.upgrade = req.headers.upgrade ?? "websocket";
    const up: Socket = connect(t.port, t.host);
    up.setTimeout(this.timeoutMs, () => up.destroy(new Error("upstream timed out")));
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
