// Minimal ASN.1 DER (ITU-T X.690) encoding and reading: just what X.509 certificates need.

export const TAG = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  oid: 0x06,
  utf8String: 0x0c,
  printableString: 0x13,
  ia5String: 0x16,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
} as const;

function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodeLength(content.length), content]);
}

export function sequence(...items: Buffer[]): Buffer {
  return tlv(TAG.sequence, Buffer.concat(items));
}

// DER orders SET OF members by their encodings (X.690 11.6).
export function set(...items: Buffer[]): Buffer {
  return tlv(TAG.set, Buffer.concat([...items].sort(Buffer.compare)));
}

/** Constructed context-specific tag, as used for EXPLICIT tagging ([0] version, [3] extensions). */
export function explicit(tagNumber: number, content: Buffer): Buffer {
  return tlv(0xa0 | tagNumber, content);
}

/** Primitive context-specific tag, as used for IMPLICIT tagging of primitive types (GeneralName). */
export function implicitPrimitive(tagNumber: number, content: Buffer): Buffer {
  return tlv(0x80 | tagNumber, content);
}

export function boolean(value: boolean): Buffer {
  return tlv(TAG.boolean, Buffer.from([value ? 0xff : 0x00]));
}

/** INTEGER from a non-negative magnitude (big-endian bytes), minimally encoded. */
export function unsignedInteger(magnitude: Buffer): Buffer {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  let bytes = magnitude.subarray(start);
  if (bytes.length === 0) bytes = Buffer.from([0]);
  if (bytes[0] & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return tlv(TAG.integer, bytes);
}

export function smallInteger(value: number): Buffer {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`unsupported integer ${value}`);
  const hex = value.toString(16);
  return unsignedInteger(Buffer.from(hex.length % 2 ? `0${hex}` : hex, "hex"));
}

export function oid(dotted: string): Buffer {
  const arcs = dotted.split(".").map((arc) => {
    if (!/^\d+$/.test(arc)) throw new Error(`invalid OID ${dotted}`);
    return Number(arc);
  });
  if (arcs.length < 2) throw new Error(`invalid OID ${dotted}`);
  const out: number[] = [];
  const push = (n: number) => {
    const chunk: number[] = [n & 0x7f];
    for (let rest = Math.floor(n / 128); rest > 0; rest = Math.floor(rest / 128))
      chunk.unshift(0x80 | (rest & 0x7f));
    out.push(...chunk);
  };
  push(arcs[0] * 40 + arcs[1]);
  for (const arc of arcs.slice(2)) push(arc);
  return tlv(TAG.oid, Buffer.from(out));
}

export function octetString(content: Buffer): Buffer {
  return tlv(TAG.octetString, content);
}

export function bitString(content: Buffer, unusedBits = 0): Buffer {
  return tlv(TAG.bitString, Buffer.concat([Buffer.from([unusedBits]), content]));
}

/**
 * BIT STRING for a NamedBitList such as KeyUsage: bit 0 is the most significant bit of the
 * first byte, and DER drops trailing zero bits (X.690 11.2.2).
 */
export function namedBits(bits: number[]): Buffer {
  if (bits.length === 0) return bitString(Buffer.alloc(0));
  const highest = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const bit of bits) bytes[Math.floor(bit / 8)] |= 0x80 >> (bit % 8);
  return bitString(bytes, 7 - (highest % 8));
}

export function utf8String(value: string): Buffer {
  return tlv(TAG.utf8String, Buffer.from(value, "utf8"));
}

export function ia5String(value: string): Buffer {
  return tlv(TAG.ia5String, Buffer.from(value, "ascii"));
}

/** RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050; always seconds and Z. */
export function time(date: Date): Buffer {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = iso.slice(0, 19).replace(/[-T:]/g, "");
  const year = date.getUTCFullYear();
  if (year >= 1950 && year < 2050) return tlv(TAG.utcTime, Buffer.from(`${digits.slice(2)}Z`, "ascii"));
  return tlv(TAG.generalizedTime, Buffer.from(`${digits}Z`, "ascii"));
}

/** One decoded element; `raw` is the whole TLV, `content` the value bytes. */
export interface DerElement {
  tag: number;
  content: Buffer;
  raw: Buffer;
}

export function readElement(buf: Buffer, offset = 0): DerElement {
  if (offset + 2 > buf.length) throw new Error("DER: truncated element");
  const tag = buf[offset];
  if ((tag & 0x1f) === 0x1f) throw new Error("DER: high tag numbers are not supported");
  let length = buf[offset + 1];
  let header = 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4) throw new Error("DER: unsupported length");
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[offset + 2 + i];
    header += count;
  }
  const end = offset + header + length;
  if (end > buf.length) throw new Error("DER: element overruns its container");
  return { tag, content: buf.subarray(offset + header, end), raw: buf.subarray(offset, end) };
}

export function readChildren(element: DerElement): DerElement[] {
  const children: DerElement[] = [];
  for (let offset = 0; offset < element.content.length;) {
    const child = readElement(element.content, offset);
    children.push(child);
    offset += child.raw.length;
  }
  return children;
}

export function decodeOid(content: Buffer): string {
  const arcs: number[] = [];
  let value = 0;
  for (const byte of content) {
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      if (arcs.length === 0) {
        const first = value < 80 ? Math.floor(value / 40) : 2;
        arcs.push(first, value - first * 40);
      } else arcs.push(value);
      value = 0;
    }
  }
  return arcs.join(".");
}
