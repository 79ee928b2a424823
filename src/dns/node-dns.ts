// A node's part of cluster DNS: the server on the node's address, port 53, and the annotation on
// its Node that makes the control plane list it behind the kube-dns Service while the node is Ready.
import type { ApiClient } from "../client/interface.ts";
import type { Informer } from "../client/informer.ts";
import type { ResourceRef } from "../client/rest-client.ts";
import { DNS_ADDRESS_ANNOTATION } from "../controllers/kubedns/kube-dns-controller.ts";
import type { Logger } from "../util/logger.ts";
import { ClusterZone } from "./cluster-zone.ts";
import { DnsServer, nameservers } from "./dns-server.ts";

const nodesRef: ResourceRef = { group: "", version: "v1", resource: "nodes", namespaced: false };

export interface NodeDnsDeps {
  client: ApiClient;
  logger: Logger;
  informers: { services: Informer; slices: Informer };
  nodeName: string;
  address: string;
  port?: number;
  domain: string;
  resolvConf: string;
}

export async function runNodeDns(deps: NodeDnsDeps, signal: AbortSignal): Promise<void> {
  const { services, slices } = deps.informers;
  const zone = new ClusterZone(
    {
      service: (ns, name) => services.get(`${ns}/${name}`),
      services: () => services.list(),
      slices: (ns, name) => slices.byIndex("service", `${ns}/${name}`),
    },
    deps.domain,
  );
  const server = new DnsServer({ zone, logger: deps.logger, upstreams: () => nameservers(deps.resolvConf) });
  await Promise.all([services.waitForSync(), slices.waitForSync()]);
  if (signal.aborted) return;
  try {
    await server.listen(deps.address, deps.port ?? 53);
  } catch (e) {
    deps.logger.error("cluster DNS cannot listen; pods on other nodes answer for this one", {
      address: `${deps.address}:${deps.port ?? 53}`,
      error: (e as Error).message,
    });
    return;
  }
  deps.logger.info("cluster DNS listening", { address: deps.address, port: deps.port ?? 53 });
  const annotate = (value: string | null) =>
    deps.client.patch(nodesRef, "", deps.nodeName, {
      metadata: { annotations: { [DNS_ADDRESS_ANNOTATION]: value } },
    });
  // The Node may not be registered yet: try until it is.
  while (!signal.aborted) {
    try {
      await annotate(deps.address);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
  server.close();
  await annotate(null).catch(() => undefined);
}
