// StatefulPodControl (pkg/controller/statefulset/stateful_pod_control.go): creates, updates and
// deletes a set's pods and claims through the API, with upstream's events on the set.
import type { KObject } from "../../apimachinery/meta.ts";
import { StatusError } from "../../apimachinery/status-error.ts";
import type { EventRecorder } from "../../client/event-recorder.ts";
import type { ApiClient, SharedInformer } from "../../client/interface.ts";
import { refFor } from "../refs.ts";
import { newControllerRef } from "../util/index.ts";
import { isAlreadyExists, type PodActions } from "./stateful-set-control.ts";
import { claimsFor, getOrdinal, type Obj } from "./stateful-pod.ts";

const podsRef = refFor("", "pods");
const claimsRef = refFor("", "persistentvolumeclaims");

export class StatefulPodControl implements PodActions {
  private readonly client: ApiClient;
  private readonly claims: SharedInformer;
  private readonly recorder: EventRecorder;

  constructor(deps: { client: ApiClient; claims: SharedInformer; recorder: EventRecorder }) {
    this.client = deps.client;
    this.claims = deps.claims;
    this.recorder = deps.recorder;
  }

  private podEvent(set: Obj, verb: string, pod: Obj, err?: unknown): void {
    const who = `${verb} Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name}`;
    const reason = `${err ? "Failed" : "Successful"}${verb[0]!.toUpperCase()}${verb.slice(1)}`;
    if (err)
      this.recorder.event(
        set as KObject,
        "Warning",
        reason,
        `${who} failed error: ${(err as Error).message}`,
      );
    else this.recorder.event(set as KObject, "Normal", reason, `${who} successful`);
  }

  private claimEvent(set: Obj, claim: Obj, pod: Obj, err?: unknown): void {
    const who = `create Claim ${claim.metadata.name} Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name}`;
    if (err)
      this.recorder.event(
        set as KObject,
        "Warning",
        "FailedCreate",
        `${who} failed error: ${(err as Error).message}`,
      );
    else this.recorder.event(set as KObject, "Normal", "SuccessfulCreate", `${who} success`);
  }

  private cachedClaim(namespace: string, name: string): KObject | undefined {
    return this.claims.get(`${namespace}/${name}`);
  }

  /** createPersistentVolumeClaims: every claim the pod's ordinal should have that does not exist. */
  private async createClaims(set: Obj, pod: Obj): Promise<void> {
    const errors: unknown[] = [];
    for (const claim of claimsFor(set, getOrdinal(set, pod)).values()) {
      const existing = this.cachedClaim(set.metadata.namespace, claim.metadata.name);
      if (existing) {
        if (existing.metadata?.deletionTimestamp)
          errors.push(new Error(`pvc ${claim.metadata.name} is being deleted`));
        continue;
      }
      try {
        await this.client.create(claimsRef, set.metadata.namespace, withRetention(set, claim, false));
        this.claimEvent(set, claim, pod);
      } catch (e) {
        if (isAlreadyExists(e)) continue;
        this.claimEvent(set, claim, pod, e);
        errors.push(e);
      }
    }
    if (errors.length) throw errors[0];
  }

  claimsTerminating(set: Obj, pod: Obj): boolean {
    for (const claim of claimsFor(set, getOrdinal(set, pod)).values())
      if (this.cachedClaim(set.metadata.namespace, claim.metadata.name)?.metadata?.deletionTimestamp)
        return true;
    return false;
  }

  async createPod(set: Obj, pod: Obj): Promise<boolean> {
    await this.createClaims(set, pod);
    try {
      await this.client.create(podsRef, set.metadata.namespace, pod);
    } catch (e) {
      if (isAlreadyExists(e)) return false;
      this.podEvent(set, "create", pod, e);
      throw e;
    }
    this.podEvent(set, "create", pod);
    return true;
  }

  async deletePod(set: Obj, pod: Obj): Promise<void> {
    try {
      await this.client.delete(podsRef, set.metadata.namespace, pod.metadata.name, {
        preconditions: { uid: pod.metadata.uid },
      });
    } catch (e) {
      if (e instanceof StatusError && e.code === 404) return;
      this.podEvent(set, "delete", pod, e);
      throw e;
    }
    this.podEvent(set, "delete", pod);
  }

  async updatePod(set: Obj, pod: Obj): Promise<void> {
    await this.createClaims(set, pod);
    try {
      await this.client.update(podsRef, set.metadata.namespace, pod.metadata.name, pod);
    } catch (e) {
      if (e instanceof StatusError && (e.code === 409 || e.code === 404)) return;
      this.podEvent(set, "update", pod, e);
      throw e;
    }
    this.podEvent(set, "update", pod);
  }

  async createMissingClaims(set: Obj, pod: Obj): Promise<void> {
    await this.createClaims(set, pod);
  }

  /** updateClaimOwnerRefForSetAndPod: the set owns claims it should delete with itself, a condemned pod those it should delete on scale-down. */
  async retainClaims(set: Obj, pod: Obj, condemned: boolean): Promise<void> {
    for (const want of claimsFor(set, getOrdinal(set, pod)).values()) {
      const claim = this.cachedClaim(set.metadata.namespace, want.metadata.name);
      if (!claim || claim.metadata?.deletionTimestamp) continue;
      const next = withRetention(set, structuredClone(claim) as Obj, condemned, pod);
      const before = JSON.stringify(claim.metadata?.ownerReferences ?? []);
      if (JSON.stringify(next.metadata.ownerReferences ?? []) === before) continue;
      try {
        await this.client.update(claimsRef, set.metadata.namespace, claim.metadata!.name!, next);
      } catch (e) {
        if (e instanceof StatusError && (e.code === 409 || e.code === 404)) continue;
        throw e;
      }
    }
  }
}

/** The claim with owner references as persistentVolumeClaimRetentionPolicy asks. */
function withRetention(set: Obj, claim: Obj, condemned: boolean, pod?: Obj): Obj {
  const policy = set.spec?.persistentVolumeClaimRetentionPolicy ?? {};
  const refs: Obj[] = (claim.metadata.ownerReferences ?? []).filter(
    (r: Obj) => r.uid !== set.metadata.uid && (!pod || r.uid !== pod.metadata?.uid),
  );
  // A condemned ordinal's claim belongs to its pod alone, so it goes with the pod.
  if (pod && condemned && policy.whenScaled === "Delete")
    refs.push({ apiVersion: "v1", kind: "Pod", name: pod.metadata.name, uid: pod.metadata.uid });
  else if (policy.whenDeleted === "Delete")
    refs.push(newControllerRef(set as KObject, "apps/v1", "StatefulSet"));
  if (refs.length) claim.metadata.ownerReferences = refs;
  else delete claim.metadata.ownerReferences;
  return claim;
}
