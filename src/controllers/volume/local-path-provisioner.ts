// The built-in local-path provisioner, as k3s ships rancher.io/local-path: a claim of the
// `local-path` class becomes a folder on the node its first pod was scheduled to
// (ROOT/pvc-UID_NAMESPACE_NAME), published as a hostPath PersistentVolume pinned to that node.
// The node's kubelet makes the folder when it mounts it and removes it when the volume is deleted.
import { join } from "node:path";
import type { KObject } from "../../apimachinery/meta.ts";
import { StatusError } from "../../apimachinery/status-error.ts";
import type { EventRecorder } from "../../client/event-recorder.ts";
import { objectKey } from "../../client/informer.ts";
import type { ApiClient, SharedInformer } from "../../client/interface.ts";
import { runWorkers, WorkQueue } from "../../client/workqueue.ts";
import type { Logger } from "../../util/logger.ts";
import { quantityValue } from "../../api/validation/quantity.ts";
import { refFor } from "../refs.ts";
import {
  annDynamicallyProvisioned,
  annSelectedNode,
  annStorageProvisioner,
  classOf,
} from "./volume-match.ts";

export const LOCAL_PATH_PROVISIONER = "rancher.io/local-path";
export const LOCAL_PATH_CLASS = "local-path";
/** Held by a local-path volume until its node has removed the folder. */
export const LOCAL_PATH_CLEANUP_FINALIZER = "skiff.dev/local-path-cleanup";
const annLocalPathNode = "local.path.provisioner/selected-node";

type Obj = Record<string, any>;

const claimsRef = refFor("", "persistentvolumeclaims");
const volumesRef = refFor("", "persistentvolumes");
const classesRef = refFor("storage.k8s.io", "storageclasses");

export interface LocalPathProvisionerDeps {
  client: ApiClient;
  claims: SharedInformer;
  volumes: SharedInformer;
  classes: SharedInformer;
  nodes: SharedInformer;
  logger: Logger;
  recorder: EventRecorder;
  /** --default-local-storage-path: where the folders go on every node. */
  root: string;
}

const isNotFound = (e: unknown) => e instanceof StatusError && e.code === 404;

/** k3s's local-storage manifest: the default class, binding once a pod is scheduled. */
export const localPathStorageClass = {
  apiVersion: "storage.k8s.io/v1",
  kind: "StorageClass",
  metadata: {
    name: LOCAL_PATH_CLASS,
    annotations: { "storageclass.kubernetes.io/is-default-class": "true" },
  },
  provisioner: LOCAL_PATH_PROVISIONER,
  reclaimPolicy: "Delete",
  volumeBindingMode: "WaitForFirstConsumer",
};

export class LocalPathProvisioner {
  private readonly deps: LocalPathProvisionerDeps;
  private readonly claimQueue = new WorkQueue();
  private readonly volumeQueue = new WorkQueue();

