import type { KubeletConnections } from "../apiserver/kubelet-connections.ts";
import type { EventRecorder } from "../client/event-recorder.ts";
import type { InformerFactory } from "../client/informer-factory.ts";
import type { ApiClient } from "../client/interface.ts";
import type { Clock } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";

/** What the controller manager hands every controller. */
export interface ControllerContext {
  client: ApiClient;
  informers: InformerFactory;
  clock: Clock;
  logger: Logger;
  /** An event recorder reporting as this component (e.g. "replicaset-controller"). */
  recorder(component: string): EventRecorder;
  /** Controller-manager flags (--node-monitor-grace-period etc.), already parsed. */
  options: ControllerOptions;
  /** Where node agents in this process register for the API server's pods/log. */
  kubelets?: KubeletConnections;
}

export interface ControllerOptions {
  nodeMonitorGracePeriodMs: number;
  defaultNotReadyTolerationSeconds: number;
  defaultUnreachableTolerationSeconds: number;
  serviceCidr: string;
  serviceNodePortRange: [number, number];
  /** --cluster-cidr: the range node podCIDRs come from. */
  clusterCidr: string;
  /** --cluster-dns: the kube-dns Service's cluster IP. */
  clusterDNS: string;
  /** --service-lb-pool: LoadBalancer addresses; absent, services get the nodes' own. */
  serviceLbPool?: string[];
  /** --horizontal-pod-autoscaler-sync-period and -downscale-stabilization. */
  hpaSyncPeriodMs?: number;
  hpaDownscaleStabilizationMs?: number;
  /** --default-local-storage-path: the folder local-path volumes are made in on each node. */
  localStoragePath?: string;
  /** The cluster CA in PEM, published in every namespace as kube-root-ca.crt. */
  rootCaPem?: string;
  /** Signs a legacy service-account token for a `kubernetes.io/service-account-token` Secret. */
  issueLegacyToken?: (
    namespace: string,
    serviceAccount: { name: string; uid: string },
    secret: string,
  ) => string;
}

export const defaultControllerOptions: ControllerOptions = {
  nodeMonitorGracePeriodMs: 40_000,
  defaultNotReadyTolerationSeconds: 300,
  defaultUnreachableTolerationSeconds: 300,
  serviceCidr: "10.43.0.0/16",
  serviceNodePortRange: [30000, 32767],
  clusterCidr: "10.42.0.0/16",
  clusterDNS: "10.43.0.10",
};

export interface Controller {
  run(signal: AbortSignal): Promise<void>;
}

/** A controller's entry in the manager: its name and how to build it. */
export interface ControllerRegistration {
  name: string;
  create(ctx: ControllerContext): Controller;
}
