// SPDY/3.1 framing, the client half: what a proxy needs to speak to the CRI streaming server for
// exec and attach (kubectl's streams, tunnelled over a WebSocket by kubectl 1.30 and later).
import type { Duplex } from "node:stream";
import { adler32 } from "./adler32.ts";
import { headerDictionary } from "./spdy-dictionary.ts";

const VERSION = 3;
const SYN_STREAM = 1;
const SYN_REPLY = 2;
const RST_STREAM = 3;
const PING = 6;
const GOAWAY = 7;
export const FLAG_FIN = 0x01;

/**
 * zlib output that only ever uses stored (uncompressed) blocks: a valid stream for the peer's
 * inflater, which needs our first block to name the dictionary, and never needs our state.
 */
export class StoredDeflater {
  private started = false;

  block(data: Buffer): Buffer {
    const parts: Buffer[] = [];
    if (!this.started) {
      this.started = true;
      // CMF 0x78 (deflate, 32K window); FLG with FDICT so that (CMF*256 + FLG) % 31 == 0.
      const cmf = 0x78;
      let flg = 0x20;
      flg += 31 - ((cmf * 256 + flg) % 31);
      const dictId = Buffer.alloc(4);
      dictId.writeUInt32BE(adler32(headerDictionary));
      parts.push(Buffer.from([cmf, flg]), dictId);
    }
    for (let off = 0; off < data.length || off === 0; off += 65535) {
      const chunk = data.subarray(off, off + 65535);
      const h = Buffer.alloc(5);
      h[0] = 0; // not final, stored
      h.writeUInt16LE(chunk.length, 1);
      h.writeUInt16LE(~chunk.length & 0xffff, 3);
      parts.push(h, chunk);
      if (data.length === 0) break;
    }
    // An empty stored block ends each frame's blocks, as a zlib sync flush does: Go's inflater looks
    // for the next block header right after a block with data, and past the frame's end that read
    // fails for good, so every later header block would be lost.
    if (data.length) parts.push(Buffer.from([0, 0, 0, 0xff, 0xff]));
    return Buffer.concat(parts);
  }
}

function headerBlock(headers: Record<string, string>): Buffer {
  const entries = Object.entries(headers);
  const parts: Buffer[] = [];
  const n = Buffer.alloc(4);
  n.writeUInt32BE(entries.length);
  parts.push(n);
  for (const [k, v] of entries) {
    for (const s of [k.toLowerCase(), v]) {
      const b = Buffer.from(s);
      const len = Buffer.alloc(4);
      len.writeUInt32BE(b.length);
      parts.push(len, b);
    }
  }
  return Buffer.concat(parts);
}

function control(type: number, flags: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(0x8000 | VERSION, 0);
  h.writeUInt16BE(type, 2);
  h.writeUInt32BE(((flags & 0xff) << 24) | payload.length, 4);
  return Buffer.concat([h, payload]);
}

export interface SpdyStream {
  id: number;
  onData?: (data: Buffer) => void;
  onEnd?: () => void;
  ended: boolean;
}

/**
 * One SPDY session as the client, on a connection that has already been upgraded. Streams are
 * opened with their headers; their data and ends are delivered to the stream's callbacks.
 */
export class SpdyClientSession {
  private readonly conn: Duplex;
  private readonly deflater = new StoredDeflater();
  private readonly streams = new Map<number, SpdyStream>();
  private nextId = 1;
  private buf: Buffer = Buffer.alloc(0);
  private closed = false;
  onClose?: () => void;

  constructor(conn: Duplex, initial?: Buffer) {
    this.conn = conn;
    conn.on("data", (d: Buffer) => this.receive(d));
    conn.on("close", () => this.close());
    conn.on("error", () => this.close());
    if (initial?.length) this.receive(initial);
    conn.resume();
  }

  open(headers: Record<string, string>): SpdyStream {
    const id = this.nextId;
    this.nextId += 2;
    const s: SpdyStream = { id, ended: false };
    this.streams.set(id, s);
    const block = this.deflater.block(headerBlock(headers));
    const p = Buffer.alloc(10);
    p.writeUInt32BE(id & 0x7fffffff, 0);
    p.writeUInt32BE(0, 4);
    p.writeUInt16BE(0, 8);
    this.write(control(SYN_STREAM, 0, Buffer.concat([p, block])));
    return s;
  }

  /** Sends data on a stream; `fin` half-closes it (stdin reached its end). */
  send(s: SpdyStream, data: Buffer, fin = false): void {
    for (let off = 0; off < data.length || (fin && off === 0); off += 0xffffff) {
      const chunk = data.subarray(off, off + 0xffffff);
      const last = off + 0xffffff >= data.length;
      const h = Buffer.alloc(8);
      h.writeUInt32BE(s.id & 0x7fffffff, 0);
      h.writeUInt32BE((((fin && last ? FLAG_FIN : 0) & 0xff) << 24) | chunk.length, 4);
      this.write(Buffer.concat([h, chunk]));
      if (!data.length) break;
    }
  }

  private write(b: Buffer): void {
    if (!this.closed) this.conn.write(b);
  }

  private receive(d: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    while (this.buf.length >= 8) {
      const len = this.buf.readUInt32BE(4) & 0xffffff;
      if (this.buf.length < 8 + len) return;
      const frame = this.buf.subarray(0, 8 + len);
      this.buf = this.buf.subarray(8 + len);
      this.frame(frame);
    }
  }

  private frame(f: Buffer): void {
    const flags = f[4];
    const payload = f.subarray(8);
    if ((f[0] & 0x80) === 0) {
      const s = this.streams.get(f.readUInt32BE(0) & 0x7fffffff);
      if (!s) return;
      if (payload.length) s.onData?.(payload);
      if (flags & FLAG_FIN) this.end(s);
      return;
    }
    const type = f.readUInt16BE(2);
    switch (type) {
      case SYN_REPLY: {
        const s = this.streams.get(payload.readUInt32BE(0) & 0x7fffffff);
        if (s && flags & FLAG_FIN) this.end(s);
        return;
      }
      case RST_STREAM: {
        const s = this.streams.get(payload.readUInt32BE(0) & 0x7fffffff);
        if (s) this.end(s);
        return;
      }
      case PING:
        // The peer's pings are answered with the same id.
        this.write(control(PING, 0, payload.subarray(0, 4)));
        return;
      case GOAWAY:
        this.close();
        return;
      default:
      // SETTINGS, HEADERS, WINDOW_UPDATE: nothing a client of the CRI streaming server needs.
    }
  }

  private end(s: SpdyStream): void {
    if (s.ended) return;
    s.ended = true;
    s.onEnd?.();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.streams.values()) this.end(s);
    this.conn.destroy();
    this.onClose?.();
  }
}
