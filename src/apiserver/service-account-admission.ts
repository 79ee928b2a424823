// The ServiceAccount admission plugin (plugin/pkg/admission/serviceaccount): a pod must name a
// service account that exists, and unless it or its account opts out (automountServiceAccountToken:
// false) it gets the projected `kube-api-access-*` volume — a bound token, the cluster CA and its
// namespace — mounted in every container at /var/run/secrets/kubernetes.io/serviceaccount.
import type { KObject } from "../apimachinery/meta.ts";
import { forbidden } from "../apimachinery/status-error.ts";
import type { GenericStore } from "./registry/generic-store.ts";
import type { WatchBroadcaster } from "./watch/broadcaster.ts";

export const TOKEN_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount";
const MIRROR_ANNOTATION = "kubernetes.io/config.mirror";
// utilrand.String's alphabet: no vowels, no look-alikes.
const ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

type Obj = Record<string, any>;

// A name suffix, not a secret: math/rand upstream, and crypto's per-call cost shows on every pod create.
function suffix(): string {
  let s = "";
  for (let i = 0; i < 5; i++) s += ALPHABET[Math.floor(Math.random() * ALPHABET.length)];
  return s;
}

/** Service accounts as admission reads them: from the watch cache, read through to storage on a miss. */
export class ServiceAccountCache {
  private readonly entries = new Map<string, KObject>();
  private readonly store: GenericStore;

  constructor(store: GenericStore) {
    this.store = store;
  }

  async follow(broadcaster: WatchBroadcaster, signal: AbortSignal): Promise<void> {
    await broadcaster.subscribe(
      broadcaster.revision,
      {
        prefix: "/registry/serviceaccounts/",
        onEvents: (events) => {
          for (const e of events) {
            const key = `${e.object.metadata!.namespace}/${e.object.metadata!.name}`;
            if (e.type === "DELETED") this.entries.delete(key);
            else this.entries.set(key, e.object);
          }
        },
        onError: () => this.entries.clear(),
      },
      signal,
    );
  }

  async get(namespace: string, name: string): Promise<KObject | undefined> {
    const hit = this.entries.get(`${namespace}/${name}`);
    if (hit) return hit;
    // Read through; absence is not remembered, so an account created a moment ago is found.
    const obj = await this.store.tryGet(namespace, name);
    if (obj) this.entries.set(`${namespace}/${name}`, obj);
    return obj;
  }
}

export async function admitPodServiceAccount(
  serviceAccounts: ServiceAccountCache,
  namespace: string,
  pod: KObject,
): Promise<void> {
  if (pod.metadata?.annotations?.[MIRROR_ANNOTATION]) return;
  const spec = (pod.spec ?? {}) as Obj;
  const ns = namespace;
  const name = String(spec.serviceAccountName || spec.serviceAccount || "default");
  const sa = await serviceAccounts.get(ns, name);
  if (!sa)
    throw forbidden(
      `pods "${pod.metadata?.name ?? ""}" is forbidden: error looking up service account ${ns}/${name}: serviceaccount "${name}" not found`,
    );
  const automount = spec.automountServiceAccountToken ?? (sa as Obj).automountServiceAccountToken ?? true;
  if (automount === false) return;
  const containers = [...((spec.initContainers as Obj[]) ?? []), ...((spec.containers as Obj[]) ?? [])];
  // A pod that already mounts something there (its own token volume) is left alone.
  if (containers.some((c) => ((c.volumeMounts as Obj[]) ?? []).some((m) => m.mountPath === TOKEN_MOUNT_PATH)))
    return;
  const volumes = ((spec.volumes as Obj[] | undefined) ??= []);
  let volumeName = `kube-api-access-${suffix()}`;
  while (volumes.some((v) => v.name === volumeName)) volumeName = `kube-api-access-${suffix()}`;
  volumes.push({
    name: volumeName,
    projected: {
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
        { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
        {
          downwardAPI: {
            items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }],
          },
        },
      ],
      defaultMode: 420,
    },
  });
  for (const c of containers)
    ((c.volumeMounts as Obj[] | undefined) ??= []).push({
      name: volumeName,
      readOnly: true,
      mountPath: TOKEN_MOUNT_PATH,
    });
  spec.volumes = volumes;
  pod.spec = spec;
}
