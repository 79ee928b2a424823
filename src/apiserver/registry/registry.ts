import { resources, type ResourceInfo } from "../../api/resources.ts";
import type { Store } from "../../storage/types.ts";
import { GenericStore } from "./generic-store.ts";
import { strategyFor } from "./strategies.ts";
import type { WrittenObjects } from "../watch/written-objects.ts";

/** Every resource's store, by group and resource name. */
export class Registry {
  private readonly stores = new Map<string, GenericStore>();
  readonly storage: Store;

  constructor(storage: Store, written?: WrittenObjects) {
    this.storage = storage;
    for (const info of resources) {
      this.stores.set(
        `${info.group}/${info.resource}`,
        new GenericStore(info, strategyFor(info), storage, written),
      );
    }
  }

  for(info: ResourceInfo): GenericStore {
    return this.stores.get(`${info.group}/${info.resource}`)!;
  }

  get(group: string, resource: string): GenericStore | undefined {
    return this.stores.get(`${group}/${resource}`);
  }

  get namespaces(): GenericStore {
    return this.stores.get("/namespaces")!;
  }
}
