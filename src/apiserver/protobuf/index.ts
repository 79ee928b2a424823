import { findKind, parseApiVersion } from "../../api/resources.ts";
import { badRequest, StatusError, unsupportedMediaType } from "../../apimachinery/status-error.ts";
import { MessageDecoder } from "./decode-message.ts";
import { protobufKinds, schema } from "./kinds.ts";
import { WireError } from "./wire-reader.ts";

export const PROTOBUF_CONTENT_TYPE = "application/vnd.kubernetes.protobuf";

/** The kind the endpoint expects, as upstream's create/update handlers pass it to the decoder. */
export interface ProtobufDecodeTarget {
  apiVersion: string;
  kind: string;
}

// apimachinery pkg/runtime/serializer/protobuf/protobuf.go: protoEncodingPrefix
const PREFIX = [0x6b, 0x38, 0x73, 0x00];
// kube-apiserver's scheme name as printed in "no kind ... is registered" errors
const SCHEME_NAME = "pkg/api/legacyscheme/scheme.go:30";

const decoder = new MessageDecoder(schema);

interface Gvk {
  group: string;
  version: string;
  kind: string;
}

/** Fails with the base error text and the kind read so far (nil before runtime.Unknown parsed). */
class DecodeFailure extends Error {
  readonly gvk: Gvk | undefined;
  constructor(message: string, gvk?: Gvk) {
    super(message);
    this.gvk = gvk;
  }
}

/**
 * Decodes a Kubernetes protobuf body (`k8s\0` + runtime.Unknown) into the JSON object that the
 * same Go object would serialize to. With `target` (the endpoint's kind), a missing kind or
 * apiVersion in the body is defaulted from it and errors read as kube-apiserver's create handler
 * words them. Throws StatusError: 400 for malformed bodies or kinds Kubernetes does not have,
 * 415 for served kinds this decoder has no schema for.
 */
export function decodeProtobufObject(
  body: Uint8Array,
  target?: ProtobufDecodeTarget,
): Record<string, unknown> {
  try {
    return decode(body, target);
  } catch (e) {
    if (e instanceof StatusError) throw e;
    if (e instanceof DecodeFailure) throw badRequest(describe(e, body, target));
    if (e instanceof WireError) throw badRequest(describe(new DecodeFailure(e.message), body, target));
    throw e;
  }
}

function decode(body: Uint8Array, target: ProtobufDecodeTarget | undefined): Record<string, unknown> {
  if (body.length === 0) throw new DecodeFailure("empty data");
  if (body.length < PREFIX.length || PREFIX.some((b, i) => body[i] !== b)) {
    throw new DecodeFailure(
      `provided data does not appear to be a protobuf message, expected prefix [${PREFIX.join(" ")}]`,
    );
  }
  if (body.length === PREFIX.length) throw new DecodeFailure("empty body");

  const unknown = decoder.decode("runtime.Unknown", body.subarray(PREFIX.length));
  const typeMeta = unknown.typeMeta as { apiVersion?: string; kind?: string };
  const typeApiVersion = typeMeta.apiVersion ?? "";
  const typeKind = typeMeta.kind ?? "";
  const actual: Gvk = { ...groupVersion(typeApiVersion), kind: typeKind };
  if (target) copyKindDefaults(actual, { ...groupVersion(target.apiVersion), kind: target.kind });

  // apimachinery pkg/runtime/error.go: missingKindErr / missingVersionErr
  const typeMetaText = `runtime.TypeMeta{APIVersion:${JSON.stringify(typeApiVersion)}, Kind:${JSON.stringify(typeKind)}}`;
  if (!actual.kind) throw new DecodeFailure(`Object 'Kind' is missing in '${typeMetaText}'`, actual);
  if (!actual.version) throw new DecodeFailure(`Object 'apiVersion' is missing in '${typeMetaText}'`, actual);

  const apiVersion = actual.group ? `${actual.group}/${actual.version}` : actual.version;
  const message = protobufKinds[apiVersion]?.[actual.kind];
  if (!message) {
    const served = findKind(actual.group, actual.kind);
    if (served && served.versions.includes(actual.version)) throw unsupportedMediaType();
    throw new DecodeFailure(
      `no kind ${JSON.stringify(actual.kind)} is registered for version ${JSON.stringify(apiVersion)} in scheme ${JSON.stringify(SCHEME_NAME)}`,
      actual,
    );
  }
  const raw = Buffer.from(String(unknown.raw ?? ""), "base64");
  try {
    return { kind: actual.kind, apiVersion, ...decoder.decode(message, raw) };
  } catch (e) {
    if (e instanceof WireError) throw new DecodeFailure(e.message, actual);
    throw e;
  }
}

// apimachinery pkg/runtime/schema: FromAPIVersionAndKind drops an apiVersion that does not parse
function groupVersion(apiVersion: string): { group: string; version: string } {
  if (apiVersion === "") return { group: "", version: "" };
  const parts = apiVersion.split("/");
  if (parts.length > 2) return { group: "", version: "" };
  return parseApiVersion(apiVersion);
}

// apimachinery pkg/runtime/serializer/protobuf/protobuf.go: copyKindDefaults
function copyKindDefaults(dst: Gvk, src: Gvk): void {
  if (!dst.kind) dst.kind = src.kind;
  if (!dst.version && src.version) {
    dst.group = src.group;
    dst.version = src.version;
  }
}

// apiserver pkg/endpoints/handlers/create.go (transformDecodeError) and rest.go (summarizeData)
function describe(e: DecodeFailure, body: Uint8Array, target: ProtobufDecodeTarget | undefined): string {
  if (!target) return e.message;
  if (e.gvk && e.gvk.kind) {
    return `${e.gvk.kind} in version ${JSON.stringify(e.gvk.version)} cannot be handled as a ${target.kind}: ${e.message}`;
  }
  return `the object provided is unrecognized (must be of type ${target.kind}): ${e.message} (${summarize(body, 30)})`;
}

function summarize(data: Uint8Array, max: number): string {
  if (data.length === 0) return "<empty>";
  const head = data.subarray(0, max);
  const text = data[0] === 0x7b ? Buffer.from(head).toString() : Buffer.from(head).toString("hex");
  return data.length > max ? `${text} ...` : text;
}
