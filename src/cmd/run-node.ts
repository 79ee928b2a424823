import type { ApiClient } from "../client/interface.ts";
import { Kubelet, type KubeletOptions } from "../kubelet/kubelet.ts";
import { KubeletServer } from "../kubelet/server/kubelet-server.ts";
import { realClock } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";

export interface NodeAgentInput {
  client: ApiClient;
  options: KubeletOptions;
  /** The kubelet API's serving certificate and the cluster CA its callers' certificates are checked against. */
  tls: { cert: string; key: string; ca: string };
  logger: Logger;
}

/** Runs a node's kubelet (with its own containerd unless told otherwise) and its HTTPS API. */
export function runNodeAgent(input: NodeAgentInput, signal: AbortSignal): Promise<void> {
  const logger = input.logger.with({ component: "kubelet", node: input.options.nodeName });
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
  return kubelet.run(signal).catch((e: unknown) => {
    logger.error("node agent stopped", { error: (e as Error).stack ?? String(e) });
  });
}
