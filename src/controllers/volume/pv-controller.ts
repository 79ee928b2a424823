// The PersistentVolume controller's binder (pkg/controller/volume/persistentvolume/pv_controller.go):
// claims are bound to matching volumes, claims a class provisions are handed to its provisioner,
// volumes whose claim is gone are Released and then kept, or deleted by their provisioner.
import type { KObject } from "../../apimachinery/meta.ts";
import { StatusError } from "../../apimachinery/status-error.ts";
import type { EventRecorder } from "../../client/event-recorder.ts";
import { objectKey } from "../../client/informer.ts";
import type { ApiClient, SharedInformer } from "../../client/interface.ts";
import { runWorkers, WorkQueue } from "../../client/workqueue.ts";
import type { Logger } from "../../util/logger.ts";
import { refFor } from "../refs.ts";
import {
  annBetaStorageProvisioner,
  annBindCompleted,
  annBoundByController,
  annDynamicallyProvisioned,
  annSelectedNode,
  annStorageProvisioner,
  claimRefMatches,
  classOf,
  findMatchingVolume,
} from "./volume-match.ts";

type Obj = Record<string, any>;

const claimsRef = refFor("", "persistentvolumeclaims");
const volumesRef = refFor("", "persistentvolumes");

export interface PersistentVolumeControllerDeps {
  client: ApiClient;
  claims: SharedInformer;
  volumes: SharedInformer;
  classes: SharedInformer;
  logger: Logger;
  recorder: EventRecorder;
  /** Provisioners that delete their own volumes (local-path); the binder leaves those to them. */
  externalDeleters?: string[];
}

const isNotFound = (e: unknown) => e instanceof StatusError && e.code === 404;
const isConflict = (e: unknown) => e instanceof StatusError && e.code === 409;

export class PersistentVolumeController {
  private readonly deps: PersistentVolumeControllerDeps;
  private readonly claimQueue = new WorkQueue();
  private readonly volumeQueue = new WorkQueue();
  /** The last event recorded per claim, so a waiting claim is not reported at every resync. */
  private readonly lastEvent = new Map<string, string>();

  constructor(deps: PersistentVolumeControllerDeps) {
    this.deps = deps;
    const claim = (c: KObject) => this.claimQueue.add(objectKey(c));
    const volume = (v: KObject) => this.volumeQueue.add(objectKey(v));
    deps.claims.on({
      add: claim,
      update: claim,
      delete: (c) => {
        this.lastEvent.delete(objectKey(c));
        // Its volume is released.
        const name = (c as Obj).spec?.volumeName;
        if (name) this.volumeQueue.add(name);
        for (const v of deps.volumes.list()) if (claimRefMatches(v, c as Obj)) volume(v);
      },
    });
    deps.volumes.on({
      add: (v) => {
        volume(v);
        this.requeueWaitingClaims();
      },
      update: (v) => {
        volume(v);
        const ref = (v as Obj).spec?.claimRef;
        if (ref) this.claimQueue.add(`${ref.namespace}/${ref.name}`);
        else this.requeueWaitingClaims();
      },
      delete: (v) => {
        const ref = (v as Obj).spec?.claimRef;
        if (ref) this.claimQueue.add(`${ref.namespace}/${ref.name}`);
      },
    });
    deps.classes.on({ add: () => this.requeueWaitingClaims() });
  }

