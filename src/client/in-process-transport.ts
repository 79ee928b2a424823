import type { IncomingHttpHeaders } from "node:http";
import type { ApiRequest, ServeSink } from "../apiserver/server.ts";
import type { UserInfo } from "../apiserver/registry/strategy.ts";
import type { Transport, TransportResponse, WatchEventChunk } from "./transport.ts";

/** The API server's handler chain, as the in-process transport needs it. */
export interface InProcessServer {
  serve(req: ApiRequest, user: UserInfo | undefined, res: ServeSink): Promise<void>;
}

const eventWeight = 1024;

/**
 * A response that streams to an in-process reader instead of a socket. It fires "close" when the
 * reader goes away (as a dropped connection would) and after the end.
 */
class InProcessResponse implements ServeSink, AsyncIterable<string | WatchEventChunk> {
  statusCode = 200;
  headersSent = false;
  writableLength = 0;
  private readonly chunks: Array<string | WatchEventChunk> = [];
  private ended = false;
  private closed = false;
  private wake?: () => void;
  private readonly closeListeners: Array<() => void> = [];
  private headResolve!: () => void;
  readonly head = new Promise<void>((r) => (this.headResolve = r));

  writeHead(status: number): this {
    this.statusCode = status;
    this.headersSent = true;
    this.headResolve();
    return this;
  }

  flushHeaders(): void {}

  write(chunk: string | Uint8Array): boolean {
    if (this.closed) return false;
    // In-process callers ask only for JSON; bytes would be a protobuf body, kept as text.
    if (typeof chunk !== "string") chunk = Buffer.from(chunk).toString("utf8");
    if (!this.headersSent) this.writeHead(this.statusCode);
    this.chunks.push(chunk);
    this.writableLength += chunk.length;
    this.wake?.();
    return true;
  }

  writeEvent(type: string, object: unknown): boolean {
    if (this.closed) return false;
    if (!this.headersSent) this.writeHead(this.statusCode);
    this.chunks.push({ type, object });
    // Not bytes, but enough for the server's bound on what a slow reader leaves unread.
    this.writableLength += eventWeight;
    this.wake?.();
    return true;
  }

  end(chunk?: string | Uint8Array): this {
    // In-process callers ask only for JSON; a binary body (OpenAPI v2 protobuf) is kept as text.
    if (chunk) this.write(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
    if (!this.headersSent) this.writeHead(this.statusCode);
    this.ended = true;
    this.wake?.();
    return this;
  }

  on(event: "close" | "drain", cb: () => void): this {
    if (event === "close") this.closeListeners.push(cb);
    return this;
  }

  abort(): void {
    if (this.closed) return;
    this.closed = true;
    this.ended = true;
    this.headResolve();
    for (const cb of this.closeListeners) cb();
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<string | WatchEventChunk> {
    try {
      for (;;) {
        while (this.chunks.length) {
          const c = this.chunks.shift()!;
          this.writableLength -= typeof c === "string" ? c.length : eventWeight;
          yield c;
        }
        if (this.ended) return;
        await new Promise<void>((r) => (this.wake = r));
        this.wake = undefined;
      }
    } finally {
      this.abort();
    }
  }
}

/** Requests go straight into the API server's handler chain as the given user: no TLS, no sockets. */
export class InProcessTransport implements Transport {
  private readonly server: InProcessServer;
  private readonly user: UserInfo;

  constructor(server: InProcessServer, user: UserInfo) {
    this.server = server;
    this.user = user;
  }

  async open(
    method: string,
    pathAndQuery: string,
    headers: Record<string, string>,
    body: string | undefined,
    signal?: AbortSignal,
  ): Promise<TransportResponse> {
    if (signal?.aborted) throw signal.reason ?? new Error("aborted");
    const lower: IncomingHttpHeaders = {};
    for (const [k, v] of Object.entries(headers)) lower[k.toLowerCase()] = v;
    const res = new InProcessResponse();
    const req: ApiRequest = {
      method,
      url: pathAndQuery,
      headers: lower,
      readBody: () => Promise.resolve(Buffer.from(body ?? "")),
    };
    signal?.addEventListener("abort", () => res.abort(), { once: true });
    void this.server.serve(req, this.user, res);
    await res.head;
    if (signal?.aborted) throw signal.reason ?? new Error("aborted");
    return { statusCode: res.statusCode, body: res };
  }

  close(): void {}
}
