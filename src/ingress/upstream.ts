// The Ingress's own HTTP/1.1 client for requests without a body (nearly all of them): kept-alive
// connections per endpoint, the request head written in one go, the answer's head parsed here and
// its body relayed as it arrives, framed by Content-Length, chunked encoding or the connection's
// end. A general client (undici) costs several times as much per request, which is most of what a
// proxy spends; requests with a body still go through it.
import type { ServerResponse } from "node:http";
import { connect, type Socket } from "node:net";

/** Why an exchange failed, for the caller's choice of 502/504 and of trying another endpoint. */
export type UpstreamFailure = "refused" | "timeout" | "bad-response" | "reset";

export interface Exchange {
  /** The request head, ending in the blank line. */
  head: string;
  /** HEAD requests: the answer has no body whatever its headers say. */
  headRequest: boolean;
  res: ServerResponse;
  /** Nothing was written to the client yet; the caller answers (or tries elsewhere). */
  failed(why: UpstreamFailure, detail: string): void;
}

// Headers of the answer that describe the endpoint's connection, not the response (RFC 9110 7.6.1).
const HOP = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
  "proxy-connection",
]);
const MAX_HEAD = 64 * 1024;
const MAX_IDLE_PER_ORIGIN = 256;

type BodyMode = { kind: "none" } | { kind: "length"; left: number } | { kind: "chunked" } | { kind: "close" };

/** Chunked decoding state: where in the framing the next byte falls. */
interface ChunkState {
  /** Bytes of data left in the current chunk; -1 while reading a size line. */
  left: number;
  line: string;
  /** After a chunk's data, its CRLF; after the last chunk, trailers up to a blank line. */
  phase: "size" | "data" | "data-crlf" | "trailer";
}

class Connection {
  readonly socket: Socket;
  private buf: Buffer | undefined;
  private ex: Exchange | undefined;
  private answered = false;
  private body: BodyMode = { kind: "none" };
  private chunk: ChunkState = { left: -1, line: "", phase: "size" };
  private keep = true;
  reused = false;
  private readonly done: (c: Connection, reusable: boolean) => void;

  constructor(socket: Socket, done: (c: Connection, reusable: boolean) => void) {
    this.socket = socket;
    this.done = done;
    socket.setNoDelay(true);
    socket.on("data", (d: Buffer) => this.onData(d));
    socket.on("end", () => this.onEnd());
    socket.on("error", (e: NodeJS.ErrnoException) => this.onClose(e));
    socket.on("close", () => this.onClose());
    socket.on("timeout", () => {
      if (this.ex) socket.destroy(Object.assign(new Error("upstream timed out"), { code: "ETIMEDOUT" }));
      else socket.destroy();
    });
  }

  start(ex: Exchange, timeoutMs: number): void {
    this.ex = ex;
    this.answered = false;
    this.keep = true;
    this.buf = undefined;
    this.socket.setTimeout(timeoutMs);
    ex.res.once("close", () => {
      // The client went away before the answer ended: this connection is mid-response, drop it.
      if (this.ex === ex && !ex.res.writableFinished) this.socket.destroy();
    });
    this.socket.write(ex.head);
  }

  private fail(why: UpstreamFailure, detail: string): void {
    const ex = this.ex;
    this.ex = undefined;
    this.socket.destroy();
    if (!ex) return;
    if (this.answered) ex.res.destroy();
    else ex.failed(why, detail);
  }

  private onData(d: Buffer): void {
    if (!this.ex) {
      // Bytes nobody asked for: the endpoint is not speaking HTTP/1.1 as agreed.
      this.socket.destroy();
      return;
    }
    if (!this.answered) {
      const data: Buffer = this.buf ? Buffer.concat([this.buf, d]) : d;
      const end = data.indexOf("\r\n\r\n");
      if (end < 0) {
        if (data.length > MAX_HEAD) return this.fail("bad-response", "response head too large");
        this.buf = data;
        return;
      }
      this.buf = undefined;
      const rest = this.head(data.toString("latin1", 0, end));
      if (rest === undefined) return;
      const after = data.subarray(end + 4);
      if (rest === "interim") {
        if (after.length) this.onData(after);
        return;
      }
      if (after.length) this.relay(after);
      else if (this.body.kind === "none") this.finish();
      return;
    }
    this.relay(d);
  }

