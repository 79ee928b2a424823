// A protobuf wire-format reader: just enough of the encoding to walk gogo-generated messages.

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_START_GROUP = 3;
export const WIRE_END_GROUP = 4;
export const WIRE_FIXED32 = 5;

/** Malformed input; the message mirrors what gogo-generated Unmarshal code returns. */
export class WireError extends Error {}

export interface WireField {
  field: number;
  wireType: number;
  /** The varint value (wire type 0). */
  varint: bigint;
  /** The payload of a length-delimited field (wire type 2). */
  bytes: Uint8Array;
}

export class WireReader {
  readonly buf: Uint8Array;
  pos: number;
  readonly end: number;

  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  done(): boolean {
    return this.pos >= this.end;
  }

  varint(): bigint {
    let result = 0n;
    for (let shift = 0n; ; shift += 7n) {
      // k8s.io/api generated.pb.go: more than 10 bytes (shift >= 64) is "proto: integer overflow"
      if (shift >= 64n) throw new WireError("proto: integer overflow");
      if (this.pos >= this.end) throw new WireError("unexpected EOF");
      const b = this.buf[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asUintN(64, result);
    }
  }

  /** A length-delimited payload, as a view into the buffer. */
  lengthDelimited(): Uint8Array {
    const len = this.varint();
    if (BigInt.asIntN(64, len) < 0n) throw new WireError("proto: negative length found during unmarshaling");
    if (len > BigInt(this.end - this.pos)) throw new WireError("unexpected EOF");
    const n = Number(len);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  skip(n: number): void {
    if (this.end - this.pos < n) throw new WireError("unexpected EOF");
    this.pos += n;
  }

  /** The next field, or undefined at the end. `message` names the message in error texts. */
  next(message: string): WireField | undefined {
    if (this.done()) return undefined;
    const key = this.varint();
    const wireType = Number(key & 7n);
    const fieldNum = key >> 3n;
    if (wireType === WIRE_END_GROUP)
      throw new WireError(`proto: ${message}: wiretype end group for non-group`);
    if (fieldNum <= 0n || fieldNum > 0x1fffffffn) {
      throw new WireError(`proto: ${message}: illegal tag ${fieldNum} (wire type ${wireType})`);
    }
    const f: WireField = { field: Number(fieldNum), wireType, varint: 0n, bytes: EMPTY };
    switch (wireType) {
      case WIRE_VARINT:
        f.varint = this.varint();
        break;
      case WIRE_FIXED64:
        f.bytes = this.buf.subarray(this.pos, this.pos + 8);
        this.skip(8);
        break;
      case WIRE_BYTES:
        f.bytes = this.lengthDelimited();
        break;
      case WIRE_FIXED32:
        f.bytes = this.buf.subarray(this.pos, this.pos + 4);
        this.skip(4);
        break;
      case WIRE_START_GROUP:
        this.skipGroup(f.field);
        break;
      default:
        throw new WireError(`proto: illegal wireType ${wireType}`);
    }
    return f;
  }

  private skipGroup(field: number): void {
    for (;;) {
      if (this.done()) throw new WireError("unexpected EOF");
      const key = this.varint();
      const wt = Number(key & 7n);
      if (wt === WIRE_END_GROUP) {
        if (Number(key >> 3n) !== field) throw new WireError("proto: mismatched end group");
        return;
      }
      if (wt === WIRE_VARINT) this.varint();
      else if (wt === WIRE_FIXED64) this.skip(8);
      else if (wt === WIRE_BYTES) this.lengthDelimited();
      else if (wt === WIRE_FIXED32) this.skip(4);
      else if (wt === WIRE_START_GROUP) this.skipGroup(Number(key >> 3n));
      else throw new WireError(`proto: illegal wireType ${wt}`);
    }
  }
}

const EMPTY = new Uint8Array(0);
