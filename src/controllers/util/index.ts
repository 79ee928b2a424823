// Shared controller helpers (the parts of pkg/controller/controller_utils.go and
// controller_ref_manager.go that several controllers use).
export {
  deleteBefore,
  podDeletionCost,
  podDeletionCostAnnotation,
  sortActivePodsWithRanks,
} from "./active-pods.ts";
export {
  aggregate,
  ControllerRefManager,
  recheckDeletionTimestamp,
  type ControllerRefManagerOptions,
} from "./controller-ref-manager.ts";
export { ControllerExpectations, expectationsTimeoutMs } from "./expectations.ts";
export {
  FailedCreatePodReason,
  FailedDeletePodReason,
  getPodFromTemplate,
  isNamespaceTerminating,
  PodControl,
  podNamePrefix,
  SuccessfulCreatePodReason,
  SuccessfulDeletePodReason,
} from "./pod-control.ts";
export {
  controllerUidIndex,
  controllerUidIndexer,
  getControllerOf,
  getPodReadyCondition,
  isPodActive,
  isPodAvailable,
  isPodReady,
  namespaceIndex,
  namespaceIndexer,
  newControllerRef,
  podConditions,
  podKey,
} from "./pod-helpers.ts";
export { slowStartBatch, slowStartInitialBatchSize } from "./slow-start-batch.ts";
