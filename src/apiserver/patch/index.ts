// The PATCH engines: JSON patch, merge patch, strategic merge patch and server-side apply.
export { applyJsonPatch } from "./json-patch.ts";
export { applyMergePatch } from "./merge-patch.ts";
export { applyStrategicMergePatch } from "./strategic-merge-patch.ts";
export { applyServerSideApply, recordUpdateManagedFields } from "./server-side-apply.ts";
export type { ApplyOptions, UpdateOptions } from "./server-side-apply.ts";
export { patchMetaFor } from "./patch-meta.ts";
export type { KindPatchMeta, ListMeta } from "./patch-meta.ts";
