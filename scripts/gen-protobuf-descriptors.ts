// Regenerates src/apiserver/protobuf/descriptors.json from the gzipped FileDescriptorProtos that
// gogo-generated code embeds in a client-go binary (kubectl links every k8s.io/api group). Only
// the facts are kept: each message's field names, numbers and types.
//   node scripts/gen-protobuf-descriptors.ts /usr/lib/google-cloud-sdk/bin/kubectl.1.33
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { SchemaRegistry } from "../src/apiserver/openapi/schema-registry.ts";
import { WireReader } from "../src/apiserver/protobuf/wire-reader.ts";

// google/protobuf/descriptor.proto FieldDescriptorProto.Type
const SCALARS: Record<number, string> = {
  1: "double",
  2: "float",
  3: "int64",
  4: "uint64",
  5: "int32",
  8: "bool",
  9: "string",
  12: "bytes",
  13: "uint32",
};
const TYPE_MESSAGE = 11;
const LABEL_REPEATED = 3;

interface Field {
  name: string;
  number: number;
  repeated: boolean;
  type: string;
}
interface Message {
  name: string;
  fields: Field[];
  mapEntry: boolean;
  nested: Message[];
}

const text = (b: Uint8Array): string => new TextDecoder().decode(b);

function parseField(buf: Uint8Array): Field {
  const r = new WireReader(buf);
  const f: Field = { name: "", number: 0, repeated: false, type: "" };
  let scalar = 0;
  for (let w = r.next("Field"); w; w = r.next("Field")) {
    if (w.field === 1) f.name = text(w.bytes);
    else if (w.field === 3) f.number = Number(w.varint);
    else if (w.field === 4) f.repeated = Number(w.varint) === LABEL_REPEATED;
    else if (w.field === 5) scalar = Number(w.varint);
    else if (w.field === 6) f.type = text(w.bytes).replace(/^\./, "");
  }
  if (scalar !== TYPE_MESSAGE) {
    const s = SCALARS[scalar];
    if (!s) throw new Error(`field ${f.name}: unsupported type ${scalar}`);
    f.type = s;
  }
  return f;
}

function parseMessage(buf: Uint8Array): Message {
  const r = new WireReader(buf);
  const m: Message = { name: "", fields: [], mapEntry: false, nested: [] };
  for (let w = r.next("Message"); w; w = r.next("Message")) {
    if (w.field === 1) m.name = text(w.bytes);
    else if (w.field === 2) m.fields.push(parseField(w.bytes));
    else if (w.field === 3) m.nested.push(parseMessage(w.bytes));
    else if (w.field === 7) {
      const o = new WireReader(w.bytes);
      for (let x = o.next("Options"); x; x = o.next("Options"))
        if (x.field === 7) m.mapEntry = x.varint === 1n;
    }
  }
  return m;
}

/** name → [[number, name, type], …]; type is a scalar, a message's full name, "[]T" or "map<T>". */
type Table = Record<string, [number, string, string][]>;

function addFile(buf: Uint8Array, out: Table): string | undefined {
  const r = new WireReader(buf);
  let name = "";
  let pkg = "";
  const messages: Message[] = [];
  for (let w = r.next("File"); w; w = r.next("File")) {
    if (w.field === 1) name = text(w.bytes);
    else if (w.field === 2) pkg = text(w.bytes);
    else if (w.field === 4) messages.push(parseMessage(w.bytes));
  }
  if (!name.startsWith("k8s.io/")) return undefined;
  for (const m of messages) {
    const entries = new Map(m.nested.filter((n) => n.mapEntry).map((n) => [`${pkg}.${m.name}.${n.name}`, n]));
    out[`${pkg}.${m.name}`] = m.fields.map((f) => {
      const entry = entries.get(f.type);
      if (entry) {
        const key = entry.fields.find((x) => x.number === 1)?.type;
        if (key !== "string") throw new Error(`${m.name}.${f.name}: map key ${key}`);
        return [f.number, f.name, `map<${entry.fields.find((x) => x.number === 2)?.type}>`];
      }
      return [f.number, f.name, f.repeated ? `[]${f.type}` : f.type];
    });
  }
  return name;
}

const binary = readFileSync(process.argv[2] ?? "/usr/lib/google-cloud-sdk/bin/kubectl.1.33");
const table: Table = {};
const files: string[] = [];
const magic = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00]);
for (let at = binary.indexOf(magic); at >= 0; at = binary.indexOf(magic, at + 1)) {
  let raw: Buffer;
  try {
    // gunzip stops at the member's end; trailing bytes are other data
    raw = gunzipSync(binary.subarray(at, at + 4_000_000), { finishFlush: 2 });
  } catch {
    continue;
  }
  try {
    const name = addFile(raw, table);
    if (name) files.push(name);
  } catch {
    // not a FileDescriptorProto
  }
}
// Protobuf names a field after its Go name where the JSON tag differs only in case ("uID",
// "Webhooks"), and names Go's embedded structs (json:",inline") after their type; the JSON
// has no property for them. kubernetes-types (the OpenAPI) tells them apart; its newer fields
// it lacks keep their protobuf names, which are then the JSON ones.
const EMBEDDED = new Set(["k8s.io.api.core.v1.Probe.handler"]);
const registry = SchemaRegistry.installed();
for (const [message, fields] of Object.entries(table)) {
  const props = jsonProperties(registry, message);
  if (!props) continue;
  const lower = new Map([...props].map((p) => [p.toLowerCase(), p]));
  for (const f of fields) {
    if (props.has(f[1])) continue;
    const renamed = lower.get(f[1].toLowerCase());
    const short = f[2].split(".").pop() ?? "";
    const singular = f[2].includes(".") && !f[2].startsWith("[]") && !f[2].startsWith("map<");
    if (renamed) f[1] = renamed;
    else if (
      singular &&
      (f[1] === short[0].toLowerCase() + short.slice(1) || EMBEDDED.has(`${message}.${f[1]}`))
    )
      f[1] = `*${f[1]}`;
  }
}

function jsonProperties(r: SchemaRegistry, message: string): Set<string> | undefined {
  const m = /^k8s\.io\.(?:api\.([a-z0-9]+)\.|apimachinery\.pkg\.apis\.(meta)\.)(v[a-z0-9]+)\.(\w+)$/.exec(
    message,
  );
  if (!m) return undefined;
  const module = `${m[1] ?? m[2]}/${m[3]}`;
  if (!r.hasModule(module)) return undefined;
  let schema;
  try {
    schema = r.get(r.ensure(module, m[4]));
  } catch {
    return undefined;
  }
  const props = (schema as { properties?: Record<string, unknown> } | undefined)?.properties;
  return props ? new Set(Object.keys(props)) : undefined;
}

const sorted = Object.fromEntries(
  Object.keys(table)
    .sort()
    .map((k) => [k, table[k]]),
);
const target = join(import.meta.dirname, "../src/apiserver/protobuf/descriptors.json");
writeFileSync(target, JSON.stringify({ files: files.sort(), messages: sorted }) + "\n");
console.log(`${files.length} files, ${Object.keys(sorted).length} messages → ${target}`);
