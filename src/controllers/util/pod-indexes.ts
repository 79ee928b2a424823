import type { KObject } from "../../apimachinery/meta.ts";
import { getControllerOf } from "./pod-helpers.ts";

/** Pods without a controller, by namespace: what a controller may adopt, without scanning all pods. */
export const orphanPodsIndex = "orphansByNamespace";

export function orphanPodsIndexer(obj: KObject): string[] {
  return getControllerOf(obj) ? [] : [obj.metadata?.namespace ?? ""];
}
