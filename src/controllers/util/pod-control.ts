import type { KObject, OwnerReference } from "../../apimachinery/meta.ts";
import { StatusError } from "../../apimachinery/status-error.ts";
import type { EventRecorder } from "../../client/event-recorder.ts";
import type { ApiClient } from "../../client/interface.ts";
import { refFor } from "../refs.ts";

// Event reasons from controller_utils.go.
export const FailedCreatePodReason = "FailedCreate";
export const SuccessfulCreatePodReason = "SuccessfulCreate";
export const FailedDeletePodReason = "FailedDelete";
export const SuccessfulDeletePodReason = "SuccessfulDelete";

const podsRef = refFor("", "pods");

interface PodTemplateSpec {
  metadata?: {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
  };
  spec?: unknown;
}

/** The owner's name and a dash, unless that would make an invalid name (getPodsPrefix). */
export function podNamePrefix(ownerName: string): string {
  const prefix = `${ownerName}-`;
  return prefix.length > 253 ? ownerName : prefix;
}

/** controller.GetPodFromTemplate: labels, annotations and finalizers of the template, its spec, and the owner. */
export function getPodFromTemplate(
  template: PodTemplateSpec,
  owner: KObject,
  controllerRef?: OwnerReference,
): KObject {
  const tm = template.metadata ?? {};
  const metadata: KObject["metadata"] = { generateName: podNamePrefix(owner.metadata!.name!) };
  if (tm.labels) metadata.labels = { ...tm.labels };
  if (tm.annotations) metadata.annotations = { ...tm.annotations };
  if (tm.finalizers) metadata.finalizers = [...tm.finalizers];
  if (controllerRef) metadata.ownerReferences = [{ ...controllerRef }];
  return { apiVersion: "v1", kind: "Pod", metadata, spec: structuredClone(template.spec ?? {}) };
}

/** The namespace is being torn down: later creates fail too, and upstream records no event. */
export function isNamespaceTerminating(e: unknown): boolean {
  if (!(e instanceof StatusError)) return false;
  if (e.details?.causes?.some((c) => c.reason === "NamespaceTerminating")) return true;
  return e.code === 403 && e.message.includes("because it is being terminated");
}

/**
 * controller.RealPodControl: creates and deletes pods for an owner, recording the same events
 * upstream does on the owner ("Created pod: kubia-abcde").
 */
export class PodControl {
  private readonly client: ApiClient;
  private readonly recorder: EventRecorder;

  constructor(deps: { client: ApiClient; recorder: EventRecorder }) {
    this.client = deps.client;
    this.recorder = deps.recorder;
  }

  /** `owner` must carry apiVersion and kind (events name it); the created pod is returned. */
  async createPods(
    namespace: string,
    template: PodTemplateSpec,
    owner: KObject,
    controllerRef?: OwnerReference,
  ): Promise<KObject> {
    const pod = getPodFromTemplate(template, owner, controllerRef);
    return this.createPod(namespace, pod, owner);
  }

  async createPod(namespace: string, pod: KObject, owner: KObject): Promise<KObject> {
    if (!Object.keys(pod.metadata?.labels ?? {}).length) throw new Error("unable to create pods, no labels");
    let created: KObject;
    try {
      created = await this.client.create(podsRef, namespace, pod);
    } catch (e) {
      if (!isNamespaceTerminating(e))
        this.recorder.event(
          owner,
          "Warning",
          FailedCreatePodReason,
          `Error creating: ${(e as Error).message}`,
        );
      throw e;
    }
    this.recorder.event(owner, "Normal", SuccessfulCreatePodReason, `Created pod: ${created.metadata?.name}`);
    return created;
  }

  /** A 404 is thrown as is (callers treat it as done) and records no event. */
  async deletePod(namespace: string, name: string, owner: KObject): Promise<void> {
    try {
      await this.client.delete(podsRef, namespace, name, {});
    } catch (e) {
      if (e instanceof StatusError && e.code === 404) throw e;
      this.recorder.event(owner, "Warning", FailedDeletePodReason, `Error deleting: ${(e as Error).message}`);
      throw new Error(`unable to delete pods: ${(e as Error).message}`, { cause: e });
    }
    this.recorder.event(owner, "Normal", SuccessfulDeletePodReason, `Deleted pod: ${name}`);
  }

  async patchPod(namespace: string, name: string, patch: unknown): Promise<KObject> {
    return this.client.patch(podsRef, namespace, name, patch, "strategic");
  }
}
