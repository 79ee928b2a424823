// Kubernetes' protobuf envelope for responses: `k8s\0` + runtime.Unknown{typeMeta, raw}, as
// apimachinery's protobuf serializer writes it, and its length-delimited watch frames.
import { hasMessage, ProtoWriter, writeMessage } from "./encode-message.ts";

export const PROTOBUF_WATCH_CONTENT_TYPE = "application/vnd.kubernetes.protobuf;stream=watch";

const PREFIX = [0x6b, 0x38, 0x73, 0x00];
const META = "k8s.io.apimachinery.pkg.apis.meta.v1";
const TAG_TYPE_META = (1 << 3) | 2;
const TAG_RAW = (2 << 3) | 2;
const TAG_CONTENT_ENCODING = (3 << 3) | 2;
const TAG_CONTENT_TYPE = (4 << 3) | 2;

const packages: Record<string, string> = {
  "": "k8s.io.api.core",
  "meta.k8s.io": "k8s.io.apimachinery.pkg.apis.meta",
  "metrics.k8s.io": "k8s.io.metrics.pkg.apis.metrics",
  "internal.apiserver.k8s.io": "k8s.io.api.apiserverinternal",
};

/** The protobuf message upstream encodes a kind as, or undefined (custom resources: JSON only). */
export function protobufMessageOf(apiVersion: string, kind: string): string | undefined {
  if (kind === "Status" || kind === "WatchEvent") return `${META}.${kind}`;
  const slash = apiVersion.lastIndexOf("/");
  const group = slash < 0 ? "" : apiVersion.slice(0, slash);
  const version = apiVersion.slice(slash + 1);
  const pkg = packages[group] ?? `k8s.io.api.${group.split(".")[0]}`;
  const name = `${pkg}.${version}.${kind}`;
  return hasMessage(name) ? name : undefined;
}

/** The whole body for an object that has `apiVersion` and `kind`, or undefined without a message. */
export function encodeProtobufObject(obj: Record<string, unknown>): Uint8Array | undefined {
  const apiVersion = typeof obj.apiVersion === "string" ? obj.apiVersion : "";
  const kind = typeof obj.kind === "string" ? obj.kind : "";
  const message = protobufMessageOf(apiVersion, kind);
  if (!message) return undefined;
  const w = new ProtoWriter();
  envelope(w, apiVersion, kind, (m) => writeMessage(m, message, obj));
  return w.finish();
}

function envelope(w: ProtoWriter, apiVersion: string, kind: string, fill: (w: ProtoWriter) => void): void {
  for (const b of PREFIX) w.varint(b);
  w.varint(TAG_TYPE_META);
  w.nested((t) => {
    t.varint((1 << 3) | 2);
    t.string(apiVersion);
    t.varint((2 << 3) | 2);
    t.string(kind);
  });
  w.varint(TAG_RAW);
  w.nested(fill);
  w.varint(TAG_CONTENT_ENCODING);
  w.varint(0);
  w.varint(TAG_CONTENT_TYPE);
  w.varint(0);
}

/**
 * One watch event as a frame of a protobuf watch stream: a 4-byte big-endian length, then the
 * metav1.WatchEvent as a bare message (the stream serializer is apimachinery's raw one, with no
 * envelope), whose object is the event's object in its own envelope.
 */
export function encodeWatchFrame(type: string, object: Uint8Array): Uint8Array {
  const w = new ProtoWriter();
  for (let i = 0; i < 4; i++) w.varint(0);
  w.varint((1 << 3) | 2);
  w.string(type);
  w.varint((2 << 3) | 2);
  w.nested((raw) => {
    raw.varint((1 << 3) | 2);
    raw.bytes(object);
  });
  const out = w.finish();
  new DataView(out.buffer, out.byteOffset, 4).setUint32(0, out.length - 4);
  return out;
}