  private requeueWaitingClaims(): void {
    for (const c of this.deps.claims.list())
      if (!(c as Obj).spec?.volumeName) this.claimQueue.add(objectKey(c));
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.deps.claims, this.deps.volumes, this.deps.classes].map((i) => i.waitForSync()));
    const warn = (what: string) => (key: string, err: unknown) =>
      this.deps.logger.warn(`${what} sync failed`, { key, error: (err as Error).message });
    await Promise.all([
      runWorkers(this.claimQueue, 2, (k) => this.syncClaim(k), signal, warn("claim")),
      runWorkers(this.volumeQueue, 2, (k) => this.syncVolume(k), signal, warn("volume")),
    ]);
  }

  private event(claim: Obj, type: "Normal" | "Warning", reason: string, message: string): void {
    const key = objectKey(claim as KObject);
    const said = `${reason}\n${message}`;
    if (this.lastEvent.get(key) === said) return;
    this.lastEvent.set(key, said);
    this.deps.recorder.event(
      { ...claim, apiVersion: "v1", kind: "PersistentVolumeClaim" } as KObject,
      type,
      reason,
      message,
    );
  }

  async syncClaim(key: string): Promise<void> {
    const cached = this.deps.claims.get(key) as Obj | undefined;
    if (!cached || cached.metadata.deletionTimestamp) return;
    const claim = structuredClone(cached);
    if (claim.spec?.volumeName) return this.syncBoundClaim(claim);
    const cls = classOf(claim);
    const sc = cls ? (this.deps.classes.get(cls) as Obj | undefined) : undefined;
    const selectedNode = claim.metadata.annotations?.[annSelectedNode];
    const waitForConsumer = sc?.volumeBindingMode === "WaitForFirstConsumer";
    // A delayed-binding claim is bound by the scheduler once a pod using it has a node.
    const volume =
      waitForConsumer && !selectedNode
        ? undefined
        : findMatchingVolume(claim, this.deps.volumes.list() as Obj[]);
    if (volume) return this.bind(volume, claim);
    if (waitForConsumer && !selectedNode) {
      this.event(
        claim,
        "Normal",
        "WaitForFirstConsumer",
        "waiting for first consumer to be created before binding",
      );
      return;
    }
    if (sc?.provisioner) {
      await this.handOver(claim, sc.provisioner);
      return;
    }
    if (cls && !sc) {
      this.event(claim, "Warning", "ProvisioningFailed", `storageclass.storage.k8s.io "${cls}" not found`);
      return;
    }
    this.event(
      claim,
      "Normal",
      "FailedBinding",
      "no persistent volumes available for this claim and no storage class is set",
    );
  }

  /** provisionClaim for an external provisioner: name it on the claim and wait for its volume. */
  private async handOver(claim: Obj, provisioner: string): Promise<void> {
    const ann = claim.metadata.annotations ?? {};
    if (ann[annStorageProvisioner] !== provisioner || ann[annBetaStorageProvisioner] !== provisioner) {
      claim.metadata.annotations = {
        ...ann,
        [annStorageProvisioner]: provisioner,
        [annBetaStorageProvisioner]: provisioner,
      };
      try {
        await this.deps.client.update(claimsRef, claim.metadata.namespace, claim.metadata.name, claim);
      } catch (e) {
        if (isConflict(e) || isNotFound(e)) return;
        throw e;
      }
    }
    this.event(
      claim,
      "Normal",
      "ExternalProvisioning",
      `Waiting for a volume to be created either by the external provisioner '${provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`,
    );
  }

  private async syncBoundClaim(claim: Obj): Promise<void> {
    const pv = this.deps.volumes.get(claim.spec.volumeName) as Obj | undefined;
    if (!pv) {
      if (claim.status?.phase === "Bound") {
        await this.setClaimPhase(claim, "Lost");
        this.event(
          claim,
          "Warning",
          "ClaimLost",
          "Bound claim has lost its PersistentVolume. Data on the volume is lost!",
        );
      }
      return;
    }
    if (!pv.spec?.claimRef) return this.bind(pv, claim);
    if (!claimRefMatches(pv, claim)) {
      if (claim.status?.phase === "Bound") {
        await this.setClaimPhase(claim, "Lost");
        this.event(
          claim,
          "Warning",
          "ClaimMisbound",
          "Two claims are bound to the same volume, this one is bound incorrectly",
        );
      }
      return;
    }
    await this.bind(pv, claim);
  }

  /** bind: the volume's claimRef, its Bound phase, then the claim's volumeName and Bound status. */
  private async bind(volume: Obj, claim: Obj): Promise<void> {
    let pv = structuredClone(volume);
    const ref = pv.spec?.claimRef;
    if (!ref || ref.uid !== claim.metadata.uid) {
      pv.spec.claimRef = {
        kind: "PersistentVolumeClaim",
        namespace: claim.metadata.namespace,
        name: claim.metadata.name,
        uid: claim.metadata.uid,
        apiVersion: "v1",
        resourceVersion: claim.metadata.resourceVersion,
      };
      if (!ref) pv.metadata.annotations = { ...pv.metadata.annotations, [annBoundByController]: "yes" };
      try {
        pv = await this.deps.client.update(volumesRef, "", pv.metadata.name, pv);
      } catch (e) {
        if (isConflict(e) || isNotFound(e)) return;
        throw e;
      }
    }
    if (pv.status?.phase !== "Bound") {
      try {
        pv = await this.deps.client.update(
          volumesRef,
          "",
          pv.metadata.name,
          { ...pv, status: { ...pv.status, phase: "Bound" } },
          "status",
        );
      } catch (e) {
        if (isConflict(e) || isNotFound(e)) return;
        throw e;
      }
    }
    let c = claim;
    const ann = c.metadata.annotations ?? {};
    if (c.spec.volumeName !== pv.metadata.name || ann[annBindCompleted] !== "yes") {
      c = structuredClone(c);
      const bySelf = !c.spec.volumeName;
      c.spec.volumeName = pv.metadata.name;
      c.metadata.annotations = {
        ...ann,
        [annBindCompleted]: "yes",
        ...(bySelf ? { [annBoundByController]: "yes" } : {}),
      };
      try {
        c = await this.deps.client.update(claimsRef, c.metadata.namespace, c.metadata.name, c);
      } catch (e) {
        if (isConflict(e) || isNotFound(e)) return;
        throw e;
      }
    }
    const status = {
      ...c.status,
      phase: "Bound",
      accessModes: pv.spec.accessModes,
      capacity: pv.spec.capacity,
    };
    if (JSON.stringify(status) === JSON.stringify(c.status)) return;
    try {
      await this.deps.client.update(
        claimsRef,
        c.metadata.namespace,
        c.metadata.name,
        { ...c, status },
        "status",
      );
    } catch (e) {
      if (isConflict(e) || isNotFound(e)) return;
      throw e;
    }
  }

  private async setClaimPhase(claim: Obj, phase: string): Promise<void> {
    try {
      await this.deps.client.update(
        claimsRef,
        claim.metadata.namespace,
        claim.metadata.name,
        { ...claim, status: { ...claim.status, phase } },
        "status",
      );
    } catch (e) {
      if (!isConflict(e) && !isNotFound(e)) throw e;
    }
  }

  private async setVolumePhase(pv: Obj, phase: string, message?: string, reason?: string): Promise<void> {
    const status: Obj = { ...pv.status, phase };
    if (message) status.message = message;
    else delete status.message;
    if (reason) status.reason = reason;
    else delete status.reason;
    if (JSON.stringify(status) === JSON.stringify(pv.status)) return;
    try {
      await this.deps.client.update(volumesRef, "", pv.metadata.name, { ...pv, status }, "status");
    } catch (e) {
      if (!isConflict(e) && !isNotFound(e)) throw e;
    }
  }

  async syncVolume(name: string): Promise<void> {
    const cached = this.deps.volumes.get(name) as Obj | undefined;
    if (!cached || cached.metadata.deletionTimestamp) return;
    const pv = structuredClone(cached);
    const ref = pv.spec?.claimRef;
    if (!ref) {
      if (pv.status?.phase !== "Available" && pv.status?.phase !== "Failed")
        await this.setVolumePhase(pv, "Available");
      return;
    }
    // Pre-bound by a user (no uid yet): the claim's sync binds it.
    if (!ref.uid) {
      if (pv.status?.phase !== "Available") await this.setVolumePhase(pv, "Available");
      return;
    }
    const claim = this.deps.claims.get(`${ref.namespace}/${ref.name}`) as Obj | undefined;
    if (claim && claim.metadata.uid === ref.uid) {
      if (claim.spec?.volumeName === pv.metadata.name && pv.status?.phase !== "Bound")
        await this.setVolumePhase(pv, "Bound");
      return;
    }
    if (claim && claim.metadata.uid !== ref.uid) {
      // The cache may be behind: ask the API before releasing.
      try {
        const fresh = (await this.deps.client.get(claimsRef, ref.namespace, ref.name)) as Obj;
        if (fresh.metadata.uid === ref.uid) return;
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    if (pv.status?.phase !== "Released" && pv.status?.phase !== "Failed")
      await this.setVolumePhase(pv, "Released");
    await this.reclaim(pv);
  }

  /** reclaimVolume: Retain keeps it Released; Delete removes it (its provisioner does, for theirs). */
  private async reclaim(pv: Obj): Promise<void> {
    const policy = pv.spec?.persistentVolumeReclaimPolicy ?? "Retain";
    if (policy === "Retain") return;
    const provisioner = pv.metadata.annotations?.[annDynamicallyProvisioned];
    if (policy === "Delete" && provisioner && this.deps.externalDeleters?.includes(provisioner)) return;
    if (policy === "Delete") {
      await this.setVolumePhase(
        pv,
        "Failed",
        `error getting deleter volume plugin for volume "${pv.metadata.name}": no deletable volume plugin matched`,
        "VolumeFailedDelete",
      );
      return;
    }
    await this.setVolumePhase(
      pv,
      "Failed",
      "Recycle is not supported by this cluster",
      "VolumeFailedRecycle",
    );
  }
}
