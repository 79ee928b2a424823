// The pvc-protection and pv-protection controllers (pkg/controller/volume/pvcprotection and
// pvprotection): a claim being deleted stays while a pod still uses it, a volume while it is Bound.
import type { KObject } from "../../apimachinery/meta.ts";
import { StatusError } from "../../apimachinery/status-error.ts";
import { objectKey } from "../../client/informer.ts";
import type { ApiClient, SharedInformer } from "../../client/interface.ts";
import { runWorkers, WorkQueue } from "../../client/workqueue.ts";
import type { Logger } from "../../util/logger.ts";
import { PV_PROTECTION_FINALIZER, PVC_PROTECTION_FINALIZER } from "../../apiserver/admission-storage.ts";
import { refFor } from "../refs.ts";
import { namespaceIndex, namespaceIndexer } from "../util/index.ts";

type Obj = Record<string, any>;

const claimsRef = refFor("", "persistentvolumeclaims");
const volumesRef = refFor("", "persistentvolumes");

/** The claims a pod mounts; an ephemeral volume's claim is POD-VOLUME. */
export function podClaims(pod: Obj): Array<{ name: string; ephemeral: boolean }> {
  return ((pod.spec?.volumes ?? []) as Obj[]).flatMap((v): Array<{ name: string; ephemeral: boolean }> =>
    v.persistentVolumeClaim?.claimName
      ? [{ name: String(v.persistentVolumeClaim.claimName), ephemeral: false }]
      : v.ephemeral
        ? [{ name: `${pod.metadata?.name}-${v.name}`, ephemeral: true }]
        : [],
  );
}

export const podClaimNames = (pod: Obj): string[] => podClaims(pod).map((c) => c.name);

const terminated = (pod: Obj) => pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed";

export interface VolumeProtectionDeps {
  client: ApiClient;
  claims: SharedInformer;
  volumes: SharedInformer;
  pods: SharedInformer;
  logger: Logger;
}

export class VolumeProtectionController {
  private readonly deps: VolumeProtectionDeps;
  private readonly claimQueue = new WorkQueue();
  private readonly volumeQueue = new WorkQueue();

  constructor(deps: VolumeProtectionDeps) {
    this.deps = deps;
    deps.pods.addIndexer(namespaceIndex, namespaceIndexer);
    const claim = (c: KObject) => {
      if (c.metadata?.deletionTimestamp) this.claimQueue.add(objectKey(c));
    };
    deps.claims.on({ add: claim, update: claim });
    const volume = (v: KObject) => {
      if (v.metadata?.deletionTimestamp) this.volumeQueue.add(objectKey(v));
    };
    deps.volumes.on({ add: volume, update: volume });
    const pod = (p: KObject) => {
      for (const name of podClaimNames(p as Obj)) this.claimQueue.add(`${p.metadata?.namespace}/${name}`);
    };
    deps.pods.on({ update: (p) => terminated(p as Obj) && pod(p), delete: pod });
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.deps.claims, this.deps.volumes, this.deps.pods].map((i) => i.waitForSync()));
    const warn = (key: string, err: unknown) =>
      this.deps.logger.warn("volume protection failed", { key, error: (err as Error).message });
    await Promise.all([
      runWorkers(this.claimQueue, 1, (k) => this.syncClaim(k), signal, warn),
      runWorkers(this.volumeQueue, 1, (k) => this.syncVolume(k), signal, warn),
    ]);
  }

  private async removeFinalizer(ref: typeof claimsRef, obj: Obj, finalizer: string): Promise<void> {
    const finalizers = (obj.metadata.finalizers ?? []).filter((f: string) => f !== finalizer);
    try {
      await this.deps.client.update(ref, obj.metadata.namespace ?? "", obj.metadata.name, {
        ...obj,
        metadata: { ...obj.metadata, finalizers },
      });
    } catch (e) {
      if (!(e instanceof StatusError) || (e.code !== 404 && e.code !== 409)) throw e;
    }
  }

  async syncClaim(key: string): Promise<void> {
    const claim = this.deps.claims.get(key) as Obj | undefined;
    if (!claim?.metadata.deletionTimestamp || !claim.metadata.finalizers?.includes(PVC_PROTECTION_FINALIZER))
      return;
    const inUse = this.deps.pods
      .byIndex(namespaceIndex, claim.metadata.namespace)
      .some((p) => !terminated(p as Obj) && podClaimNames(p as Obj).includes(claim.metadata.name));
    if (!inUse) await this.removeFinalizer(claimsRef, claim, PVC_PROTECTION_FINALIZER);
  }

  async syncVolume(name: string): Promise<void> {
    const pv = this.deps.volumes.get(name) as Obj | undefined;
    if (!pv?.metadata.deletionTimestamp || !pv.metadata.finalizers?.includes(PV_PROTECTION_FINALIZER)) return;
    if (pv.status?.phase !== "Bound") await this.removeFinalizer(volumesRef, pv, PV_PROTECTION_FINALIZER);
  }
}
