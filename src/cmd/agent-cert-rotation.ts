// An agent renews its node's certificates before they expire, as upstream's kubelet rotates its
// client certificate: new keys, signed by the server for the join token's holder, written to the
// agent dir (mode 0600) and handed to the running clients and the kubelet API.
import { dueForRenewal } from "../apiserver/pki/index.ts";
import type { Logger } from "../util/logger.ts";
import { certLifetimeMs, requestNodeCerts, type JoinInput, type NodeIdentity } from "./agent-join.ts";
import { rotationCheckMs } from "./cert-rotation.ts";

export interface AgentCertRotationDeps {
  join: JoinInput;
  identity: NodeIdentity;
  apply(next: NodeIdentity): void;
  logger: Logger;
}

export async function runAgentCertRotation(deps: AgentCertRotationDeps, signal: AbortSignal): Promise<void> {
  let current = deps.identity;
  while (!signal.aborted) {
    const lifetime = certLifetimeMs(current.clientCert);
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, rotationCheckMs(lifetime));
      signal.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
    });
    if (signal.aborted) return;
    if (!dueForRenewal(current.clientCert, new Date(), lifetime)) continue;
    try {
      current = await requestNodeCerts(deps.join, current.ca);
      deps.apply(current);
      deps.logger.info("node certificates rotated", { node: deps.join.nodeName });
    } catch (e) {
      deps.logger.warn("node certificates not rotated; retrying", { error: (e as Error).message });
    }
  }
}