  /** Parses the answer's head and starts the response; "interim" for a 1xx to skip. */
  private head(text: string): "ok" | "interim" | undefined {
    const ex = this.ex!;
    const lines = text.split("\r\n");
    const m = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/.exec(lines[0] ?? "");
    if (!m) {
      this.fail("bad-response", `bad status line ${JSON.stringify((lines[0] ?? "").slice(0, 80))}`);
      return undefined;
    }
    const status = Number(m[2]);
    if (status >= 100 && status < 200) return "interim";
    const out: string[] = [];
    let length = -1;
    let chunked = false;
    let close = m[1] === "0";
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const c = line.indexOf(":");
      if (c <= 0) {
        this.fail("bad-response", "malformed header line");
        return undefined;
      }
      const name = line.slice(0, c).trim();
      const value = line.slice(c + 1).trim();
      const lower = name.toLowerCase();
      if (lower === "content-length") {
        const n = Number(value);
        if (!/^\d+$/.test(value) || (length >= 0 && length !== n)) {
          this.fail("bad-response", "bad content-length");
          return undefined;
        }
        length = n;
      } else if (lower === "transfer-encoding") {
        chunked = /(?:^|,)\s*chunked\s*$/i.test(value);
        if (!chunked) close = true;
      } else if (lower === "connection") {
        if (/\bclose\b/i.test(value)) close = true;
      }
      if (HOP.has(lower)) continue;
      if (lower === "content-length" && chunked) continue;
      out.push(name, value);
    }
    if (ex.headRequest || status === 204 || status === 304) this.body = { kind: "none" };
    else if (chunked) {
      this.body = { kind: "chunked" };
      this.chunk = { left: -1, line: "", phase: "size" };
      // Both framings: chunked wins (RFC 9112 6.3) and the length is not passed on.
      if (length >= 0)
        out.splice(
          out.findIndex((v, i) => i % 2 === 0 && v.toLowerCase() === "content-length"),
          2,
        );
    } else if (length >= 0) this.body = length === 0 ? { kind: "none" } : { kind: "length", left: length };
    else {
      this.body = { kind: "close" };
      close = true;
    }
    this.keep = !close;
    this.answered = true;
    ex.res.writeHead(status, m[3] || undefined, out);
    // The whole answer usually came in this one read: its head, body and end leave in one write.
    const res = ex.res;
    res.cork();
    process.nextTick(() => res.uncork());
    return "ok";
  }

  /** Passes body bytes on, and ends the response where its framing ends. */
  private relay(d: Buffer): void {
    const b = this.body;
    const res = this.ex!.res;
    if (b.kind === "none") {
      // Bytes after a complete answer: not a connection to keep.
      this.keep = false;
      this.finish();
      return;
    }
    if (b.kind === "close") return this.write(res, d);
    if (b.kind === "length") {
      if (d.length < b.left) {
        b.left -= d.length;
        return this.write(res, d);
      }
      const last = d.length === b.left ? d : d.subarray(0, b.left);
      if (d.length > b.left) this.keep = false;
      b.left = 0;
      res.write(last);
      this.finish();
      return;
    }
    this.dechunk(d, res);
  }

  private dechunk(d: Buffer, res: ServerResponse): void {
    const s = this.chunk;
    let i = 0;
    while (i < d.length) {
      if (s.phase === "data") {
        const n = Math.min(s.left, d.length - i);
        this.write(res, d.subarray(i, i + n));
        s.left -= n;
        i += n;
        if (s.left === 0) {
          s.phase = "data-crlf";
          s.line = "";
        }
        continue;
      }
      const nl = d.indexOf(10, i);
      const part = d.toString("latin1", i, nl < 0 ? d.length : nl);
      if (nl < 0) {
        s.line += part;
        if (s.line.length > 4096) return this.fail("bad-response", "chunk line too long");
        return;
      }
      const line = (s.line + part).replace(/\r$/, "");
      s.line = "";
      i = nl + 1;
      if (s.phase === "data-crlf") {
        if (line !== "") return this.fail("bad-response", "chunk not followed by CRLF");
        s.phase = "size";
      } else if (s.phase === "size") {
        const size = /^([0-9a-fA-F]{1,8})(?:\s*;.*)?$/.exec(line);
        if (!size) return this.fail("bad-response", "bad chunk size");
        s.left = parseInt(size[1]!, 16);
        s.phase = s.left === 0 ? "trailer" : "data";
      } else if (line === "") {
        // The blank line after the last chunk (and any trailers, which are not passed on).
        if (i < d.length) this.keep = false;
        this.finish();
        return;
      }
    }
  }

  private write(res: ServerResponse, d: Buffer): void {
    if (!res.write(d)) {
      this.socket.pause();
      res.once("drain", () => this.socket.resume());
    }
  }

  private finish(): void {
    const ex = this.ex;
    if (!ex) return;
    this.ex = undefined;
    this.socket.setTimeout(0);
    ex.res.end();
    this.done(this, this.keep && !this.socket.destroyed);
  }

  private onEnd(): void {
    if (this.ex && this.answered && this.body.kind === "close") {
      this.keep = false;
      this.finish();
      return;
    }
    this.socket.destroy();
  }

  private onClose(e?: NodeJS.ErrnoException): void {
    this.done(this, false);
    if (!this.ex) return;
    const code = e?.code ?? "";
    if (code === "ETIMEDOUT") return this.fail("timeout", "upstream timed out");
    if (code === "ECONNREFUSED" || code === "EHOSTUNREACH" || code === "ENETUNREACH")
      return this.fail("refused", e!.message);
    this.fail("reset", e?.message ?? "connection closed before the answer ended");
  }
}

