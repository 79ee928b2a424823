import { stringify as toYaml } from "yaml";
import { apiVersionOf } from "../../api/resources.ts";
import { customColumnsPrinter } from "../../api/tables/custom-columns.ts";
import { fromStorageVersion, storageGroupVersion } from "../../api/conversion/index.ts";
import { printerFor } from "../../api/tables/index.ts";
import type { KObject } from "../../apimachinery/meta.ts";
import type { Status, StatusError } from "../../apimachinery/status-error.ts";
import { encodeProtobufObject } from "../protobuf/encode.ts";
import { PROTOBUF } from "../http/negotiate.ts";
import type { RequestScope, ResponseSink } from "./scope.ts";

/** The stored object as the client asked for it (its group/version). */
export function versioned(scope: RequestScope, obj: KObject): KObject {
  const { served, info } = scope;
  const stored = storageGroupVersion(info);
  if (served.group === stored.group && served.version === stored.version) return obj;
  return fromStorageVersion(info, served.group, served.version, obj);
}

export function warningHeader(warnings: string[]): string[] {
  return warnings.map((w) => `299 - ${JSON.stringify(w)}`);
}

/** Whether the scope's response is Kubernetes protobuf. */
export function wantsProtobuf(scope: RequestScope | undefined): boolean {
  const out = scope?.output;
  return (out?.kind === "object" || out?.kind === "partial") && out.protobuf === true;
}

/**
 * Writes a response body: as JSON (or YAML), or as protobuf when the client asked for it and the
 * body's kind has a protobuf message (`protobuf` forces the choice where there is no scope).
 */
export function writeJson(
  res: ResponseSink,
  code: number,
  body: unknown,
  scope?: RequestScope,
  yaml = false,
  protobuf = wantsProtobuf(scope),
): void {
  if (protobuf && typeof body === "object" && body !== null) {
    const bytes = encodeProtobufObject(body as Record<string, unknown>);
    if (bytes) return writeBinary(res, code, bytes, scope);
  }
  const text = yaml ? toYaml(body) : JSON.stringify(body);
  const headers: Record<string, string | number | string[]> = {
    "Content-Type": yaml ? "application/yaml" : "application/json",
    "Cache-Control": "no-cache, private",
    "Content-Length": Buffer.byteLength(text),
  };
  if (scope?.ctx.warnings.length) headers["Warning"] = warningHeader(scope.ctx.warnings);
  res.writeHead(code, headers);
  res.end(text);
}

function writeBinary(res: ResponseSink, code: number, bytes: Uint8Array, scope?: RequestScope): void {
  const headers: Record<string, string | number | string[]> = {
    "Content-Type": PROTOBUF,
    "Cache-Control": "no-cache, private",
    "Content-Length": bytes.length,
  };
  if (scope?.ctx.warnings.length) headers["Warning"] = warningHeader(scope.ctx.warnings);
  res.writeHead(code, headers);
  res.end(bytes);
}

/** Whether the response is exactly the stored form: plain JSON in the storage version. */
export function wantsStoredForm(scope: RequestScope): boolean {
  if (scope.output.kind !== "object" || scope.output.yaml || scope.output.protobuf) return false;
  const stored = storageGroupVersion(scope.info);
  return scope.served.group === stored.group && scope.served.version === stored.version;
}

export function writeText(res: ResponseSink, code: number, text: string, scope?: RequestScope): void {
  const headers: Record<string, string | number | string[]> = {
    "Content-Type": "application/json",
    "Cache-Control": "no-cache, private",
    "Content-Length": Buffer.byteLength(text),
  };
  if (scope?.ctx.warnings.length) headers["Warning"] = warningHeader(scope.ctx.warnings);
  res.writeHead(code, headers);
  res.end(text);
}

export function writeStatus(
  res: ResponseSink,
  err: StatusError,
  scope?: RequestScope,
  protobuf = wantsProtobuf(scope),
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  writeJson(res, err.code, err.toStatus(), scope, false, protobuf);
}

export function partialMetadata(version: string, obj: KObject): KObject {
  return { kind: "PartialObjectMetadata", apiVersion: `meta.k8s.io/${version}`, metadata: obj.metadata };
}

export interface ListMeta {
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export function tableOf(
  scope: RequestScope,
  objs: KObject[],
  listMeta: ListMeta,
  withColumns = true,
): unknown {
  const printer = scope.info.printerColumns
    ? customColumnsPrinter(scope.info.printerColumns)
    : printerFor(scope.info.group, scope.info.resource);
  const include = scope.query.get("includeObject") ?? "Metadata";
  const version = scope.output.kind === "table" ? scope.output.version : "v1";
  const now = scope.ctx.now;
  return {
    kind: "Table",
    apiVersion: `meta.k8s.io/${version}`,
    metadata: listMeta,
    columnDefinitions: withColumns ? printer.columns : [],
    rows: objs.map((o) => {
      const v = versioned(scope, o);
      const row: { cells: unknown[]; conditions?: unknown[]; object?: unknown } = {
        cells: printer.cells(v, now),
      };
      const conditions = printer.conditions?.(v);
      if (conditions) row.conditions = conditions;
      if (include === "Object") row.object = v;
      else if (include !== "None") row.object = partialMetadata(version, v);
      return row;
    }),
  };
}

/** One object in the negotiated form. */
export function renderObject(scope: RequestScope, obj: KObject): unknown {
  switch (scope.output.kind) {
    case "table":
      return tableOf(scope, [obj], { resourceVersion: obj.metadata?.resourceVersion ?? "" });
    case "partial":
      return partialMetadata(scope.output.version, versioned(scope, obj));
    default:
      return versioned(scope, obj);
  }
}

export function renderList(scope: RequestScope, items: KObject[], meta: ListMeta): unknown {
  const listMeta: ListMeta = { resourceVersion: meta.resourceVersion };
  if (meta.continue) listMeta.continue = meta.continue;
  if (meta.remainingItemCount !== undefined) listMeta.remainingItemCount = meta.remainingItemCount;
  switch (scope.output.kind) {
    case "table":
      return tableOf(scope, items, listMeta);
    case "partial":
      return {
        kind: "PartialObjectMetadataList",
        apiVersion: `meta.k8s.io/${scope.output.version}`,
        metadata: listMeta,
        items: items.map((o) =>
          partialMetadata(scope.output.kind === "partial" ? scope.output.version : "v1", o),
        ),
      };
    default:
      return {
        kind: `${scope.info.kind}List`,
        apiVersion: apiVersionOf(scope.served.group, scope.served.version),
        metadata: listMeta,
        items: items.map((o) => versioned(scope, o)),
      };
  }
}

export function successStatus(details: Status["details"]): Status {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details, code: 200 } as Status;
}
