import type { KObject } from "../../apimachinery/meta.ts";
import { StatusError } from "../../apimachinery/status-error.ts";
import { matches, type LabelSelector } from "../../apimachinery/selectors/index.ts";
import type { ApiClient } from "../../client/interface.ts";
import type { ResourceRef } from "../../client/rest-client.ts";
import { getControllerOf } from "./pod-helpers.ts";

export interface ControllerRefManagerOptions {
  client: ApiClient;
  /** The owner doing the claiming (a ReplicaSet, a Deployment, a Job ...). */
  controller: KObject;
  controllerApiVersion: string;
  controllerKind: string;
  selector: LabelSelector;
  /** What is claimed (pods, replicasets) and its kind for messages ("Pod", "ReplicaSet"). */
  childRef: ResourceRef;
  childKind: string;
  /** Throws when adoption must not happen; called at most once, and only if something is to be adopted. */
  canAdopt: () => Promise<void>;
  /** Finalizers a release also removes (the Job controller's batch.kubernetes.io/job-tracking). */
  finalizers?: string[];
}

/**
 * Claims the objects a controller should own: keeps its own that still match, adopts matching
 * orphans, releases its own that no longer match (controller_ref_manager.go).
 */
export class ControllerRefManager {
  private readonly o: ControllerRefManagerOptions;
  private canAdoptResult?: Promise<void>;

  constructor(o: ControllerRefManagerOptions) {
    this.o = o;
  }

  private canAdopt(): Promise<void> {
    // BaseControllerRefManager.CanAdopt runs the (uncached) check once per manager.
    this.canAdoptResult ??= this.o.canAdopt();
    return this.canAdoptResult;
  }

  /** The objects this controller owns after claiming; throws the (aggregated) adopt/release errors. */
  async claim(objs: KObject[], filters: Array<(o: KObject) => boolean> = []): Promise<KObject[]> {
    const { claimed, errors } = await this.claimObjects(objs, filters);
    if (errors.length) throw aggregate(errors);
    return claimed;
  }

  /** As claim, but hands back both what was claimed and what failed. */
  async claimObjects(
    objs: KObject[],
    filters: Array<(o: KObject) => boolean> = [],
  ): Promise<{ claimed: KObject[]; errors: unknown[] }> {
    const match = (o: KObject) => matches(this.o.selector, o.metadata?.labels) && filters.every((f) => f(o));
    const claimed: KObject[] = [];
    const errors: unknown[] = [];
    // Most objects are already ours and still match: decide those without a promise each.
    const uid = this.o.controller.metadata!.uid;
    const pending: Array<Promise<{ o: KObject; ok: boolean; err: unknown }>> = [];
    for (const o of objs) {
      const ref = getControllerOf(o);
      if (ref && ref.uid !== uid) continue;
      if (ref && match(o)) {
        claimed.push(o);
        continue;
      }
      if (!ref && !match(o)) continue;
      pending.push(
        this.claimObject(o, match).then(
          (ok) => ({ o, ok, err: undefined as unknown }),
          (err: unknown) => ({ o, ok: false, err }),
        ),
      );
    }
    for (const r of await Promise.all(pending)) {
      if (r.err !== undefined) errors.push(r.err);
      else if (r.ok) claimed.push(r.o);
    }
    return { claimed, errors };
  }

  private async claimObject(obj: KObject, match: (o: KObject) => boolean): Promise<boolean> {
    const owner = this.o.controller.metadata!;
    const ref = getControllerOf(obj);
    if (ref) {
      if (ref.uid !== owner.uid) return false;
      if (match(obj)) return true;
      if (owner.deletionTimestamp) return false;
      try {
        await this.release(obj);
      } catch (e) {
        if (isNotFound(e)) return false;
        throw e;
      }
      return false;
    }
    if (owner.deletionTimestamp || !match(obj)) return false;
    if (obj.metadata?.deletionTimestamp) return false;
    if (owner.namespace && owner.namespace !== obj.metadata?.namespace) return false;
    try {
      await this.adopt(obj);
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
    return true;
  }

  async adopt(obj: KObject): Promise<void> {
    const m = obj.metadata!;
    try {
      await this.canAdopt();
    } catch (e) {
      throw new Error(
        `can't adopt ${this.o.childKind} ${m.namespace}/${m.name} (${m.uid}): ${(e as Error).message}`,
        { cause: e },
      );
    }
    const owner = this.o.controller.metadata!;
    // The uid in the patch makes it fail if the object was deleted and re-created under the same name.
    const patch = {
      metadata: {
        ownerReferences: [
          {
            apiVersion: this.o.controllerApiVersion,
            kind: this.o.controllerKind,
            name: owner.name,
            uid: owner.uid,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
        uid: m.uid,
      },
    };
    await this.o.client.patch(this.o.childRef, m.namespace ?? "", m.name!, patch, "strategic");
  }

  async release(obj: KObject): Promise<void> {
    const m = obj.metadata!;
    const patch: { metadata: Record<string, unknown> } = {
      metadata: {
        ownerReferences: [{ $patch: "delete", uid: this.o.controller.metadata!.uid }],
        uid: m.uid,
      },
    };
    if (this.o.finalizers?.length) patch.metadata["$deleteFromPrimitiveList/finalizers"] = this.o.finalizers;
    try {
      await this.o.client.patch(this.o.childRef, m.namespace ?? "", m.name!, patch, "strategic");
    } catch (e) {
      // Gone, already without our reference, or re-created with another uid: nothing to release.
      if (isNotFound(e) || (e instanceof StatusError && (e.code === 422 || e.code === 409))) return;
      throw e;
    }
  }
}

/**
 * controller.RecheckDeletionTimestamp: a canAdopt that re-reads the owner (uncached) and refuses
 * when it is gone, replaced (another uid) or being deleted.
 */
export function recheckDeletionTimestamp(
  owner: KObject,
  kind: string,
  getFresh: () => Promise<KObject>,
): () => Promise<void> {
  return async () => {
    const m = owner.metadata!;
    const fresh = await getFresh();
    if (fresh.metadata?.uid !== m.uid)
      throw new Error(
        `original ${kind} ${m.namespace}/${m.name} is gone: got uid ${fresh.metadata?.uid}, wanted ${m.uid}`,
      );
    if (fresh.metadata?.deletionTimestamp)
      throw new Error(
        `${m.namespace}/${m.name} has just been deleted at ${fresh.metadata.deletionTimestamp}`,
      );
  };
}

function isNotFound(e: unknown): boolean {
  return e instanceof StatusError && e.code === 404;
}

/** utilerrors.NewAggregate's message: one error as itself, several as "[a, b]". */
export function aggregate(errors: unknown[]): Error {
  if (errors.length === 1 && errors[0] instanceof Error) return errors[0];
  const msgs = errors.map((e) => (e instanceof Error ? e.message : String(e)));
  return new Error(msgs.length === 1 ? msgs[0] : `[${msgs.join(", ")}]`);
}
