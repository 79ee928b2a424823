import type { KObject } from "../apimachinery/meta.ts";
import { StatusError } from "../apimachinery/status-error.ts";
import type { ApiClient } from "../client/interface.ts";
import type { ResourceRef } from "../client/rest-client.ts";
import { rfc3339Micro, type Clock } from "../util/clock.ts";

const leasesRef: ResourceRef = {
  group: "coordination.k8s.io",
  version: "v1",
  resource: "leases",
  namespaced: true,
};
export const nodeLeaseNamespace = "kube-node-lease";

/** A node's heartbeat Lease in kube-node-lease (pkg/kubelet/nodelease), owned by its Node. */
export class NodeLease {
  private readonly client: ApiClient;
  private readonly clock: Clock;
  private readonly durationSeconds: number;
  private lease?: KObject;
  renewals = 0;

  constructor(deps: { client: ApiClient; clock: Clock; leaseDurationSeconds: number }) {
    this.client = deps.client;
    this.clock = deps.clock;
    this.durationSeconds = deps.leaseDurationSeconds;
  }

  async renew(node: KObject): Promise<void> {
    const name = node.metadata!.name!;
    const spec = {
      holderIdentity: name,
      leaseDurationSeconds: this.durationSeconds,
      renewTime: rfc3339Micro(this.clock.now()),
    };
    if (!this.lease) {
      try {
        this.lease = await this.client.get(leasesRef, nodeLeaseNamespace, name);
      } catch (e) {
        if (!(e instanceof StatusError && e.code === 404)) throw e;
        this.lease = await this.client.create(leasesRef, nodeLeaseNamespace, {
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: {
            name,
            namespace: nodeLeaseNamespace,
            ownerReferences: [{ apiVersion: "v1", kind: "Node", name, uid: node.metadata!.uid }],
          },
          spec,
        });
        this.renewals++;
        return;
      }
    }
    try {
      this.lease = await this.client.update(leasesRef, nodeLeaseNamespace, name, {
        ...this.lease,
        spec: { ...(this.lease.spec as object), ...spec },
      });
      this.renewals++;
    } catch (e) {
      // Someone else wrote it (or it is gone): start from the API's copy next time.
      if (e instanceof StatusError && (e.code === 409 || e.code === 404)) this.lease = undefined;
      throw e;
    }
  }
}