export class UpstreamPool {
  private readonly idle = new Map<string, Connection[]>();
  private readonly all = new Set<Connection>();
  private readonly timeoutMs: number;
  private closed = false;

  constructor(timeoutMs: number) {
    this.timeoutMs = timeoutMs;
  }

  /** Sends one bodyless request to host:port on a kept-alive connection or a new one. */
  send(host: string, port: number, ex: Exchange): void {
    const key = `${host}:${port}`;
    const idle = this.idle.get(key);
    const reused = idle?.pop();
    if (reused) {
      // A kept connection the endpoint closed meanwhile fails at once: the request goes again on a
      // new one, which is safe for a request without a body.
      reused.reused = true;
      reused.start(
        {
          ...ex,
          failed: (why, detail) =>
            why === "reset" || why === "bad-response"
              ? this.fresh(key, host, port, ex)
              : ex.failed(why, detail),
        },
        this.timeoutMs,
      );
      return;
    }
    this.fresh(key, host, port, ex);
  }

  private fresh(key: string, host: string, port: number, ex: Exchange): void {
    const socket = connect({ host, port });
    const c = new Connection(socket, (conn, reusable) => this.release(key, conn, reusable));
    this.all.add(c);
    c.start(ex, this.timeoutMs);
  }

  private release(key: string, c: Connection, reusable: boolean): void {
    const list = this.idle.get(key) ?? [];
    const at = list.indexOf(c);
    if (at >= 0) list.splice(at, 1);
    if (!reusable || this.closed || list.length >= MAX_IDLE_PER_ORIGIN) {
      this.all.delete(c);
      if (!c.socket.destroyed) c.socket.destroy();
      return;
    }
    // Idle connections close after a minute, as nginx's upstream keepalive_timeout.
    c.socket.setTimeout(60_000);
    list.push(c);
    this.idle.set(key, list);
  }

  close(): void {
    this.closed = true;
    for (const c of this.all) c.socket.destroy();
    this.all.clear();
    this.idle.clear();
  }
}
