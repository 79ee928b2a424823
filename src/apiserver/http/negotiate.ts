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

export type Output =
  | { kind: "object"; yaml: boolean }
  | { kind: "table"; version: "v1" | "v1beta1" }
  | { kind: "partial"; version: "v1" | "v1beta1" };

/** What the client accepts, in its order of preference, as apiserver's negotiation picks it. */
export function negotiateOutput(accept: string | undefined): Output {
  const types = parseMediaTypes(accept);
  if (!types.length) return { kind: "object", yaml: false };
  for (const t of types) {
    const as = t.params["as"];
    if (as) {
      if (t.params["g"] !== "meta.k8s.io") continue;
      const version = t.params["v"] === "v1beta1" ? "v1beta1" : t.params["v"] === "v1" ? "v1" : undefined;
      if (!version) continue;
      if (as === "Table") return { kind: "table", version };
      if (as === "PartialObjectMetadata" || as === "PartialObjectMetadataList")
        return { kind: "partial", version };
      continue;
    }
    if (t.type === "application/json" || t.type === "application/*" || t.type === "*/*")
      return { kind: "object", yaml: false };
    if (t.type === "application/yaml") return { kind: "object", yaml: true };
    // Protobuf clients always offer JSON too; JSON answers them.
    if (t.type === "application/vnd.kubernetes.protobuf") continue;
  }
  if (types.some((t) => t.type === "application/vnd.kubernetes.protobuf"))
    return { kind: "object", yaml: false };
  throw new StatusError(
    406,
    "NotAcceptable",
    `only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf`,
  );
}

export function contentTypeOf(header: string | undefined): string {
  return (header ?? "").split(";")[0].trim().toLowerCase();
}
