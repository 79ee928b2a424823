import { unknownFieldPaths, type JSONSchemaProps } from "../crd/schema.ts";
import { parse as parseYaml } from "yaml";
import { apiVersionOf } from "../../api/resources.ts";
import { toStorageVersion } from "../../api/conversion/index.ts";
import { applyDefaults } from "../../api/defaults/index.ts";
import type { KObject } from "../../apimachinery/meta.ts";
import { badRequest, unsupportedMediaType } from "../../apimachinery/status-error.ts";
import { decodeProtobufObject } from "../protobuf/index.ts";
import { fieldValidationError, unknownFields } from "../openapi/index.ts";
import { contentTypeOf } from "../http/negotiate.ts";
import type { RequestScope } from "./scope.ts";

/** Parses a request body of any accepted content type into a JSON object. */
export function parseBody(
  contentType: string,
  body: Buffer | undefined,
  target?: { apiVersion: string; kind: string },
): unknown {
  const text = () => (body ?? Buffer.alloc(0)).toString("utf8");
  switch (contentType) {
    case "":
    case "application/json":
    case "application/json-patch+json":
    case "application/merge-patch+json":
    case "application/strategic-merge-patch+json":
      try {
        return JSON.parse(text());
      } catch (e) {
        throw badRequest(`couldn't get version/kind; json parse error: ${(e as Error).message}`);
      }
    case "application/yaml":
    case "application/apply-patch+yaml":
      try {
        return parseYaml(text(), { strict: true, uniqueKeys: true });
      } catch (e) {
        throw badRequest(`error converting YAML to JSON: yaml: ${(e as Error).message.split("\n")[0]}`);
      }
    case "application/vnd.kubernetes.protobuf":
      return decodeProtobufObject(body ?? Buffer.alloc(0), target);
    default:
      throw unsupportedMediaType();
  }
}

function isObject(v: unknown): v is KObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Checks that a parsed body is an object of the kind the URL names, applies field validation, and
 * converts it to the storage version with defaults applied.
 */
export function toStorageObject(scope: RequestScope, raw: unknown, expectKind = scope.info.kind): KObject {
  if (!isObject(raw)) {
    throw badRequest(`the object provided is unrecognized (must be of type ${expectKind})`);
  }
  const { served, info } = scope;
  const expectedVersion = apiVersionOf(served.group, served.version);
  if (raw.apiVersion !== undefined && raw.apiVersion !== expectedVersion) {
    throw badRequest(
      `the API version in the data (${String(raw.apiVersion)}) does not match the expected API version (${expectedVersion})`,
    );
  }
  if (raw.kind !== undefined && raw.kind !== expectKind) {
    throw badRequest(
      `the kind in the data (${String(raw.kind)}) does not match the expected kind (${expectKind})`,
    );
  }
  if (raw.metadata !== undefined && !isObject(raw.metadata)) {
    throw badRequest(
      `json: cannot unmarshal ${Array.isArray(raw.metadata) ? "array" : typeof raw.metadata} into Go struct field ${expectKind}.metadata of type v1.ObjectMeta`,
    );
  }
  checkFieldValidation(scope, raw, expectKind, true);
  raw.apiVersion = expectedVersion;
  raw.kind = expectKind;
  const stored = expectKind === info.kind ? toStorageVersion(info, served.group, served.version, raw) : raw;
  if (expectKind === info.kind) applyDefaults(info.group, info.kind, stored);
  return stored;
}

/** fieldValidation=Strict|Warn|Ignore as upstream: unknown fields fail, warn (the default) or pass. */
export function checkFieldValidation(
  scope: RequestScope,
  raw: KObject,
  kind: string,
  decoding = false,
): void {
  const mode = scope.query.get("fieldValidation") ?? "Warn";
  if (mode !== "Strict" && mode !== "Warn" && mode !== "Ignore") {
    throw badRequest(`fieldValidation must be one of "Ignore", "Warn", or "Strict", got "${mode}"`);
  }
  if (mode === "Ignore") return;
  const schema = scope.info.versionSchemas?.[scope.served.version] ?? scope.info.schema;
  const unknown = schema
    ? unknownFieldPaths(raw, schema as JSONSchemaProps)
    : unknownFields(scope.served.group, scope.served.version, kind, raw);
  if (!unknown.length) return;
  // Creates and updates name the decode target as upstream's codec does; patches do not.
  if (mode === "Strict")
    throw fieldValidationError(unknown, decoding ? { kind, version: scope.served.version } : undefined);
  for (const f of unknown) scope.ctx.warnings.push(`unknown field "${f}"`);
}

export function requestContentType(scope: RequestScope): string {
  const type = contentTypeOf(scope.headers["content-type"] as string | undefined);
  // Custom resources have no protobuf form: apiextensions serves them as JSON and YAML only.
  if (type === "application/vnd.kubernetes.protobuf" && scope.info.schema)
    throw unsupportedMediaType(["application/json", "application/yaml"]);
  return type;
}

/** The kind a body sent to this endpoint must be, for decoders that need it (protobuf). */
export function bodyTarget(scope: RequestScope): { apiVersion: string; kind: string } {
  return { apiVersion: apiVersionOf(scope.served.group, scope.served.version), kind: scope.info.kind };
}