  constructor(deps: LocalPathProvisionerDeps) {
    this.deps = deps;
    const claim = (c: KObject) => this.claimQueue.add(objectKey(c));
    deps.claims.on({ add: claim, update: claim });
    const volume = (v: KObject) => this.volumeQueue.add(objectKey(v));
    deps.volumes.on({ add: volume, update: volume });
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.deps.claims, this.deps.volumes, this.deps.classes].map((i) => i.waitForSync()));
    await this.ensureClass().catch((e: unknown) =>
      this.deps.logger.warn("local-path storage class not created", { error: (e as Error).message }),
    );
    const warn = (what: string) => (key: string, err: unknown) =>
      this.deps.logger.warn(`local-path ${what} failed`, { key, error: (err as Error).message });
    await Promise.all([
      runWorkers(this.claimQueue, 2, (k) => this.provision(k), signal, warn("provisioning")),
      runWorkers(this.volumeQueue, 1, (k) => this.reclaim(k), signal, warn("deletion")),
    ]);
  }

  /** The class is made at start when missing, as k3s applies its local-storage manifest. */
  private async ensureClass(): Promise<void> {
    if (this.deps.classes.get(LOCAL_PATH_CLASS)) return;
    try {
      await this.deps.client.create(classesRef, "", localPathStorageClass);
    } catch (e) {
      if (!(e instanceof StatusError) || e.code !== 409) throw e;
    }
  }

  private event(claim: Obj, type: "Normal" | "Warning", reason: string, message: string): void {
    this.deps.recorder.event(
      { ...claim, apiVersion: "v1", kind: "PersistentVolumeClaim" } as KObject,
      type,
      reason,
      message,
    );
  }

  async provision(key: string): Promise<void> {
    const claim = this.deps.claims.get(key) as Obj | undefined;
    if (!claim || claim.metadata.deletionTimestamp) return;
    if (claim.spec?.volumeName) return this.expand(claim);
    if (claim.metadata.annotations?.[annStorageProvisioner] !== LOCAL_PATH_PROVISIONER) return;
    const sc = this.deps.classes.get(classOf(claim)) as Obj | undefined;
    if (sc?.provisioner !== LOCAL_PATH_PROVISIONER) return;
    const name = `pvc-${claim.metadata.uid}`;
    if (this.deps.volumes.get(name)) return;
    const node = claim.metadata.annotations?.[annSelectedNode];
    const who = `${claim.metadata.namespace}/${claim.metadata.name}`;
    if (!node) {
      this.event(
        claim,
        "Warning",
        "ProvisioningFailed",
        `failed to provision volume with StorageClass "${sc.metadata.name}": configuration error, no node was specified`,
      );
      return;
    }
    if (
      (claim.spec?.accessModes ?? []).some((m: string) => m !== "ReadWriteOnce" && m !== "ReadWriteOncePod")
    ) {
      this.event(
        claim,
        "Warning",
        "ProvisioningFailed",
        `failed to provision volume with StorageClass "${sc.metadata.name}": NodePath only supports ReadWriteOnce and ReadWriteOncePod (1.22+) access modes`,
      );
      return;
    }
    this.event(
      claim,
      "Normal",
      "Provisioning",
      `External provisioner is provisioning volume for claim "${who}"`,
    );
    const simulated = this.deps.nodes.get(node)?.metadata?.annotations?.["skiff.dev/simulated"] === "true";
    const path = join(this.deps.root, `${name}_${claim.metadata.namespace}_${claim.metadata.name}`);
    const pv = {
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: {
        name,
        annotations: { [annDynamicallyProvisioned]: LOCAL_PATH_PROVISIONER, [annLocalPathNode]: node },
        // A simulated node has no folders and no kubelet to remove them.
        ...(simulated ? {} : { finalizers: [LOCAL_PATH_CLEANUP_FINALIZER] }),
      },
      spec: {
        capacity: { storage: claim.spec?.resources?.requests?.storage },
        accessModes: claim.spec?.accessModes,
        persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? "Delete",
        storageClassName: sc.metadata.name,
        volumeMode: claim.spec?.volumeMode ?? "Filesystem",
        hostPath: { path, type: "DirectoryOrCreate" },
        nodeAffinity: {
          required: {
            nodeSelectorTerms: [
              { matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [node] }] },
            ],
          },
        },
        claimRef: {
          kind: "PersistentVolumeClaim",
          namespace: claim.metadata.namespace,
          name: claim.metadata.name,
          uid: claim.metadata.uid,
          apiVersion: "v1",
          resourceVersion: claim.metadata.resourceVersion,
        },
      },
    };
    try {
      await this.deps.client.create(volumesRef, "", pv);
    } catch (e) {
      if (e instanceof StatusError && e.code === 409) return;
      this.event(
        claim,
        "Warning",
        "ProvisioningFailed",
        `failed to provision volume with StorageClass "${sc.metadata.name}": ${(e as Error).message}`,
      );
      throw e;
    }
    this.event(claim, "Normal", "ProvisioningSucceeded", `Successfully provisioned volume ${name}`);
  }

  /** A Released volume of ours with the Delete policy goes; its node removes the folder first. */
  async reclaim(name: string): Promise<void> {
    const pv = this.deps.volumes.get(name) as Obj | undefined;
    if (!pv || pv.metadata.deletionTimestamp) return;
    if (pv.metadata.annotations?.[annDynamicallyProvisioned] !== LOCAL_PATH_PROVISIONER) return;
    if (pv.status?.phase !== "Released" || pv.spec?.persistentVolumeReclaimPolicy !== "Delete") return;
    try {
      await this.deps.client.delete(volumesRef, "", name);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  /** A bound claim grown (its class allows it): a folder has no size of its own, so the new size holds at once. */
  private async expand(claim: Obj): Promise<void> {
    const want = claim.spec?.resources?.requests?.storage;
    if (!want || quantityValue(want) <= quantityValue(claim.status?.capacity?.storage)) return;
    const pv = this.deps.volumes.get(claim.spec.volumeName) as Obj | undefined;
    if (pv?.metadata.annotations?.[annDynamicallyProvisioned] !== LOCAL_PATH_PROVISIONER) return;
    if (quantityValue(pv.spec?.capacity?.storage) < quantityValue(want))
      await this.deps.client.update(volumesRef, "", pv.metadata.name, {
        ...pv,
        spec: { ...pv.spec, capacity: { ...pv.spec.capacity, storage: want } },
      });
    await this.deps.client.update(
      claimsRef,
      claim.metadata.namespace,
      claim.metadata.name,
      { ...claim, status: { ...claim.status, capacity: { ...claim.status?.capacity, storage: want } } },
      "status",
    );
  }
}
