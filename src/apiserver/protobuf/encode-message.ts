// Encodes the JSON form of a built-in object as the protobuf message that upstream's
// gogo-generated Marshal writes for the same Go object. The field numbers and types come from
// descriptors.json (see scripts/gen-protobuf-descriptors.ts). A field absent or null in the JSON
// is not written, which the Go decoder reads back as the same zero value or nil pointer.
import { readFileSync } from "node:fs";
import { join } from "node:path";

interface Descriptors {
  files: string[];
  messages: Record<string, [number, string, string][]>;
}

const META = "k8s.io.apimachinery.pkg.apis.meta.v1";
const TIME = `${META}.Time`;
const MICRO_TIME = `${META}.MicroTime`;
const DURATION = `${META}.Duration`;
const FIELDS_V1 = `${META}.FieldsV1`;
const RAW_EXTENSION = "k8s.io.apimachinery.pkg.runtime.RawExtension";
const QUANTITY = "k8s.io.apimachinery.pkg.api.resource.Quantity";
const INT_OR_STRING = "k8s.io.apimachinery.pkg.util.intstr.IntOrString";

const Kind = { String: 0, Bool: 1, Bytes: 2, Int: 3, Message: 4 } as const;
type Kind = (typeof Kind)[keyof typeof Kind];

interface CompiledField {
  number: number;
  name: string;
  /** Embedded Go struct: its fields are read from the parent's JSON object. */
  inline: boolean;
  repeated: boolean;
  map: boolean;
  kind: Kind;
  message: string;
  /** The field's key (for a map: of each entry). */
  tag: number;
  /** A map entry's value key. */
  valueTag: number;
}

const WIRE_VARINT = 0;
const WIRE_BYTES = 2;

let descriptors: Descriptors | undefined;
const compiled = new Map<string, CompiledField[]>();

function load(): Descriptors {
  // Read on first use: servers whose clients never ask for protobuf do not hold the table.
  descriptors ??= JSON.parse(
    readFileSync(join(import.meta.dirname, "descriptors.json"), "utf8"),
  ) as Descriptors;
  return descriptors;
}

export function hasMessage(name: string): boolean {
  return name in load().messages;
}

function fieldsOf(message: string): CompiledField[] {
  let fields = compiled.get(message);
  if (fields) return fields;
  const raw = load().messages[message];
  if (!raw) throw new Error(`protobuf: no descriptor for ${message}`);
  fields = raw
    .map(([number, name, type]): CompiledField => {
      const repeated = type.startsWith("[]");
      const map = type.startsWith("map<");
      const base = repeated ? type.slice(2) : map ? type.slice(4, -1) : type;
      const kind = kindOf(base);
      const wire = kind === Kind.Bool || kind === Kind.Int ? WIRE_VARINT : WIRE_BYTES;
      return {
        number,
        name: name.startsWith("*") ? name.slice(1) : name,
        inline: name.startsWith("*"),
        repeated,
        map,
        kind,
        message: kind === Kind.Message ? base : "",
        tag: (number << 3) | (map ? WIRE_BYTES : wire),
        valueTag: (2 << 3) | wire,
      };
    })
    .sort((a, b) => a.number - b.number);
  compiled.set(message, fields);
  return fields;
}

function kindOf(type: string): Kind {
  switch (type) {
    case "string":
      return Kind.String;
    case "bool":
      return Kind.Bool;
    case "bytes":
      return Kind.Bytes;
    case "int32":
    case "int64":
    case "uint32":
    case "uint64":
      return Kind.Int;
    default:
      return Kind.Message;
  }
}

