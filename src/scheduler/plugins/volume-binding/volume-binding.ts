// The VolumeBinding plugin (pkg/scheduler/framework/plugins/volumebinding): a pod's claims must
// exist; bound ones pin it to the nodes their volumes allow; unbound ones of an Immediate class
// keep it waiting; WaitForFirstConsumer ones are bound (or provisioned) for the chosen node
// before the pod is bound to it.
import type { KObject } from "../../../apimachinery/meta.ts";
import type { ApiClient, SharedInformer } from "../../../client/interface.ts";
import type { Clock } from "../../../util/clock.ts";
import { refFor } from "../../../controllers/refs.ts";
import {
  annSelectedNode,
  classOf,
  findMatchingVolume,
  volumeNodeMatches,
} from "../../../controllers/volume/volume-match.ts";
import { podClaims } from "../../../controllers/volume/volume-protection.ts";
import type { NodeInfo } from "../../node-info.ts";
import type { PodInfo } from "../../pod-info.ts";
import { status, type CycleState, type FilterPlugin, type Status } from "../../types.ts";

export const volumeBindingName = "VolumeBinding";
const stateKey = "VolumeBinding";
const claimsRef = refFor("", "persistentvolumeclaims");
const volumesRef = refFor("", "persistentvolumes");

type Obj = Record<string, any>;

interface PodVolumes {
  bound: Obj[];
  delayed: Obj[];
  failure?: Status;
}

export interface VolumeBindingDeps {
  claims: SharedInformer;
  volumes: SharedInformer;
  classes: SharedInformer;
}

export class VolumeBinding implements FilterPlugin {
  readonly name = volumeBindingName;
  private readonly deps: VolumeBindingDeps;

  constructor(deps: VolumeBindingDeps) {
    this.deps = deps;
  }

  preFilter(state: CycleState, pod: PodInfo): Status | undefined {
    const claims = podClaims(pod.pod);
    if (!claims.length) return undefined;
    const pv: PodVolumes = { bound: [], delayed: [] };
    const fail = (code: "Unschedulable" | "UnschedulableAndUnresolvable", reason: string) =>
      (pv.failure = status(code, this.name, reason));
    for (const { name, ephemeral } of claims) {
      const claim = this.deps.claims.get(`${pod.namespace}/${name}`) as Obj | undefined;
      if (!claim) {
        fail(
          "UnschedulableAndUnresolvable",
          ephemeral
            ? `waiting for ephemeral volume controller to create the persistentvolumeclaim "${name}"`
            : `persistentvolumeclaim "${name}" not found`,
        );
        break;
      }
      if (claim.metadata?.deletionTimestamp) {
        fail("UnschedulableAndUnresolvable", `persistentvolumeclaim "${name}" is being deleted`);
        break;
      }
      if (claim.spec?.volumeName) {
        pv.bound.push(claim);
        continue;
      }
      const cls = this.deps.classes.get(classOf(claim)) as Obj | undefined;
      if (cls?.volumeBindingMode === "WaitForFirstConsumer") pv.delayed.push(claim);
      else {
        fail("UnschedulableAndUnresolvable", "pod has unbound immediate PersistentVolumeClaims");
        break;
      }
    }
    state.set(stateKey, pv);
    return pv.failure;
  }

  filter(state: CycleState, _pod: PodInfo, node: NodeInfo): Status | null {
    const pv = state.get(stateKey) as PodVolumes | undefined;
    if (!pv) return null;
    if (pv.failure) return pv.failure;
    const nodeObj = node.node as KObject;
    for (const claim of pv.bound) {
      const volume = this.deps.volumes.get(claim.spec.volumeName) as Obj | undefined;
      if (!volume)
        return status("UnschedulableAndUnresolvable", this.name, `pv "${claim.spec.volumeName}" not found`);
      if (!volumeNodeMatches(volume, nodeObj))
        return status("UnschedulableAndUnresolvable", this.name, "node(s) had volume node affinity conflict");
    }
    for (const claim of pv.delayed) {
      if (findMatchingVolume(claim, this.deps.volumes.list() as Obj[], nodeObj)) continue;
      const cls = this.deps.classes.get(classOf(claim)) as Obj | undefined;
      if (cls?.provisioner && cls.provisioner !== "kubernetes.io/no-provisioner") continue;
      return status(
        "UnschedulableAndUnresolvable",
        this.name,
        "node(s) didn't find available persistent volumes to bind",
      );
    }
    return null;
  }

  /**
   * PreBind: each delayed claim gets a matching volume on the node (its claimRef set), or the node
   * it is to be provisioned on; then the pod waits until every claim is bound.
   */
  async preBind(
    client: ApiClient,
    pod: PodInfo,
    node: KObject,
    clock: Pick<Clock, "now" | "setTimeout">,
    timeoutMs = 600_000,
  ): Promise<void> {
    const claims = podClaims(pod.pod)
      .map((c) => this.deps.claims.get(`${pod.namespace}/${c.name}`) as Obj | undefined)
      .filter((c): c is Obj => Boolean(c) && !c!.spec?.volumeName);
    if (!claims.length) return;
    for (const claim of claims) {
      const match = findMatchingVolume(claim, this.deps.volumes.list() as Obj[], node);
      if (match && !match.spec?.claimRef) {
        await client.update(volumesRef, "", match.metadata.name, {
          ...match,
          metadata: {
            ...match.metadata,
            annotations: { ...match.metadata.annotations, "pv.kubernetes.io/bound-by-controller": "yes" },
          },
          spec: {
            ...match.spec,
            claimRef: {
              kind: "PersistentVolumeClaim",
              namespace: claim.metadata.namespace,
              name: claim.metadata.name,
              uid: claim.metadata.uid,
              apiVersion: "v1",
              resourceVersion: claim.metadata.resourceVersion,
            },
          },
        });
      } else if (!match && claim.metadata.annotations?.[annSelectedNode] !== node.metadata?.name) {
        await client.update(claimsRef, claim.metadata.namespace, claim.metadata.name, {
          ...claim,
          metadata: {
            ...claim.metadata,
            annotations: { ...claim.metadata.annotations, [annSelectedNode]: node.metadata?.name },
          },
        });
      }
    }
    const deadline = clock.now().getTime() + timeoutMs;
    for (;;) {
      const waiting = claims.filter((c) => {
        const now = this.deps.claims.get(`${c.metadata.namespace}/${c.metadata.name}`) as Obj | undefined;
        return !now?.spec?.volumeName || now.status?.phase !== "Bound";
      });
      if (!waiting.length) return;
      if (clock.now().getTime() > deadline) throw new Error("binding volumes: context deadline exceeded");
      await new Promise<void>((r) => clock.setTimeout(r, 50));
    }
  }
}
