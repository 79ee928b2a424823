import {
  type FieldSpec,
  type MessageSchema,
  parseFieldSpec,
  SCALAR_TYPES,
  type SchemaTable,
} from "./schema-types.ts";
import {
  WIRE_BYTES,
  WIRE_FIXED64,
  WIRE_VARINT,
  type WireField,
  WireError,
  WireReader,
} from "./wire-reader.ts";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

// apimachinery pkg/api/resource/quantity.go splitREString: ParseQuantity rejects anything else.
const QUANTITY_RE = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;
export const QUANTITY_FORMAT_ERROR = `quantities must match the regular expression '${QUANTITY_RE.source}'`;

/**
 * Turns protobuf messages into the JSON that encoding/json would print for the same Go struct.
 * Field specs are parsed once per message and cached.
 */
export class MessageDecoder {
  private readonly table: SchemaTable;
  private readonly compiled = new Map<string, Map<number, FieldSpec>>();

  constructor(table: SchemaTable) {
    this.table = table;
  }

  has(message: string): boolean {
    return message in this.table;
  }

  fields(message: string): Map<number, FieldSpec> {
    let m = this.compiled.get(message);
    if (!m) {
      const raw: MessageSchema | undefined = this.table[message];
      if (!raw) throw new Error(`protobuf schema has no message ${message}`);
      m = new Map(Object.entries(raw).map(([n, spec]) => [Number(n), parseFieldSpec(spec)]));
      this.compiled.set(message, m);
    }
    return m;
  }

  decode(message: string, bytes: Uint8Array): Record<string, Json> {
    const specs = this.fields(message);
    const seen = new Map<number, WireField[]>();
    const r = new WireReader(bytes);
    const goMessage = message.replace(/^runtime\./, "");
    for (let f = r.next(goMessage); f; f = r.next(goMessage)) {
      const spec = specs.get(f.field);
      // generated.pb.go skips fields it does not know (skipGenerated)
      if (!spec) continue;
      checkWireType(spec, f);
      const list = seen.get(f.field);
      if (list) list.push(f);
      else seen.set(f.field, [f]);
    }
    const out: Record<string, Json> = {};
    for (const [num, spec] of specs) {
      const occurrences = seen.get(num) ?? [];
      if (spec.inline) {
        Object.assign(out, this.decode(spec.type, concat(occurrences)));
        continue;
      }
      const v = this.fieldValue(spec, occurrences);
      if (v !== undefined) out[spec.name] = v;
    }
    return out;
  }

  private fieldValue(spec: FieldSpec, occ: WireField[]): Json | undefined {
    if (spec.map) {
      if (occ.length === 0) return spec.always ? null : undefined;
      const m: Record<string, Json> = {};
      for (const o of occ) {
        const [k, v] = this.mapEntry(spec, o.bytes);
        m[k] = v;
      }
      return m;
    }
    if (spec.repeated) {
      const items: Json[] = [];
      for (const o of occ) {
        if (
          SCALAR_TYPES.has(spec.type) &&
          spec.type !== "string" &&
          spec.type !== "bytes" &&
          o.wireType === WIRE_BYTES
        ) {
          // a packed run of numbers
          const pr = new WireReader(o.bytes);
          while (!pr.done())
            items.push(
              scalar(spec.type, {
                field: o.field,
                wireType: WIRE_VARINT,
                varint: pr.varint(),
                bytes: o.bytes,
              }),
            );
        } else {
          items.push(this.single(spec, o));
        }
      }
      if (items.length === 0) return spec.always ? null : undefined;
      return items;
    }
    if (occ.length === 0) {
      if (!spec.always) return undefined;
      if (spec.pointer) return null;
      if (SCALAR_TYPES.has(spec.type)) return zeroOf(spec.type);
      return this.value(spec.type, new Uint8Array(0));
    }
    if (!SCALAR_TYPES.has(spec.type)) {
      // a repeated non-repeated message merges, as proto Unmarshal into the same struct does
      return this.value(spec.type, concat(occ));
    }
    const v = scalar(spec.type, occ[occ.length - 1]);
    if (!spec.pointer && !spec.always && isZero(v)) return undefined;
    return v;
  }

  private single(spec: FieldSpec, o: WireField): Json {
    return SCALAR_TYPES.has(spec.type) ? scalar(spec.type, o) : this.value(spec.type, o.bytes);
  }

  private mapEntry(spec: FieldSpec, bytes: Uint8Array): [string, Json] {
    const r = new WireReader(bytes);
    let key = "";
    let value: WireField | undefined;
    for (let f = r.next("MapEntry"); f; f = r.next("MapEntry")) {
      if (f.field === 1) {
        if (f.wireType !== WIRE_BYTES)
          throw new WireError(`proto: wrong wireType = ${f.wireType} for field ${spec.goName}`);
        key = utf8(f.bytes);
      } else if (f.field === 2) {
        value = f;
      }
    }
    if (SCALAR_TYPES.has(spec.type)) {
      if (!value) return [key, zeroOf(spec.type)];
      checkWireType({ ...spec, repeated: false, map: false }, value);
      return [key, scalar(spec.type, value)];
    }
    if (value && value.wireType !== WIRE_BYTES) {
      throw new WireError(`proto: wrong wireType = ${value.wireType} for field ${spec.goName}`);
    }
    return [key, this.value(spec.type, value ? value.bytes : new Uint8Array(0))];
  }

