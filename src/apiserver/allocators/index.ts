export { ServiceAllocator, type ServiceAllocatorOptions } from "./service-allocator.ts";
export {
  ensureKubernetesService,
  hostIPv4,
  KubernetesServiceReconciler,
  type KubernetesServiceOptions,
  type KubernetesServiceReconcilerDeps,
} from "./kubernetes-service.ts";
export { dropTypeDependentFields, patchAllocatedValues } from "./service-fields.ts";
