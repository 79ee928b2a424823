import type { ApiClient } from "../client/interface.ts";
import { Kubelet, type KubeletOptions } from "../kubelet/kubelet.ts";
import { KubeletServer } from "../kubelet/server/kubelet-server.ts";
import { HostIptables } from "../proxy/iptables.ts";
import { hostConntrack } from "../proxy/conntrack.ts";
import { Proxier, serviceInformers } from "../proxy/proxier.ts";
import {
  ingressPorts,
  reservedPortList,
  UNAVAILABLE_PORTS_ANNOTATION,
} from "../kubelet/node/reserved-ports.ts";
import { UserspaceProxier } from "../proxy/userspace.ts";
import { LbAnnouncer } from "../proxy/lb-announcer.ts";
import { Informer } from "../client/informer.ts";
import { refFor } from "../controllers/refs.ts";
import { EventRecorder } from "../client/event-recorder.ts";
import { runNodeDns } from "../dns/node-dns.ts";
import { IngressNode } from "../ingress/ingress-node.ts";
import { realClock } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";
import type { RotatingTls } from "../util/rotating-tls.ts";

export interface NodeAgentInput {
  /** The kubelet's: the node's identity (system:node:NAME). */
  client: ApiClient;
  /** The service proxy's, cluster DNS's and Ingress controller's reads (system:kube-proxy). */
  networkClient: ApiClient;
  options: KubeletOptions;
  /** The kubelet API's serving certificate and the cluster CA its callers' certificates are checked against. */
  tls: RotatingTls;
  logger: Logger;
}

/**
 * Runs a node's kubelet (with its own containerd unless told otherwise), its HTTPS API, its
 * service proxy, its cluster DNS server and its Ingress controller.
 */
export function runNodeAgent(input: NodeAgentInput, signal: AbortSignal): Promise<void> {
  const logger = input.logger.with({ component: "kubelet", node: input.options.nodeName });
  const network = runNetwork(input, signal);
  const kubelet = new Kubelet({
    client: input.client,
    networkClient: input.networkClient,
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
  return Promise.all([kubeletDone, network]).then(() => undefined);
}

/** The service proxy, cluster DNS and the Ingress controller, reading one set of Service and EndpointSlice informers. */
function runNetwork(input: NodeAgentInput, signal: AbortSignal): Promise<unknown> {
  const node = input.options.nodeName;
  const logger = input.logger.with({ component: "kube-proxy", node });
  const root = process.getuid?.() === 0;
  const { http: httpPort, https: httpsPort } = ingressPorts(input.options, root);
  const mode = input.options.proxyMode ?? (root ? "iptables" : "userspace");
  const informers = serviceInformers(input.networkClient, logger);
  const nodes = new Informer({ client: input.networkClient, ref: refFor("", "nodes"), logger });
  for (const inf of [informers.services, informers.slices, nodes]) void inf.run(signal);
  // Without root no address can be added: pool addresses are announced by the nodes that are root.
  let userspace: UserspaceProxier | undefined;
  const announcer = root
    ? new LbAnnouncer({
        services: informers.services,
        nodes,
        logger,
        nodeName: node,
        nodeIP: input.options.nodeIP,
        onChange: () => userspace?.sync(),
      })
    : undefined;
  const announced = announcer
    ?.run(signal)
    .catch((e: unknown) =>
      logger.error("load balancer addresses not announced", { error: (e as Error).message }),
    );
  const ingressLogger = input.logger.with({ component: "ingress", node });
  const ingress = new IngressNode({
    client: input.networkClient,
    logger: ingressLogger,
    informers,
    nodeName: node,
    httpPort,
    httpsPort,
  })
    .run(signal)
    .catch((e: unknown) => {
      ingressLogger.error("ingress controller stopped", { error: (e as Error).stack ?? String(e) });
    });
  if (mode === "userspace") {
    logger.info(
      "service proxy in userspace mode: node ports and load-balancer ports are proxied on the host; cluster IPs and cluster DNS need the kernel mode (root)",
    );
    userspace = new UserspaceProxier({
      informers,
      logger,
      nodeName: node,
      localIPs: () => [input.options.nodeIP, ...(announcer?.holding() ?? [])],
      reservedPorts: new Set(reservedPortList({ http: httpPort, https: httpsPort })),
      publishUnavailable: (ports) => {
        void input.client
          .patch(
            refFor("", "nodes"),
            "",
            node,
            {
              metadata: {
                annotations: { [UNAVAILABLE_PORTS_ANNOTATION]: ports.length ? ports.join(",") : null },
              },
            },
            "merge",
          )
          .catch((e: unknown) =>
            logger.warn("cannot publish the node's unavailable ports", { error: (e as Error).message }),
          );
      },
      recorder: new EventRecorder({
        client: input.networkClient,
        component: "kube-proxy",
        clock: realClock,
        logger,
        host: node,
      }),
    });
    const proxied = userspace.run(signal).catch((e: unknown) => {
      logger.error("service proxy stopped", { error: (e as Error).stack ?? String(e) });
    });
    return Promise.all([proxied, ingress, announced]);
  }
  const proxy = new Proxier({
    informers,
    logger,
    nodeName: node,
    clusterCidr: input.options.clusterCidr,
    iptables: new HostIptables(),
    conntrack: hostConntrack(logger),
  })
    .run(signal)
    .catch((e: unknown) => {
      logger.error("service proxy stopped", { error: (e as Error).stack ?? String(e) });
    });
  const dnsLogger = input.logger.with({ component: "cluster-dns", node });
  const dns = runNodeDns(
    {
      client: input.client,
      logger: dnsLogger,
      informers,
      nodeName: node,
      address: input.options.nodeIP,
      domain: input.options.clusterDomain,
      resolvConf: input.options.resolvConf ?? "/etc/resolv.conf",
    },
    signal,
  ).catch((e: unknown) => {
    dnsLogger.error("cluster DNS stopped", { error: (e as Error).stack ?? String(e) });
  });
  return Promise.all([proxy, dns, ingress, announced]);
}
