// Server-side printing: the Table columns and cells kube-apiserver returns for `kubectl get`
// (pkg/printers/internalversion/printers.go; the server always prints the wide columns).
import {
  admissionPolicyBindingPrinter,
  admissionPolicyPrinter,
  webhookConfigurationPrinter,
} from "./webhook-configurations.ts";
import { nameColumn } from "./columns.ts";
import { configMapPrinter } from "./config-maps.ts";
import { cronJobPrinter } from "./cron-jobs.ts";
import { daemonSetPrinter } from "./daemon-sets.ts";
import { defaultPrinter } from "./default.ts";
import { deploymentPrinter } from "./deployments.ts";
import { endpointSlicePrinter } from "./endpoint-slices.ts";
import { endpointsPrinter } from "./endpoints.ts";
import { eventPrinter } from "./events.ts";
import { ingressClassPrinter } from "./ingress-classes.ts";
import { ingressPrinter } from "./ingresses.ts";
import { jobPrinter } from "./jobs.ts";
import { leasePrinter } from "./leases.ts";
import { namespacePrinter } from "./namespaces.ts";
import { nodePrinter } from "./nodes.ts";
import { podPrinter } from "./pods.ts";
import { replicaSetPrinter } from "./replica-sets.ts";
import { roleBindingPrinter, rolePrinter } from "./rbac.ts";
import { replicationControllerPrinter } from "./replication-controllers.ts";
import { secretPrinter } from "./secrets.ts";
import { serviceAccountPrinter } from "./service-accounts.ts";
import { servicePrinter } from "./services.ts";
import { controllerRevisionPrinter, statefulSetPrinter } from "./stateful-sets.ts";
import { persistentVolumeClaimPrinter, persistentVolumePrinter, storageClassPrinter } from "./storage.ts";
import { podDisruptionBudgetPrinter } from "./pod-disruption-budgets.ts";
import { limitRangePrinter, resourceQuotaPrinter } from "./quota.ts";
import { priorityClassPrinter } from "./priority-classes.ts";
import { horizontalPodAutoscalerPrinter } from "./horizontal-pod-autoscalers.ts";
import type { TablePrinter } from "./types.ts";

export type { TableColumnDefinition, TablePrinter, TableRowCondition } from "./types.ts";
export { humanDuration, translateTimestampSince } from "./human-duration.ts";

const printers = new Map<string, TablePrinter>([
  ["/configmaps", configMapPrinter],
  ["/endpoints", endpointsPrinter],
  ["/events", eventPrinter],
  ["/namespaces", namespacePrinter],
  ["/nodes", nodePrinter],
  ["/pods", podPrinter],
  ["/replicationcontrollers", replicationControllerPrinter],
  ["/secrets", secretPrinter],
  ["/serviceaccounts", serviceAccountPrinter],
  ["/services", servicePrinter],
  ["apps/daemonsets", daemonSetPrinter],
  ["apps/deployments", deploymentPrinter],
  ["apps/replicasets", replicaSetPrinter],
  ["apps/statefulsets", statefulSetPrinter],
  ["apps/controllerrevisions", controllerRevisionPrinter],
  ["/persistentvolumes", persistentVolumePrinter],
  ["/persistentvolumeclaims", persistentVolumeClaimPrinter],
  ["storage.k8s.io/storageclasses", storageClassPrinter],
  ["policy/poddisruptionbudgets", podDisruptionBudgetPrinter],
  ["/resourcequotas", resourceQuotaPrinter],
  ["/limitranges", limitRangePrinter],
  ["scheduling.k8s.io/priorityclasses", priorityClassPrinter],
  ["autoscaling/horizontalpodautoscalers", horizontalPodAutoscalerPrinter],
  ["batch/jobs", jobPrinter],
  ["batch/cronjobs", cronJobPrinter],
  ["networking.k8s.io/ingresses", ingressPrinter],
  ["extensions/ingresses", ingressPrinter],
  ["networking.k8s.io/ingressclasses", ingressClassPrinter],
  ["discovery.k8s.io/endpointslices", endpointSlicePrinter],
  ["coordination.k8s.io/leases", leasePrinter],
  ["events.k8s.io/events", eventPrinter],
  ["rbac.authorization.k8s.io/roles", rolePrinter],
  ["rbac.authorization.k8s.io/clusterroles", rolePrinter],
  ["rbac.authorization.k8s.io/rolebindings", roleBindingPrinter],
  ["rbac.authorization.k8s.io/clusterrolebindings", roleBindingPrinter],
  ...(["mutatingwebhookconfigurations", "validatingwebhookconfigurations"] as const).map(
    (r) => [`admissionregistration.k8s.io/${r}`, webhookConfigurationPrinter] as const,
  ),
  ["admissionregistration.k8s.io/validatingadmissionpolicies", admissionPolicyPrinter],
  ["admissionregistration.k8s.io/validatingadmissionpolicybindings", admissionPolicyBindingPrinter],
  // apiextensions serves CRDs with the generic table: the name and when it was created.
  [
    "apiextensions.k8s.io/customresourcedefinitions",
    {
      columns: [
        nameColumn,
        {
          name: "Created At",
          type: "date",
          format: "",
          description: "Time when the object was created.",
          priority: 0,
        },
      ],
      cells: (obj: any) => [obj?.metadata?.name ?? "", obj?.metadata?.creationTimestamp ?? null],
    },
  ],
]);

/** The printer for a resource ("" is the core group); Name and Age for resources without one. */
export function printerFor(group: string, resource: string): TablePrinter {
  return printers.get(`${group}/${resource}`) ?? defaultPrinter;
}
