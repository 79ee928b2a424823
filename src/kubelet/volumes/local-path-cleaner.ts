// The node's half of the local-path provisioner: when one of this node's local-path volumes is
// deleted, its folder is removed here, then the volume's cleanup finalizer is dropped so the
// object goes (k3s runs a helper pod on the node for the same teardown).
import { rmSync } from "node:fs";
import { basename } from "node:path";
import type { KObject } from "../../apimachinery/meta.ts";
import { StatusError } from "../../apimachinery/status-error.ts";
import { Informer, objectKey } from "../../client/informer.ts";
import type { ApiClient } from "../../client/interface.ts";
import type { ResourceRef } from "../../client/rest-client.ts";
import { runWorkers, WorkQueue } from "../../client/workqueue.ts";
import type { Logger } from "../../util/logger.ts";

// Names shared with controllers/volume/local-path-provisioner.ts (the kubelet imports no controller).
const PROVISIONER = "rancher.io/local-path";
const CLEANUP_FINALIZER = "skiff.dev/local-path-cleanup";
const NODE_ANNOTATION = "local.path.provisioner/selected-node";

type Obj = Record<string, any>;

export class LocalPathCleaner {
  private readonly client: ApiClient;
  private readonly ref: ResourceRef;
  private readonly nodeName: string;
  private readonly logger: Logger;
  private readonly volumes: Informer;
  private readonly queue = new WorkQueue();

  constructor(deps: { client: ApiClient; ref: ResourceRef; nodeName: string; logger: Logger }) {
    this.client = deps.client;
    this.ref = deps.ref;
    this.nodeName = deps.nodeName;
    this.logger = deps.logger;
    this.volumes = new Informer({ client: deps.client, ref: deps.ref, logger: deps.logger });
    const seen = (v: KObject) => {
      if (this.ours(v as Obj)) this.queue.add(objectKey(v));
    };
    this.volumes.on({ add: seen, update: seen });
  }

  private ours(pv: Obj): boolean {
    return (
      Boolean(pv.metadata?.deletionTimestamp) &&
      pv.metadata?.finalizers?.includes(CLEANUP_FINALIZER) &&
      pv.metadata?.annotations?.["pv.kubernetes.io/provisioned-by"] === PROVISIONER &&
      pv.metadata?.annotations?.[NODE_ANNOTATION] === this.nodeName
    );
  }

  async run(signal: AbortSignal): Promise<void> {
    void this.volumes.run(signal);
    await this.volumes.waitForSync();
    await runWorkers(
      this.queue,
      1,
      (k) => this.clean(k),
      signal,
      (key, err) =>
        this.logger.warn("local-path cleanup failed", { volume: key, error: (err as Error).message }),
    );
  }

  async clean(name: string): Promise<void> {
    const pv = this.volumes.get(name) as Obj | undefined;
    if (!pv || !this.ours(pv)) return;
    const path = String(pv.spec?.hostPath?.path ?? "");
    // Only a folder named as the provisioner names it (pvc-UID_NAMESPACE_NAME) is removed.
    if (path.startsWith("/") && basename(path).startsWith(`${pv.metadata.name}_`))
      rmSync(path, { recursive: true, force: true });
    const finalizers = (pv.metadata.finalizers as string[]).filter((f) => f !== CLEANUP_FINALIZER);
    try {
      await this.client.update(this.ref, "", name, { ...pv, metadata: { ...pv.metadata, finalizers } });
    } catch (e) {
      if (!(e instanceof StatusError) || (e.code !== 404 && e.code !== 409)) throw e;
    }
  }
}