/** A growable byte buffer written front to back. */
export class ProtoWriter {
  buf = new Uint8Array(256);
  len = 0;

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  varint(v: number): void {
    this.reserve(10);
    if (v < 0) return this.bigVarint(BigInt.asUintN(64, BigInt(v)));
    while (v >= 0x80) {
      this.buf[this.len++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.len++] = v;
  }

  bigVarint(v: bigint): void {
    this.reserve(10);
    while (v >= 0x80n) {
      this.buf[this.len++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.len++] = Number(v);
  }

  bytes(b: Uint8Array): void {
    this.varint(b.length);
    this.reserve(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  string(s: string): void {
    const n = Buffer.byteLength(s);
    this.varint(n);
    this.reserve(n);
    if (n === s.length) {
      for (let i = 0; i < n; i++) this.buf[this.len + i] = s.charCodeAt(i);
    } else {
      Buffer.from(this.buf.buffer, this.buf.byteOffset + this.len, n).write(s, "utf8");
    }
    this.len += n;
  }

  /** Writes a length-delimited sub-message produced by `fill`. */
  nested(fill: (w: ProtoWriter) => void): void {
    // Room for a length varint of up to 3 bytes (2 MiB); moved if the message is longer.
    this.reserve(3);
    const at = this.len;
    this.len += 3;
    fill(this);
    const size = this.len - at - 3;
    const lenBytes = size < 0x80 ? 1 : size < 0x4000 ? 2 : size < 0x200000 ? 3 : size < 0x10000000 ? 4 : 5;
    if (lenBytes !== 3) {
      this.reserve(lenBytes - 3);
      this.buf.copyWithin(at + lenBytes, at + 3, this.len);
      this.len += lenBytes - 3;
    }
    let v = size;
    for (let i = 0; i < lenBytes; i++) {
      this.buf[at + i] = (v & 0x7f) | (i < lenBytes - 1 ? 0x80 : 0);
      v >>>= 7;
    }
  }

  finish(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}

/** Writes the fields of `message` read from the JSON object `obj`. */
export function writeMessage(w: ProtoWriter, message: string, obj: unknown): void {
  if (special(w, message, obj)) return;
  if (typeof obj !== "object" || obj === null || Array.isArray(obj)) return;
  const o = obj as Record<string, unknown>;
  for (const f of fieldsOf(message)) {
    if (f.inline) {
      w.varint(f.tag);
      w.nested((n) => writeMessage(n, f.message, o));
      continue;
    }
    const v = o[f.name];
    if (v === undefined || v === null) continue;
    if (f.map) {
      if (typeof v !== "object") continue;
      const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) =>
        a < b ? -1 : a > b ? 1 : 0,
      );
      for (const [key, value] of entries) {
        w.varint(f.tag);
        w.nested((e) => {
          e.varint((1 << 3) | WIRE_BYTES);
          e.string(key);
          if (value === null || value === undefined) return;
          writeValue(e, f, value, f.valueTag);
        });
      }
      continue;
    }
    if (f.repeated) {
      if (!Array.isArray(v)) continue;
      for (const item of v) if (item !== null && item !== undefined) writeValue(w, f, item);
      continue;
    }
    writeValue(w, f, v);
  }
}

function writeValue(w: ProtoWriter, f: CompiledField, v: unknown, tag = f.tag): void {
  switch (f.kind) {
    case Kind.String:
      w.varint(tag);
      w.string(typeof v === "string" ? v : String(v));
      return;
    case Kind.Bool:
      w.varint(tag);
      w.varint(v ? 1 : 0);
      return;
    case Kind.Int:
      w.varint(tag);
      if (typeof v === "bigint") w.bigVarint(BigInt.asUintN(64, v));
      else w.varint(Math.trunc(Number(v)));
      return;
    case Kind.Bytes:
      w.varint(tag);
      w.bytes(typeof v === "string" ? Buffer.from(v, "base64") : new Uint8Array());
      return;
    case Kind.Message:
      w.varint(tag);
      w.nested((n) => writeMessage(n, f.message, v));
  }
}

/** Messages whose JSON form is not an object of their fields (their MarshalJSON upstream). */
function special(w: ProtoWriter, message: string, v: unknown): boolean {
  switch (message) {
    case TIME:
    case MICRO_TIME: {
      const t = parseTime(String(v));
      w.varint((1 << 3) | WIRE_VARINT);
      w.varint(t.seconds);
      w.varint((2 << 3) | WIRE_VARINT);
      w.varint(t.nanos);
      return true;
    }
    case DURATION:
      w.varint((1 << 3) | WIRE_VARINT);
      w.varint(parseGoDuration(String(v)));
      return true;
    case QUANTITY:
      w.varint((1 << 3) | WIRE_BYTES);
      w.string(String(v));
      return true;
    case INT_OR_STRING: {
      const isInt = typeof v === "number";
      w.varint((1 << 3) | WIRE_VARINT);
      w.varint(isInt ? 0 : 1);
      w.varint((2 << 3) | WIRE_VARINT);
      w.varint(isInt ? v : 0);
      w.varint((3 << 3) | WIRE_BYTES);
      w.string(isInt ? "" : String(v));
      return true;
    }
    case FIELDS_V1:
    case RAW_EXTENSION:
      w.varint((1 << 3) | WIRE_BYTES);
      w.string(JSON.stringify(v));
      return true;
  }
  // Verbs and ExtraValue are Go slices: their JSON is the list itself.
  if (Array.isArray(v)) {
    const fields = fieldsOf(message);
    if (fields.length === 1 && fields[0].repeated && fields[0].name === "items") {
      for (const item of v) writeValue(w, fields[0], item);
      return true;
    }
  }
  return false;
}

function parseTime(s: string): { seconds: number; nanos: number } {
  const ms = Date.parse(s);
  if (Number.isNaN(ms)) return { seconds: 0, nanos: 0 };
  const seconds = Math.floor(ms / 1000);
  const frac = /\.(\d+)/.exec(s)?.[1] ?? "";
  const nanos = frac ? Number(frac.slice(0, 9).padEnd(9, "0")) : 0;
  return { seconds, nanos };
}

const UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Go's time.ParseDuration, in nanoseconds (0 when it does not parse). */
export function parseGoDuration(s: string): number {
  const m = /^([-+]?)((?:\d*\.?\d+(?:ns|us|µs|μs|ms|s|m|h))+|0)$/.exec(s);
  if (!m) return 0;
  let total = 0;
  for (const part of m[2].matchAll(/(\d*\.?\d+)(ns|us|µs|μs|ms|s|m|h)/g))
    total += Number(part[1]) * UNITS[part[2]];
  return Math.round(m[1] === "-" ? -total : total);
}
