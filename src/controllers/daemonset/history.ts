// A DaemonSet's ControllerRevisions (pkg/controller/daemon/update.go constructHistory and
// cleanupHistory): one revision per pod template, named and labelled with the template hash its
// pods carry, so `kubectl rollout history|undo ds` read and restore them.
import type { KObject } from "../../apimachinery/meta.ts";
import { StatusError } from "../../apimachinery/status-error.ts";
import type { ApiClient, SharedInformer } from "../../client/interface.ts";
import {
  equalRevision,
  newRevision,
  nextRevision,
  revisionName,
  sortRevisions,
  templatePatch,
} from "../history/controller-history.ts";
import { refFor } from "../refs.ts";
import { controllerUidIndex, controllerUidIndexer } from "../util/index.ts";

type Obj = Record<string, any>;

const revisionsRef = refFor("apps", "controllerrevisions");
const hashLabel = "controller-revision-hash";

export class DaemonSetHistory {
  private readonly client: ApiClient;
  private readonly revisions: SharedInformer;

  constructor(client: ApiClient, revisions: SharedInformer) {
    this.client = client;
    this.revisions = revisions;
    revisions.addIndexer(controllerUidIndex, controllerUidIndexer);
  }

  /** The set's revisions, oldest first. */
  owned(ds: Obj): Obj[] {
    return sortRevisions(this.revisions.byIndex(controllerUidIndex, ds.metadata.uid) as Obj[]);
  }

  /** constructHistory: the revision of the current template exists and is the newest. */
  async construct(ds: Obj, hash: string): Promise<void> {
    const history = this.owned(ds);
    const data = templatePatch(ds);
    const max = nextRevision(history);
    const current = history.find(
      (r) => r.metadata?.labels?.[hashLabel] === hash || equalRevision(r, { data }),
    );
    try {
      if (current) {
        // A roll back to an older template makes its revision the newest again.
        if (history.at(-1) !== current && (current.revision ?? 0) < max - 1)
          await this.client.update(revisionsRef, ds.metadata.namespace, current.metadata.name, {
            ...current,
            revision: max,
          });
        return;
      }
      const rev = newRevision(ds, "DaemonSet", ds.spec?.template?.metadata?.labels, data, max, undefined);
      rev.metadata.name = revisionName(ds.metadata.name, hash);
      rev.metadata.labels = { ...ds.spec?.template?.metadata?.labels, [hashLabel]: hash };
      await this.client.create(revisionsRef, ds.metadata.namespace, rev);
    } catch (e) {
      if (!(e instanceof StatusError) || (e.code !== 409 && e.code !== 404)) throw e;
    }
  }

  /** cleanupHistory: revisions no pod runs, beyond revisionHistoryLimit, oldest first. */
  async cleanup(ds: Obj, hash: string, pods: KObject[]): Promise<void> {
    const live = new Set([hash, ...pods.map((p) => p.metadata?.labels?.[hashLabel] ?? "")]);
    const old = this.owned(ds).filter((r) => !live.has(r.metadata?.labels?.[hashLabel] ?? ""));
    const limit = ds.spec?.revisionHistoryLimit ?? 10;
    for (const r of old.slice(0, Math.max(0, old.length - limit))) {
      try {
        await this.client.delete(revisionsRef, ds.metadata.namespace, r.metadata.name);
      } catch (e) {
        if (!(e instanceof StatusError) || e.code !== 404) throw e;
      }
    }
  }
}
