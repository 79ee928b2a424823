// The v2 document in the protobuf form kubectl asks for
// (`application/com.github.proto-openapi.spec.v2@v1.0+protobuf`): gnostic's openapi_v2.Document.
// Field numbers are those of gnostic's OpenAPIv2.proto. Vendor extensions carry their values as
// YAML text (JSON is YAML). What kubectl does not read (security, headers, examples) is left out.
import type { Schema } from "./schema-registry.ts";

type Field = Buffer;

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}

const bytesField = (no: number, b: Buffer): Field =>
  Buffer.concat([varint((no << 3) | 2), varint(b.length), b]);
const str = (no: number, s: unknown): Field[] =>
  typeof s === "string" && s !== "" ? [bytesField(no, Buffer.from(s))] : [];
const strs = (no: number, a: unknown): Field[] =>
  Array.isArray(a) ? a.flatMap((s) => str(no, String(s))) : [];
const bool = (no: number, b: unknown): Field[] =>
  b === true ? [Buffer.concat([varint(no << 3), varint(1)])] : [];
const int = (no: number, n: unknown): Field[] =>
  typeof n === "number" && Number.isInteger(n) && n > 0 ? [Buffer.concat([varint(no << 3), varint(n)])] : [];
const double = (no: number, n: unknown): Field[] => {
  if (typeof n !== "number") return [];
  const b = Buffer.alloc(8);
  b.writeDoubleLE(n);
  return [Buffer.concat([varint((no << 3) | 1), b])];
};
const msg = (no: number, fields: Field[] | undefined): Field[] =>
  fields ? [bytesField(no, Buffer.concat(fields))] : [];

/** Any { yaml = 2 } */
const any = (v: unknown): Field[] => str(2, JSON.stringify(v));
/** NamedAny { name = 1; value = 2 } for each x- key. */
function extensions(no: number, o: Schema): Field[] {
  return Object.entries(o)
    .filter(([k]) => k.startsWith("x-"))
    .flatMap(([k, v]) => msg(no, [...str(1, k), ...msg(2, any(v))]));
}

/** Schema (gnostic numbering). */
function schema(s: Schema): Field[] {
  const type = s.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type];
  const items = s.items === undefined ? [] : Array.isArray(s.items) ? s.items : [s.items];
  const props = Object.entries((s.properties ?? {}) as Record<string, Schema>);
  const ap = s.additionalProperties;
  return [
    ...str(1, s.$ref),
    ...str(2, s.format),
    ...str(3, s.title),
    ...str(4, s.description),
    ...(s.default === undefined ? [] : msg(5, any(s.default))),
    ...double(6, s.multipleOf),
    ...double(7, s.maximum),
    ...bool(8, s.exclusiveMaximum),
    ...double(9, s.minimum),
    ...bool(10, s.exclusiveMinimum),
    ...int(11, s.maxLength),
    ...int(12, s.minLength),
    ...str(13, s.pattern),
    ...int(14, s.maxItems),
    ...int(15, s.minItems),
    ...bool(16, s.uniqueItems),
    ...int(17, s.maxProperties),
    ...int(18, s.minProperties),
    ...strs(19, s.required),
    ...(Array.isArray(s.enum) ? s.enum.flatMap((e) => msg(20, any(e))) : []),
    // AdditionalPropertiesItem { schema = 1; boolean = 2 }
    ...(ap && typeof ap === "object"
      ? msg(21, msg(1, schema(ap as Schema)))
      : typeof ap === "boolean"
        ? // a oneof member is written even when false
          msg(21, [Buffer.concat([varint(2 << 3), varint(ap ? 1 : 0)])])
        : []),
    ...(type.length ? msg(22, strs(1, type)) : []), // TypeItem { value = 1 }
    ...(items.length
      ? msg(
          23,
          items.flatMap((i) => msg(1, schema(i as Schema))),
        )
      : []), // ItemsItem { schema = 1 }
    ...(Array.isArray(s.allOf) ? s.allOf.flatMap((a) => msg(24, schema(a as Schema))) : []),
    // Properties { additional_properties = 1: NamedSchema { name = 1; value = 2 } }
    ...(props.length
      ? msg(
          25,
          props.flatMap(([n, p]) => msg(1, [...str(1, n), ...msg(2, schema(p))])),
        )
      : []),
    ...bool(27, s.readOnly),
    ...extensions(31, s),
  ];
}

