// The schema notation shared by the schema-*.ts tables.
//
// Each message maps a proto field number (from upstream generated.proto) to "jsonName:type":
//   type      string | int32 | int64 | bool | bytes | double | Time | Quantity | IntOrString
//             | FieldsV1 | <message name>
//   []type    repeated;  map<type> a map<string, type> (entries are messages {1: key, 2: value})
//   suffix ?  a Go pointer: kept when present even if zero (omitempty drops only nil)
//   suffix !  no omitempty in the Go json tag: emitted even when zero/absent (absent slices,
//             maps and pointers as null, like encoding/json does for nil)
//   name *    an embedded Go struct (json:",inline"): its fields are merged into the parent
// Anything else is a non-pointer scalar with omitempty: dropped when zero.
// Value (non-pointer) struct fields are marked ! because encoding/json never omits structs.

export type MessageSchema = Record<number, string>;
export type SchemaTable = Record<string, MessageSchema>;

export const SCALAR_TYPES = new Set(["string", "int32", "int64", "bool", "bytes", "double"]);
/** Messages with a custom JSON form (their MarshalJSON in apimachinery). */
export const SPECIAL_TYPES = new Set(["Time", "Quantity", "IntOrString", "FieldsV1"]);

export interface FieldSpec {
  name: string;
  /** Go field name, for error texts that upstream's generated Unmarshal prints. */
  goName: string;
  type: string;
  repeated: boolean;
  map: boolean;
  pointer: boolean;
  always: boolean;
  inline: boolean;
}

export function parseFieldSpec(spec: string): FieldSpec {
  const colon = spec.indexOf(":");
  const name = spec.slice(0, colon);
  let type = spec.slice(colon + 1);
  let always = false;
  let pointer = false;
  if (type.endsWith("!")) {
    always = true;
    type = type.slice(0, -1);
  }
  if (type.endsWith("?")) {
    pointer = true;
    type = type.slice(0, -1);
  }
  let repeated = false;
  let map = false;
  if (type.startsWith("[]")) {
    repeated = true;
    type = type.slice(2);
  } else if (type.startsWith("map<") && type.endsWith(">")) {
    map = true;
    type = type.slice(4, -1);
  }
  const inline = name === "*";
  const goName = inline ? type : name.charAt(0).toUpperCase() + name.slice(1);
  return { name, goName, type, repeated, map, pointer, always, inline };
}
