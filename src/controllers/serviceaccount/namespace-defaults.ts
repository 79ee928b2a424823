// Two controllers that give every namespace what pods in it expect: the `default` ServiceAccount
// (pkg/controller/serviceaccount ServiceAccountsController) and the `kube-root-ca.crt` ConfigMap
// with the cluster's CA (pkg/controller/certificates/rootcacertpublisher). Both recreate their
// object when it is deleted, and the publisher puts the CA back when the ConfigMap is edited.
import type { KObject } from "../../apimachinery/meta.ts";
import { StatusError } from "../../apimachinery/status-error.ts";
import type { ApiClient, SharedInformer } from "../../client/interface.ts";
import { runWorkers, WorkQueue } from "../../client/workqueue.ts";
import type { Logger } from "../../util/logger.ts";
import { refFor } from "../refs.ts";

export const ROOT_CA_CONFIGMAP = "kube-root-ca.crt";
const DESCRIPTION =
  "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.";

interface Deps {
  client: ApiClient;
  namespaces: SharedInformer;
  /** The objects this controller keeps, one per namespace, by "namespace/name". */
  objects: SharedInformer;
  logger: Logger;
}

abstract class PerNamespace {
  protected readonly deps: Deps;
  private readonly queue = new WorkQueue();
  protected abstract readonly name: string;

  constructor(deps: Deps) {
    this.deps = deps;
  }

  async run(signal: AbortSignal): Promise<void> {
    const enqueueNs = (ns: KObject) => this.queue.add(ns.metadata!.name!);
    this.deps.namespaces.on({ add: enqueueNs, update: enqueueNs });
    const enqueueObj = (o: KObject) => {
      if (o.metadata?.name === this.name) this.queue.add(o.metadata.namespace!);
    };
    this.deps.objects.on({ update: enqueueObj, delete: enqueueObj });
    await Promise.all([this.deps.namespaces.waitForSync(), this.deps.objects.waitForSync()]);
    for (const ns of this.deps.namespaces.list()) enqueueNs(ns);
    await runWorkers(
      this.queue,
      2,
      (ns) => this.syncNamespace(ns),
      signal,
      (ns, err) =>
        this.deps.logger.warn(`syncing ${this.name} failed`, {
          namespace: ns,
          error: (err as Error).message,
        }),
    );
  }

  private async syncNamespace(namespace: string): Promise<void> {
    const ns = this.deps.namespaces.get(namespace);
    // Nothing is made in a namespace that is going away (upstream's NamespaceTerminating check).
    if (
      !ns ||
      ns.metadata?.deletionTimestamp ||
      (ns.status as { phase?: string } | undefined)?.phase === "Terminating"
    )
      return;
    try {
      await this.ensure(namespace, this.deps.objects.get(`${namespace}/${this.name}`));
    } catch (e) {
      // AlreadyExists: another writer won; Forbidden/NotFound: the namespace began terminating.
      if (e instanceof StatusError && [409, 403, 404].includes(e.code)) return;
      throw e;
    }
  }

  protected abstract ensure(namespace: string, current: KObject | undefined): Promise<void>;
}

export class ServiceAccountsController extends PerNamespace {
  protected readonly name = "default";

  protected async ensure(namespace: string, current: KObject | undefined): Promise<void> {
    if (current) return;
    await this.deps.client.create(refFor("", "serviceaccounts"), namespace, {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: "default", namespace },
    });
  }
}

export class RootCaPublisher extends PerNamespace {
  protected readonly name = ROOT_CA_CONFIGMAP;
  private readonly caPem: string;

  constructor(deps: Deps, caPem: string) {
    super(deps);
    this.caPem = caPem;
  }

  protected async ensure(namespace: string, current: KObject | undefined): Promise<void> {
    const ref = refFor("", "configmaps");
    if (!current) {
      await this.deps.client.create(ref, namespace, {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: {
          name: ROOT_CA_CONFIGMAP,
          namespace,
          annotations: { "kubernetes.io/description": DESCRIPTION },
        },
        data: { "ca.crt": this.caPem },
      });
      return;
    }
    const data = (current as { data?: Record<string, string> }).data ?? {};
    const description = current.metadata?.annotations?.["kubernetes.io/description"];
    if (data["ca.crt"] === this.caPem && Object.keys(data).length === 1 && description === DESCRIPTION)
      return;
    await this.deps.client.update(ref, namespace, ROOT_CA_CONFIGMAP, {
      ...current,
      metadata: {
        ...current.metadata,
        annotations: { ...current.metadata?.annotations, "kubernetes.io/description": DESCRIPTION },
      },
      data: { "ca.crt": this.caPem },
    });
  }
}
