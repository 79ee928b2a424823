// The opaque types Kubernetes' CEL libraries add (kubernetes.Quantity, kubernetes.URL, kubernetes.NamedFormat, net.IP,
// net.IPAddress, net.CIDR) as protobuf messages made at start, so that @bufbuild/cel can carry
// them as values, dispatch methods on them and name them in type(). Each holds its text.
import {
  create,
  createFileRegistry,
  createRegistry,
  type DescMessage,
  type Registry,
} from "@bufbuild/protobuf";
import type { ReflectMessage } from "@bufbuild/protobuf/reflect";
import {
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  FileDescriptorProtoSchema,
} from "@bufbuild/protobuf/wkt";
import { objectType, type CelObjectType } from "@bufbuild/cel";

export interface MessageSpec {
  name: string;
  /** String fields by default; a field naming a message of the same package holds that message. */
  fields?: Array<{ name: string; message?: string }>;
}

/**
 * A registry of one made-up proto file: how Kubernetes' CEL types (and cel-go's optional_type)
 * become messages @bufbuild/cel can carry. A message without fields holds a string `value`.
 */
export function protoFile(pkg: string, messages: MessageSpec[]): Registry {
  return createFileRegistry(
    create(FileDescriptorProtoSchema, {
      name: `skiff/cel/${pkg || "root"}.proto`,
      package: pkg,
      syntax: "proto3",
      messageType: messages.map((m) => ({
        name: m.name,
        field: (m.fields ?? [{ name: "value" }]).map((f, i) => ({
          name: f.name,
          jsonName: f.name,
          number: i + 1,
          type: f.message ? FieldDescriptorProto_Type.MESSAGE : FieldDescriptorProto_Type.STRING,
          ...(f.message ? { typeName: `.${pkg ? `${pkg}.` : ""}${f.message}` } : {}),
          label: FieldDescriptorProto_Label.OPTIONAL,
        })),
      })),
    }),
    () => undefined,
  );
}

const kubernetes = protoFile("kubernetes", [{ name: "Quantity" }, { name: "URL" }, { name: "NamedFormat" }]);
const net = protoFile("net", [{ name: "IP" }, { name: "CIDR" }]);

export const celTypesRegistry: Registry = createRegistry(kubernetes, net);

const desc = (r: Registry, name: string): DescMessage => r.getMessage(name)!;
export const QUANTITY = desc(kubernetes, "kubernetes.Quantity");
export const URL_TYPE = desc(kubernetes, "kubernetes.URL");
export const NAMED_FORMAT = desc(kubernetes, "kubernetes.NamedFormat");
export const IP = desc(net, "net.IP");
export const CIDR = desc(net, "net.CIDR");

// The library's signatures take `any` for these: @bufbuild/cel types object values as messages.
export const T = {
  quantity: objectType(QUANTITY) as CelObjectType<any>,
  url: objectType(URL_TYPE) as CelObjectType<any>,
  namedFormat: objectType(NAMED_FORMAT) as CelObjectType<any>,
  ip: objectType(IP) as CelObjectType<any>,
  cidr: objectType(CIDR) as CelObjectType<any>,
};

/** A value of one of the types, holding its text. */
export function make(d: DescMessage, value: string): never {
  return create(d, { value } as never) as never;
}

/** The text a value of one of the types holds (a method's `this` is a reflected message). */
export function textOf(v: unknown): string {
  const r = v as ReflectMessage & { message?: { value?: string }; value?: string };
  return r.message?.value ?? r.value ?? "";
}
