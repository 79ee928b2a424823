// What each node may read, as the Node authorizer's graph knows it (plugin/pkg/auth/authorizer/node):
// the pods bound to a node, and through them their service account, the secrets and config maps
// they mount or read in their environment, and their persistent volume claims. Kept from the
// pods in storage and the watch cache, so a pod bound a moment ago is known by the time its
// kubelet hears of it.
import type { KObject } from "../../apimachinery/meta.ts";
import type { Store } from "../../storage/types.ts";
import type { Logger } from "../../util/logger.ts";
import type { WatchBroadcaster } from "../watch/broadcaster.ts";

export type RefKind = "secret" | "configmap" | "persistentvolumeclaim" | "serviceaccount";

type Obj = Record<string, any>;

interface PodEntry {
  node: string;
  uid: string;
  refs: string[];
}

const refKey = (kind: RefKind, namespace: string, name: string) => `${kind}/${namespace}/${name}`;

/** Everything a pod refers to that its node may read (upstream's graph_populator AddPod). */
export function podRefs(pod: KObject): string[] {
  const ns = pod.metadata?.namespace ?? "";
  const spec = (pod.spec ?? {}) as Obj;
  const out = new Set<string>();
  const add = (kind: RefKind, name: unknown) => {
    if (typeof name === "string" && name) out.add(refKey(kind, ns, name));
  };
  add("serviceaccount", spec.serviceAccountName || spec.serviceAccount || "default");
  for (const s of (spec.imagePullSecrets as Obj[] | undefined) ?? []) add("secret", s?.name);
  const containers = [
    ...((spec.initContainers as Obj[] | undefined) ?? []),
    ...((spec.containers as Obj[] | undefined) ?? []),
    ...((spec.ephemeralContainers as Obj[] | undefined) ?? []),
  ];
  for (const c of containers) {
    for (const e of (c?.envFrom as Obj[] | undefined) ?? []) {
      add("secret", e?.secretRef?.name);
      add("configmap", e?.configMapRef?.name);
    }
    for (const e of (c?.env as Obj[] | undefined) ?? []) {
      add("secret", e?.valueFrom?.secretKeyRef?.name);
      add("configmap", e?.valueFrom?.configMapKeyRef?.name);
    }
  }
  for (const v of (spec.volumes as Obj[] | undefined) ?? []) {
    if (!v) continue;
    add("secret", v.secret?.secretName);
    add("configmap", v.configMap?.name);
    add("persistentvolumeclaim", v.persistentVolumeClaim?.claimName);
    // An ephemeral volume's claim is named after the pod and the volume.
    if (v.ephemeral) add("persistentvolumeclaim", `${pod.metadata?.name ?? ""}-${v.name}`);
    for (const s of (v.projected?.sources as Obj[] | undefined) ?? []) {
      add("secret", s?.secret?.name);
      add("configmap", s?.configMap?.name);
    }
    // Volume plugins that name a secret for their credentials.
    for (const plugin of [
      "azureFile",
      "cephfs",
      "cinder",
      "flexVolume",
      "iscsi",
      "rbd",
      "scaleIO",
      "storageos",
      "csi",
    ])
      add("secret", v[plugin]?.secretRef?.name ?? v[plugin]?.nodePublishSecretRef?.name);
    add("secret", v.azureFile?.secretName);
  }
  return [...out];
}

export class NodeGraph {
  private readonly pods = new Map<string, PodEntry>();
  /** node → reference → how many of its pods hold it. */
  private readonly byNode = new Map<string, Map<string, number>>();
  private readonly store: Store;
  private readonly logger: Logger;

  constructor(store: Store, logger: Logger) {
    this.store = store;
    this.logger = logger;
  }

  /** The node a pod is bound to, if the graph knows the pod ("" when it is not bound yet). */
  podNode(namespace: string, name: string): { node: string; uid: string } | undefined {
    const p = this.pods.get(`${namespace}/${name}`);
    return p && { node: p.node, uid: p.uid };
  }

  /** Whether one of the node's pods refers to the object. */
  related(node: string, kind: RefKind, namespace: string, name: string): boolean {
    return (this.byNode.get(node)?.get(refKey(kind, namespace, name)) ?? 0) > 0;
  }

  put(key: string, pod: KObject | undefined): void {
    const old = this.pods.get(key);
    if (old) {
      const refs = this.byNode.get(old.node);
      if (refs) {
        for (const r of old.refs) {
          const n = (refs.get(r) ?? 1) - 1;
          if (n > 0) refs.set(r, n);
          else refs.delete(r);
        }
        if (!refs.size) this.byNode.delete(old.node);
      }
      this.pods.delete(key);
    }
    if (!pod) return;
    const node = String((pod.spec as Obj | undefined)?.nodeName ?? "");
    const entry: PodEntry = { node, uid: pod.metadata?.uid ?? "", refs: node ? podRefs(pod) : [] };
    this.pods.set(key, entry);
    if (!node) return;
    let refs = this.byNode.get(node);
    if (!refs) this.byNode.set(node, (refs = new Map()));
    for (const r of entry.refs) refs.set(r, (refs.get(r) ?? 0) + 1);
  }

  /** Lists the pods, then follows the watch cache; listed again when the watch ends. */
  async follow(broadcaster: WatchBroadcaster, signal: AbortSignal): Promise<void> {
    const prefix = "/registry/pods/";
    const r = await this.store.list(prefix);
    this.pods.clear();
    this.byNode.clear();
    for (const kv of r.items) {
      try {
        this.put(kv.key.slice(prefix.length), JSON.parse(kv.value) as KObject);
      } catch {
        // An undecodable pod refers to nothing.
      }
    }
    await broadcaster.subscribe(
      r.revision,
      {
        prefix,
        onEvents: (events) => {
          for (const e of events)
            this.put(e.key.slice(prefix.length), e.type === "DELETED" ? undefined : e.object);
        },
        onError: (err) => {
          if (signal.aborted) return;
          this.logger.warn("node graph watch ended, listing again", { error: err.message });
          setTimeout(() => void this.follow(broadcaster, signal).catch(() => undefined), 100);
        },
      },
      signal,
    );
  }
}