  /** A message-typed value, including the apimachinery types with their own JSON form. */
  private value(type: string, bytes: Uint8Array): Json {
    switch (type) {
      case "Time":
        return decodeTime(bytes);
      case "Quantity":
        return decodeQuantity(bytes);
      case "IntOrString":
        return decodeIntOrString(bytes);
      case "FieldsV1":
        return decodeFieldsV1(bytes);
      default:
        return this.decode(type, bytes);
    }
  }
}

function checkWireType(spec: FieldSpec, f: WireField): void {
  let want: number;
  if (spec.map || !SCALAR_TYPES.has(spec.type) || spec.type === "string" || spec.type === "bytes")
    want = WIRE_BYTES;
  else if (spec.type === "double") want = WIRE_FIXED64;
  else want = WIRE_VARINT;
  const packed = spec.repeated && want !== WIRE_BYTES && f.wireType === WIRE_BYTES;
  if (f.wireType !== want && !packed)
    throw new WireError(`proto: wrong wireType = ${f.wireType} for field ${spec.goName}`);
}

function scalar(type: string, f: WireField): Json {
  switch (type) {
    case "string":
      return utf8(f.bytes);
    case "bytes":
      return Buffer.from(f.bytes).toString("base64");
    case "bool":
      return f.varint !== 0n;
    case "int32":
      return Number(BigInt.asIntN(32, f.varint));
    case "int64":
      return Number(BigInt.asIntN(64, f.varint));
    case "double":
      return Buffer.from(f.bytes).readDoubleLE(0);
    default:
      throw new Error(`unknown scalar type ${type}`);
  }
}

function zeroOf(type: string): Json {
  if (type === "string" || type === "bytes") return "";
  if (type === "bool") return false;
  return 0;
}

function isZero(v: Json): boolean {
  return v === "" || v === false || v === 0;
}

function concat(occ: WireField[]): Uint8Array {
  if (occ.length === 1) return occ[0].bytes;
  return Buffer.concat(occ.map((o) => o.bytes));
}

const decoder = new TextDecoder();
function utf8(b: Uint8Array): string {
  return decoder.decode(b);
}

// Small fixed messages: {1: seconds, 2: nanos}, {1: string}, {1: type, 2: intVal, 3: strVal}.
function smallFields(name: string, bytes: Uint8Array): Map<number, WireField> {
  const out = new Map<number, WireField>();
  const r = new WireReader(bytes);
  for (let f = r.next(name); f; f = r.next(name)) out.set(f.field, f);
  return out;
}

function wantVarint(f: WireField | undefined, goName: string): bigint {
  if (!f) return 0n;
  if (f.wireType !== WIRE_VARINT)
    throw new WireError(`proto: wrong wireType = ${f.wireType} for field ${goName}`);
  return f.varint;
}

function wantString(f: WireField | undefined, goName: string): string {
  if (!f) return "";
  if (f.wireType !== WIRE_BYTES)
    throw new WireError(`proto: wrong wireType = ${f.wireType} for field ${goName}`);
  return utf8(f.bytes);
}

/** metav1.Time: empty bytes are the zero time, which marshals as null; otherwise RFC 3339 seconds. */
export function decodeTime(bytes: Uint8Array): Json {
  // apimachinery pkg/apis/meta/v1/time_proto.go: Unmarshal of no bytes leaves the zero Time
  if (bytes.length === 0) return null;
  const f = smallFields("Timestamp", bytes);
  const seconds = BigInt.asIntN(64, wantVarint(f.get(1), "Seconds"));
  const d = new Date(Number(seconds) * 1000);
  if (Number.isNaN(d.getTime())) throw new WireError("Time.MarshalJSON: year outside of range [0,9999]");
  const year = d.getUTCFullYear();
  if (year < 0 || year > 9999) throw new WireError("Time.MarshalJSON: year outside of range [0,9999]");
  return `${d.toISOString().slice(0, 19)}Z`;
}

export function decodeQuantity(bytes: Uint8Array): Json {
  const field = smallFields("Quantity", bytes).get(1);
  // apimachinery resource/generated.pb.go: only a present string goes through ParseQuantity
  if (!field) return "0";
  const s = wantString(field, "String_");
  if (!QUANTITY_RE.test(s)) throw new WireError(QUANTITY_FORMAT_ERROR);
  return s;
}

export function decodeIntOrString(bytes: Uint8Array): Json {
  const f = smallFields("IntOrString", bytes);
  const type = BigInt.asIntN(64, wantVarint(f.get(1), "Type"));
  if (type === 1n) return wantString(f.get(3), "StrVal");
  if (type === 0n) return Number(BigInt.asIntN(32, wantVarint(f.get(2), "IntVal")));
  throw new WireError("impossible IntOrString.Type");
}

function decodeFieldsV1(bytes: Uint8Array): Json {
  const raw = smallFields("FieldsV1", bytes).get(1);
  if (!raw || raw.bytes.length === 0) return null;
  try {
    return JSON.parse(utf8(raw.bytes)) as Json;
  } catch {
    throw new WireError("FieldsV1 does not hold JSON");
  }
}
