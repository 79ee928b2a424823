import { NodeAffinity } from "./plugins/node-affinity/node-affinity.ts";
import { NodeName } from "./plugins/node-name/node-name.ts";
import { NodePorts } from "./plugins/node-ports/node-ports.ts";
import { NodeResourcesBalancedAllocation } from "./plugins/node-resources-balanced-allocation/node-resources-balanced-allocation.ts";
import { NodeResourcesFit } from "./plugins/node-resources-fit/node-resources-fit.ts";
import { NodeUnschedulable } from "./plugins/node-unschedulable/node-unschedulable.ts";
import { PodTopologySpread } from "./plugins/pod-topology-spread/pod-topology-spread.ts";
import { TaintToleration } from "./plugins/taint-toleration/taint-toleration.ts";
import type { FilterPlugin, ScorePlugin } from "./types.ts";
import { VolumeBinding, type VolumeBindingDeps } from "./plugins/volume-binding/volume-binding.ts";

export interface Framework {
  filters: FilterPlugin[];
  scorers: ScorePlugin[];
  /** Set when the scheduler sees claims and volumes: binds them before the pod is bound. */
  volumeBinding?: VolumeBinding;
}

/** The default profile's plugins, in upstream's order and with its weights (apis/config/v1/default_plugins.go). */
export function defaultFramework(volumes?: VolumeBindingDeps): Framework {
  const taints = new TaintToleration();
  const affinity = new NodeAffinity();
  const fit = new NodeResourcesFit();
  const volumeBinding = volumes ? new VolumeBinding(volumes) : undefined;
  return {
    filters: [
      new NodeUnschedulable(),
      new NodeName(),
      taints,
      affinity,
      new NodePorts(),
      fit,
      ...(volumeBinding ? [volumeBinding] : []),
    ],
    ...(volumeBinding ? { volumeBinding } : {}),
    scorers: [taints, affinity, fit, new PodTopologySpread(), new NodeResourcesBalancedAllocation()],
  };
}
