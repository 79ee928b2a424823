import type { KObject } from "../apimachinery/meta.ts";
import { notFound } from "../apimachinery/status-error.ts";
import type { ApiClient } from "./interface.ts";
import type { RequestOptions, ResourceRef } from "./rest-client.ts";

export interface RecordedCall {
  verb: "get" | "list" | "create" | "update" | "patch" | "delete" | "request";
  resource: string;
  namespace: string;
  name: string;
  subresource?: string;
  body?: unknown;
  patchType?: string;
}

/**
 * A client that records every call and answers from a small object map, for controller unit tests
 * in the upstream style (recorded actions instead of a server).
 */
export class RecordingClient implements ApiClient {
  readonly calls: RecordedCall[] = [];
  readonly objects = new Map<string, KObject>();
  private counter = 1;
  /** Make a verb on a resource fail, e.g. fail("create", "pods", err). */
  private failures = new Map<string, unknown>();

  private key(ref: ResourceRef, ns: string, name: string): string {
    return `${ref.group}/${ref.resource}/${ns}/${name}`;
  }

  fail(verb: RecordedCall["verb"], resource: string, err: unknown): void {
    this.failures.set(`${verb}/${resource}`, err);
  }

  private check(verb: RecordedCall["verb"], resource: string): void {
    const f = this.failures.get(`${verb}/${resource}`);
    if (f) throw f;
  }

  actions(verb?: RecordedCall["verb"], resource?: string): RecordedCall[] {
    return this.calls.filter((c) => (!verb || c.verb === verb) && (!resource || c.resource === resource));
  }

  async get(ref: ResourceRef, namespace: string, name: string): Promise<KObject> {
    this.calls.push({ verb: "get", resource: ref.resource, namespace, name });
    this.check("get", ref.resource);
    const o = this.objects.get(this.key(ref, namespace, name));
    if (!o) throw notFound({ group: ref.group, resource: ref.resource }, name);
    return structuredClone(o);
  }

  async list(
    ref: ResourceRef,
    namespace = "",
  ): Promise<{ metadata: { resourceVersion: string }; items: KObject[] }> {
    this.calls.push({ verb: "list", resource: ref.resource, namespace, name: "" });
    this.check("list", ref.resource);
    const prefix = `${ref.group}/${ref.resource}/${namespace}`;
    const items = [...this.objects.entries()]
      .filter(([k]) => k.startsWith(prefix))
      .map(([, v]) => structuredClone(v));
    return { metadata: { resourceVersion: String(this.counter) }, items };
  }

  async create(
    ref: ResourceRef,
    namespace: string,
    obj: unknown,
    subresourceOf?: { name: string; subresource: string },
  ): Promise<KObject> {
    const o = structuredClone(obj) as KObject;
    o.metadata ??= {};
    if (!o.metadata.name && o.metadata.generateName)
      o.metadata.name = `${o.metadata.generateName}${(this.counter++).toString(36).padStart(5, "0")}`;
    this.calls.push({
      verb: "create",
      resource: ref.resource,
      namespace,
      name: subresourceOf?.name ?? o.metadata.name ?? "",
      subresource: subresourceOf?.subresource,
      body: o,
    });
    this.check("create", ref.resource);
    if (subresourceOf) return o;
    if (ref.namespaced) o.metadata.namespace = namespace;
    o.metadata.uid ??= `uid-${this.counter++}`;
    o.metadata.resourceVersion = String(this.counter++);
    this.objects.set(this.key(ref, namespace, o.metadata.name!), o);
    return structuredClone(o);
  }

  async update(
    ref: ResourceRef,
    namespace: string,
    name: string,
    obj: unknown,
    subresource?: string,
  ): Promise<KObject> {
    this.calls.push({ verb: "update", resource: ref.resource, namespace, name, subresource, body: obj });
    this.check("update", ref.resource);
    const o = structuredClone(obj) as KObject;
    o.metadata!.resourceVersion = String(this.counter++);
    this.objects.set(this.key(ref, namespace, name), o);
    return structuredClone(o);
  }

  async patch(
    ref: ResourceRef,
    namespace: string,
    name: string,
    patch: unknown,
    type = "merge",
    subresource?: string,
  ): Promise<KObject> {
    this.calls.push({
      verb: "patch",
      resource: ref.resource,
      namespace,
      name,
      subresource,
      body: patch,
      patchType: type,
    });
    this.check("patch", ref.resource);
    const cur = this.objects.get(this.key(ref, namespace, name));
    if (!cur) throw notFound({ group: ref.group, resource: ref.resource }, name);
    const merged = type === "merge" ? mergePatch(cur, patch) : cur;
    (merged as KObject).metadata!.resourceVersion = String(this.counter++);
    this.objects.set(this.key(ref, namespace, name), merged as KObject);
    return structuredClone(merged as KObject);
  }

  async delete(ref: ResourceRef, namespace: string, name: string, options?: unknown): Promise<KObject> {
    this.calls.push({ verb: "delete", resource: ref.resource, namespace, name, body: options });
    this.check("delete", ref.resource);
    const o = this.objects.get(this.key(ref, namespace, name));
    this.objects.delete(this.key(ref, namespace, name));
    return o ?? { metadata: { name } };
  }

  async request<T = KObject>(method: string, path: string, opts?: RequestOptions): Promise<T> {
    this.calls.push({ verb: "request", resource: path, namespace: "", name: method, body: opts?.body });
    return {} as T;
  }

  watch(): Promise<void> {
    return Promise.resolve();
  }
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    typeof target === "object" && target !== null && !Array.isArray(target) ? { ...(target as object) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}
