import { deepFreeze } from "./freeze.ts";
import type { KObject } from "../apimachinery/meta.ts";
import { objectKey, type InformerHandlers } from "./informer.ts";
import type { SharedInformer } from "./interface.ts";

/** An informer whose cache tests fill directly; handlers fire as a real informer's would, on frozen objects. */
export class FakeInformer implements SharedInformer {
  private readonly cache = new Map<string, KObject>();
  private readonly handlers: InformerHandlers[] = [];
  private readonly indexers = new Map<string, (o: KObject) => string[]>();

  constructor(objects: KObject[] = []) {
    for (const o of objects) this.cache.set(objectKey(o), deepFreeze(o));
  }

  on(h: InformerHandlers): void {
    this.handlers.push(h);
  }

  addIndexer(name: string, fn: (o: KObject) => string[]): void {
    this.indexers.set(name, fn);
  }

  byIndex(name: string, value: string): KObject[] {
    const fn = this.indexers.get(name);
    return fn ? this.list().filter((o) => fn(o).includes(value)) : [];
  }

  get(key: string): KObject | undefined {
    return this.cache.get(key);
  }

  list(): KObject[] {
    return [...this.cache.values()];
  }

  hasSynced(): boolean {
    return true;
  }

  waitForSync(): Promise<void> {
    return Promise.resolve();
  }

  run(signal: AbortSignal): Promise<void> {
    return new Promise((r) => signal.addEventListener("abort", () => r()));
  }

  add(o: KObject): void {
    deepFreeze(o);
    const old = this.cache.get(objectKey(o));
    this.cache.set(objectKey(o), o);
    for (const h of this.handlers) {
      if (old) h.update?.(o, old);
      else h.add?.(o);
    }
  }

  update(o: KObject): void {
    this.add(o);
  }

  delete(o: KObject): void {
    this.cache.delete(objectKey(o));
    for (const h of this.handlers) h.delete?.(o);
  }
}
