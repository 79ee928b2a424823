import { deploymentController } from "./deployment/registration.ts";
import { endpointsController } from "./endpoints/registration.ts";
import { endpointSliceController } from "./endpointslice/registration.ts";
import { endpointSliceMirroringController } from "./endpointslicemirroring/registration.ts";
import { kubeDnsController } from "./kubedns/registration.ts";
import { serviceLbController } from "./servicelb/registration.ts";
import { ingressController } from "./ingress/registration.ts";
import { GarbageCollector } from "./garbagecollector/garbage-collector.ts";
import { NamespaceController } from "./namespace/namespace-controller.ts";
import { nodeLifecycleController } from "./nodelifecycle/registration.ts";
import { podGCController } from "./podgc/registration.ts";
import { nodeIpamController } from "./nodeipam/registration.ts";
import { simulatedNodesAgent } from "../kubelet/registration.ts";
import { newScheduler } from "../scheduler/index.ts";
import { replicaSetControllers } from "./replicaset/registration.ts";
import { daemonSetController } from "./daemonset/registration.ts";
import { statefulSetController } from "./statefulset/registration.ts";
import { volumeControllers } from "./volume/registration.ts";
import { disruptionController } from "./disruption/registration.ts";
import { resourceQuotaController } from "./resourcequota/registration.ts";
import { horizontalPodAutoscalerController } from "./podautoscaler/registration.ts";
import { jobControllers } from "./job/registration.ts";
import { cronJobController } from "./cronjob/registration.ts";
import { clusterRoleAggregationController } from "./clusterroleaggregation/registration.ts";
import { serviceAccountControllers } from "./serviceaccount/registration.ts";
import { admissionPolicyStatusController } from "./admissionpolicystatus/registration.ts";
import type { ControllerRegistration } from "./types.ts";

// Every controller the manager runs. Add one entry per controller.
export const controllers: ControllerRegistration[] = [
  { name: "namespace", create: (ctx) => new NamespaceController({ client: ctx.client, logger: ctx.logger }) },
  {
    name: "garbagecollector",
    create: (ctx) => new GarbageCollector({ client: ctx.client, logger: ctx.logger }),
  },
  ...replicaSetControllers, // "replicaset" and "replicationcontroller"
  deploymentController,
  endpointsController,
  endpointSliceController,
  endpointSliceMirroringController,
  kubeDnsController,
  serviceLbController,
  ingressController,
  { name: "scheduler", create: (ctx) => newScheduler(ctx) },
  nodeLifecycleController,
  podGCController,
  nodeIpamController,
  simulatedNodesAgent,
  daemonSetController,
  statefulSetController,
  disruptionController,
  resourceQuotaController,
  horizontalPodAutoscalerController,
  ...volumeControllers, // the binder, claim and volume protection, ephemeral volumes, local-path
  ...jobControllers, // "job" and "ttl-after-finished"
  cronJobController,
  clusterRoleAggregationController,
  ...serviceAccountControllers, // "serviceaccount" and "root-ca-cert-publisher"
  admissionPolicyStatusController,
];