/** ParametersItem { parameter = 1 } → Parameter { body_parameter = 1; non_body_parameter = 2 }. */
function parameter(p: Schema): Field[] {
  if (p.in === "body") {
    // BodyParameter { description = 1; name = 2; in = 3; required = 4; schema = 5 }
    const body = [
      ...str(1, p.description),
      ...str(2, p.name),
      ...str(3, p.in),
      ...bool(4, p.required),
      ...msg(5, schema((p.schema ?? {}) as Schema)),
    ];
    return msg(1, msg(1, body));
  }
  if (p.in === "path") {
    // PathParameterSubSchema { required = 1; in = 2; description = 3; name = 4; type = 5; format = 6 }
    const path = [
      ...bool(1, p.required),
      ...str(2, p.in),
      ...str(3, p.description),
      ...str(4, p.name),
      ...str(5, p.type),
      ...str(6, p.format),
    ];
    return msg(1, msg(2, msg(4, path)));
  }
  // QueryParameterSubSchema { required = 1; in = 2; description = 3; name = 4; allow_empty_value = 5; type = 6; format = 7; …; unique_items = 20 }
  const query = [
    ...bool(1, p.required),
    ...str(2, p.in),
    ...str(3, p.description),
    ...str(4, p.name),
    ...str(6, p.type),
    ...str(7, p.format),
    ...bool(20, p.uniqueItems),
  ];
  return msg(1, msg(2, msg(3, query)));
}

const OP_FIELDS: Record<string, number> = {
  get: 2,
  put: 3,
  post: 4,
  delete: 5,
  options: 6,
  head: 7,
  patch: 8,
};

function operation(op: Schema): Field[] {
  const responses = Object.entries((op.responses ?? {}) as Record<string, Schema>).flatMap(([code, r]) =>
    // NamedResponseValue { name = 1; value = 2: ResponseValue { response = 1: Response { description = 1; schema = 2: SchemaItem { schema = 1 } } } }
    msg(1, [
      ...str(1, code),
      ...msg(
        2,
        msg(1, [...str(1, r.description), ...(r.schema ? msg(2, msg(1, schema(r.schema as Schema))) : [])]),
      ),
    ]),
  );
  return [
    ...strs(1, op.tags),
    ...str(3, op.description),
    ...str(5, op.operationId),
    ...strs(6, op.produces),
    ...strs(7, op.consumes),
    ...((op.parameters ?? []) as Schema[]).flatMap((p) => msg(8, parameter(p))),
    ...msg(9, responses),
    ...extensions(13, op),
  ];
}

/** Document { swagger = 1; info = 2; paths = 8; definitions = 9 }. */
export function encodeSwagger(doc: Schema): Buffer {
  const info = (doc.info ?? {}) as Schema;
  const paths = Object.entries((doc.paths ?? {}) as Record<string, Schema>).flatMap(([name, item]) => {
    const fields: Field[] = [];
    for (const [verb, no] of Object.entries(OP_FIELDS))
      if (item[verb]) fields.push(...msg(no, operation(item[verb] as Schema)));
    for (const p of (item.parameters ?? []) as Schema[]) fields.push(...msg(9, parameter(p)));
    fields.push(...extensions(10, item));
    return msg(2, [...str(1, name), ...msg(2, fields)]); // Paths { path = 2: NamedPathItem }
  });
  const definitions = Object.entries((doc.definitions ?? {}) as Record<string, Schema>).flatMap(([name, s]) =>
    msg(1, [...str(1, name), ...msg(2, schema(s))]),
  );
  return Buffer.concat([
    ...str(1, doc.swagger),
    ...msg(2, [...str(1, info.title), ...str(2, info.version)]),
    ...msg(8, paths),
    ...msg(9, definitions),
  ]);
}
