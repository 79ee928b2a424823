import type { ApiClient } from "../client/interface.ts";
import { Kubelet, type KubeletOptions } from "../kubelet/kubelet.ts";
import { KubeletServer } from "../kubelet/server/kubelet-server.ts";
import { HostIptables } from "../proxy/iptables.ts";
import { Proxier } from "../proxy/proxier.ts";
import { realClock } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";

export interface NodeAgentInput {
  client: ApiClient;
  options: KubeletOptions;
  /** The kubelet API's serving certificate and the cluster CA its callers' certificates are checked against. */
  tls: { cert: string; key: string; ca: string };
  logger: Logger;
}

/**
 * Runs a node's kubelet (with its own containerd unless told otherwise), its HTTPS API, and its
 * service proxy.
 */
export function runNodeAgent(input: NodeAgentInput, signal: AbortSignal): Promise<void> {
  const logger = input.logger.with({ component: "kubelet", node: input.options.nodeName });
  const proxy = runProxy(input, signal);
  const kubelet = new Kubelet({
    client: input.client,
    clock: realClock,
    logger,
    options: input.options,
    serve: (k, s) =>
      new KubeletServer(k, {
        port: input.options.kubeletPort,
        bindAddress: "0.0.0.0",
        tls: input.tls,
        logger,
      }).run(s),
  });
  const kubeletDone = kubelet.run(signal).catch((e: unknown) => {
    logger.error("node agent stopped", { error: (e as Error).stack ?? String(e) });
  });
  return Promise.all([kubeletDone, proxy]).then(() => undefined);
}

function runProxy(input: NodeAgentInput, signal: AbortSignal): Promise<void> {
  const logger = input.logger.with({ component: "kube-proxy", node: input.options.nodeName });
  if (process.getuid?.() !== 0) {
    logger.warn(
      "not root: the service proxy's kernel rules need root; ClusterIP services do not route on this node",
    );
    return Promise.resolve();
  }
  return new Proxier({
    client: input.client,
    logger,
    nodeName: input.options.nodeName,
    clusterCidr: input.options.clusterCidr,
    iptables: new HostIptables(),
  })
    .run(signal)
    .catch((e: unknown) => {
      logger.error("service proxy stopped", { error: (e as Error).stack ?? String(e) });
    });
}
