// The ephemeral volume controller (pkg/controller/volume/ephemeral): each `ephemeral` volume of a
// pod gets its claim, POD-VOLUME, made from the volume's template and owned by the pod, so that it
// goes with the pod.
import type { KObject } from "../../apimachinery/meta.ts";
import { StatusError } from "../../apimachinery/status-error.ts";
import type { EventRecorder } from "../../client/event-recorder.ts";
import { objectKey } from "../../client/informer.ts";
import type { ApiClient, SharedInformer } from "../../client/interface.ts";
import { runWorkers, WorkQueue } from "../../client/workqueue.ts";
import type { Logger } from "../../util/logger.ts";
import { refFor } from "../refs.ts";

type Obj = Record<string, any>;
const claimsRef = refFor("", "persistentvolumeclaims");

export interface EphemeralControllerDeps {
  client: ApiClient;
  pods: SharedInformer;
  claims: SharedInformer;
  logger: Logger;
  recorder: EventRecorder;
}

export class EphemeralVolumeController {
  private readonly deps: EphemeralControllerDeps;
  private readonly queue = new WorkQueue();

  constructor(deps: EphemeralControllerDeps) {
    this.deps = deps;
    const pod = (p: KObject) => {
      if ((p as Obj).spec?.volumes?.some((v: Obj) => v.ephemeral)) this.queue.add(objectKey(p));
    };
    deps.pods.on({ add: pod, update: pod });
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.deps.pods.waitForSync(), this.deps.claims.waitForSync()]);
    await runWorkers(
      this.queue,
      1,
      (k) => this.sync(k),
      signal,
      (key, err) =>
        this.deps.logger.warn("ephemeral volume sync failed", { pod: key, error: (err as Error).message }),
    );
  }

  async sync(key: string): Promise<void> {
    const pod = this.deps.pods.get(key) as Obj | undefined;
    if (!pod || pod.metadata.deletionTimestamp) return;
    for (const v of (pod.spec?.volumes ?? []) as Obj[]) {
      if (!v.ephemeral) continue;
      const name = `${pod.metadata.name}-${v.name}`;
      const existing = this.deps.claims.get(`${pod.metadata.namespace}/${name}`) as Obj | undefined;
      if (existing) {
        if (!existing.metadata.ownerReferences?.some((o: Obj) => o.uid === pod.metadata.uid))
          this.deps.recorder.event(
            { ...pod, apiVersion: "v1", kind: "Pod" } as KObject,
            "Warning",
            "FailedBinding",
            `PVC ${pod.metadata.namespace}/${name} was not created for pod ${pod.metadata.namespace}/${pod.metadata.name} (pod is not owner)`,
          );
        continue;
      }
      const template = v.ephemeral.volumeClaimTemplate ?? {};
      const claim = {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: {
          ...structuredClone(template.metadata ?? {}),
          name,
          namespace: pod.metadata.namespace,
          ownerReferences: [
            {
              apiVersion: "v1",
              kind: "Pod",
              name: pod.metadata.name,
              uid: pod.metadata.uid,
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        },
        spec: structuredClone(template.spec ?? {}),
      };
      try {
        await this.deps.client.create(claimsRef, pod.metadata.namespace, claim);
      } catch (e) {
        if (e instanceof StatusError && e.code === 409) continue;
        this.deps.recorder.event(
          { ...pod, apiVersion: "v1", kind: "Pod" } as KObject,
          "Warning",
          "FailedCreate",
          (e as Error).message,
        );
        throw e;
      }
    }
  }
}
