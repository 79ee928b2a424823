import type { KObject } from "../apimachinery/meta.ts";
import type { InformerHandlers } from "./informer.ts";
import type { RequestOptions, ResourceRef } from "./rest-client.ts";

/** What components need of the API: RestClient implements it over HTTPS or in-process; tests record it. */
export interface ApiClient {
  get(ref: ResourceRef, namespace: string, name: string): Promise<KObject>;
  list(
    ref: ResourceRef,
    namespace?: string,
    query?: RequestOptions["query"],
  ): Promise<{ metadata: { resourceVersion: string; continue?: string }; items: KObject[] }>;
  create(
    ref: ResourceRef,
    namespace: string,
    obj: unknown,
    subresourceOf?: { name: string; subresource: string },
  ): Promise<KObject>;
  update(
    ref: ResourceRef,
    namespace: string,
    name: string,
    obj: unknown,
    subresource?: string,
  ): Promise<KObject>;
  patch(
    ref: ResourceRef,
    namespace: string,
    name: string,
    patch: unknown,
    type?: "merge" | "json" | "strategic",
    subresource?: string,
  ): Promise<KObject>;
  delete(ref: ResourceRef, namespace: string, name: string, options?: unknown): Promise<KObject>;
  request<T = KObject>(method: string, path: string, opts?: RequestOptions): Promise<T>;
  watch(
    ref: ResourceRef,
    namespace: string | undefined,
    query: RequestOptions["query"],
    onEvent: (type: string, object: KObject) => void,
    signal: AbortSignal,
    opts?: { accept?: string },
  ): Promise<void>;
}

/** The read side of an informer that controllers use; FakeInformer fills it directly in tests. */
export interface SharedInformer {
  on(h: InformerHandlers): void;
  addIndexer(name: string, fn: (o: KObject) => string[]): void;
  byIndex(name: string, value: string): KObject[];
  get(key: string): KObject | undefined;
  list(): KObject[];
  hasSynced(): boolean;
  waitForSync(): Promise<void>;
  run(signal: AbortSignal): Promise<void>;
}
