// A server-side WebSocket (RFC 6455) on an upgraded socket, without the subprotocol checks of
// general libraries: kubectl's port-forward tunnel names its subprotocol "SPDY/3.1+portforward.k8s.io".
import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

export function isWebSocketRequest(req: IncomingMessage): boolean {
  return String(req.headers.upgrade ?? "").toLowerCase() === "websocket";
}

/** The subprotocols a client offers, in its order. */
export function offeredProtocols(req: IncomingMessage): string[] {
  return String(req.headers["sec-websocket-protocol"] ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Completes the handshake (101) with the chosen subprotocol and answers the connection. */
export function acceptWebSocket(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  protocol: string,
): WsConnection {
  const key = String(req.headers["sec-websocket-key"] ?? "");
  const accept = createHash("sha1")
    .update(key + GUID)
    .digest("base64");
  const lines = [
    "HTTP/1.1 101 Switching Protocols",
    "Upgrade: websocket",
    "Connection: Upgrade",
    `Sec-WebSocket-Accept: ${accept}`,
  ];
  if (protocol) lines.push(`Sec-WebSocket-Protocol: ${protocol}`);
  socket.write(lines.join("\r\n") + "\r\n\r\n");
  return new WsConnection(socket, head);
}

const OP_CONT = 0;
const OP_TEXT = 1;
export const OP_BINARY = 2;
const OP_CLOSE = 8;
const OP_PING = 9;
const OP_PONG = 10;

export class WsConnection {
  private readonly socket: Duplex;
  private buf: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private fragmentOp = 0;
  private closed = false;
  onMessage?: (data: Buffer, binary: boolean) => void;
  onClose?: () => void;

  constructor(socket: Duplex, head?: Buffer) {
    this.socket = socket;
    socket.on("data", (d: Buffer) => this.receive(d));
    socket.on("close", () => this.finish());
    socket.on("error", () => this.finish());
    if (head?.length) this.receive(head);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  send(data: Buffer, opcode = OP_BINARY): void {
    if (this.closed) return;
    const len = data.length;
    let h: Buffer;
    if (len < 126) {
      h = Buffer.from([0x80 | opcode, len]);
    } else if (len < 65536) {
      h = Buffer.alloc(4);
      h[0] = 0x80 | opcode;
      h[1] = 126;
      h.writeUInt16BE(len, 2);
    } else {
      h = Buffer.alloc(10);
      h[0] = 0x80 | opcode;
      h[1] = 127;
      h.writeBigUInt64BE(BigInt(len), 2);
    }
    this.socket.write(Buffer.concat([h, data]));
  }

  /** Sends a close frame with the code, then ends the connection. */
  close(code = 1000, reason = ""): void {
    if (this.closed) return;
    const r = Buffer.from(reason);
    const p = Buffer.alloc(2 + r.length);
    p.writeUInt16BE(code, 0);
    r.copy(p, 2);
    this.send(p, OP_CLOSE);
    this.closed = true;
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 5000).unref();
    this.onClose?.();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.onClose?.();
  }

  private receive(d: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    for (;;) {
      if (this.buf.length < 2) return;
      const b0 = this.buf[0];
      const b1 = this.buf[1];
      let len = b1 & 0x7f;
      let off = 2;
      if (len === 126) {
        if (this.buf.length < 4) return;
        len = this.buf.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (this.buf.length < 10) return;
        len = Number(this.buf.readBigUInt64BE(2));
        off = 10;
      }
      const masked = (b1 & 0x80) !== 0;
      const maskOff = off;
      if (masked) off += 4;
      if (this.buf.length < off + len) return;
      const payload = Buffer.from(this.buf.subarray(off, off + len));
      if (masked) for (let i = 0; i < payload.length; i++) payload[i] ^= this.buf[maskOff + (i % 4)];
      this.buf = this.buf.subarray(off + len);
      this.frame((b0 & 0x80) !== 0, b0 & 0x0f, payload);
      if (this.closed) return;
    }
  }

  private frame(fin: boolean, op: number, payload: Buffer): void {
    switch (op) {
      case OP_PING:
        this.send(payload, OP_PONG);
        return;
      case OP_PONG:
        return;
      case OP_CLOSE:
        this.close(payload.length >= 2 ? payload.readUInt16BE(0) : 1000);
        return;
      case OP_CONT:
        this.fragments.push(payload);
        if (fin) {
          const all = Buffer.concat(this.fragments);
          this.fragments = [];
          this.onMessage?.(all, this.fragmentOp === OP_BINARY);
        }
        return;
      case OP_TEXT:
      case OP_BINARY:
        if (!fin) {
          this.fragmentOp = op;
          this.fragments = [payload];
          return;
        }
        this.onMessage?.(payload, op === OP_BINARY);
        return;
      default:
        this.close(1002, "unknown opcode");
    }
  }
}
