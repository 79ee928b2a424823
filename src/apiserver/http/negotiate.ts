import { StatusError } from "../../apimachinery/status-error.ts";

export interface MediaType {
  type: string;
  params: Record<string, string>;
}

export function parseMediaTypes(header: string | undefined): MediaType[] {
  if (!header) return [];
  return header.split(",").map((part) => {
    const [type, ...ps] = part.split(";").map((s) => s.trim());
    const params: Record<string, string> = {};
    for (const p of ps) {
      const i = p.indexOf("=");
      if (i > 0)
        params[p.slice(0, i).trim().toLowerCase()] = p
          .slice(i + 1)
          .trim()
          .replace(/^"|"$/g, "");
    }
    return { type: type.toLowerCase(), params };
  });
}

/** `protobuf`: the body is encoded as Kubernetes protobuf (built-in kinds only). */
export type Output =
  | { kind: "object"; yaml: boolean; protobuf?: boolean }
  | { kind: "table"; version: "v1" | "v1beta1" }
  | { kind: "partial"; version: "v1" | "v1beta1"; protobuf?: boolean };

export const PROTOBUF = "application/vnd.kubernetes.protobuf";

/**
 * What the client accepts, in its order of preference, as apiserver's negotiation picks it.
 * `protobuf`: whether the resource has a protobuf form (custom resources do not; their
 * PartialObjectMetadata, a meta.k8s.io type, does).
 */
export function negotiateOutput(accept: string | undefined, protobuf = false): Output {
  const types = parseMediaTypes(accept);
  if (!types.length) return { kind: "object", yaml: false };
  for (const t of types) {
    const as = t.params["as"];
    const pb = t.type === PROTOBUF;
    if (as) {
      if (t.params["g"] !== "meta.k8s.io") continue;
      const version = t.params["v"] === "v1beta1" ? "v1beta1" : t.params["v"] === "v1" ? "v1" : undefined;
      if (!version) continue;
      // Tables hold arbitrary cells, which have no protobuf form upstream either.
      if (as === "Table") {
        if (pb) continue;
        return { kind: "table", version };
      }
      if (as === "PartialObjectMetadata" || as === "PartialObjectMetadataList")
        return pb ? { kind: "partial", version, protobuf: true } : { kind: "partial", version };
      continue;
    }
    if (pb) {
      if (protobuf) return { kind: "object", yaml: false, protobuf: true };
      continue;
    }
    if (t.type === "application/json" || t.type === "application/*" || t.type === "*/*")
      return { kind: "object", yaml: false };
    if (t.type === "application/yaml") return { kind: "object", yaml: true };
  }
  throw new StatusError(
    406,
    "NotAcceptable",
    `only the following media types are accepted: application/json, application/yaml${protobuf ? `, ${PROTOBUF}` : ""}`,
  );
}

/** Whether an error with no resource scope is answered in protobuf: the client asks for it first. */
export function prefersProtobuf(accept: string | undefined): boolean {
  return parseMediaTypes(accept)[0]?.type === PROTOBUF;
}

export function contentTypeOf(header: string | undefined): string {
  return (header ?? "").split(";")[0].trim().toLowerCase();
}
