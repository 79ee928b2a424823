import { resources, type ResourceInfo } from "../../api/resources.ts";
import type { Store } from "../../storage/types.ts";
import { GenericStore } from "./generic-store.ts";
import { strategyFor } from "./strategies.ts";
import type { Strategy } from "./strategy.ts";
import type { WrittenObjects } from "../watch/written-objects.ts";

/** Every resource's store, by group and resource name. */
export class Registry {
  private readonly stores = new Map<string, GenericStore>();
  // group/Kind → group/resource, so a policy's paramKind is found without a scan.
  private readonly kinds = new Map<string, string>();
  readonly storage: Store;
  private readonly written?: WrittenObjects;

  constructor(storage: Store, written?: WrittenObjects) {
    this.storage = storage;
    this.written = written;
    for (const info of resources) {
      this.stores.set(
        `${info.group}/${info.resource}`,
        new GenericStore(info, strategyFor(info), storage, written),
      );
      const kind = `${info.group}/${info.kind}`;
      if (!this.kinds.has(kind)) this.kinds.set(kind, `${info.group}/${info.resource}`);
    }
  }

  for(info: ResourceInfo): GenericStore {
    return this.stores.get(`${info.group}/${info.resource}`)!;
  }

  get(group: string, resource: string): GenericStore | undefined {
    return this.stores.get(`${group}/${resource}`);
  }

  /** The store of a kind, built-in or custom (an admission policy's paramKind names a kind). */
  byKind(group: string, kind: string): GenericStore | undefined {
    const key = this.kinds.get(`${group}/${kind}`);
    return key === undefined ? undefined : this.stores.get(key);
  }

  /** Serves a custom resource (or serves it anew after its definition changed). */
  setCustom(info: ResourceInfo, strategy: Strategy): GenericStore {
    const store = new GenericStore(info, strategy, this.storage, this.written);
    this.stores.set(`${info.group}/${info.resource}`, store);
    this.kinds.set(`${info.group}/${info.kind}`, `${info.group}/${info.resource}`);
    return store;
  }

  removeCustom(group: string, resource: string): void {
    const store = this.stores.get(`${group}/${resource}`);
    this.stores.delete(`${group}/${resource}`);
    if (store && this.kinds.get(`${group}/${store.info.kind}`) === `${group}/${resource}`)
      this.kinds.delete(`${group}/${store.info.kind}`);
  }

  get namespaces(): GenericStore {
    return this.stores.get("/namespaces")!;
  }
}
