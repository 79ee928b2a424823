// The RBAC objects the authorizer reads on every request, kept in memory from a list and watch of
// the store (upstream's authorizer reads them from informers). Bindings are indexed by subject so
// that a request looks only at the bindings naming its user or one of its groups.
import type { Store } from "../../storage/types.ts";
import type { WatchBroadcaster } from "../watch/broadcaster.ts";
import type { Logger } from "../../util/logger.ts";

export interface PolicyRule {
  verbs?: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface Subject {
  kind?: string;
  name?: string;
  namespace?: string;
}

export interface Binding {
  metadata: { name: string; namespace?: string };
  roleRef: { kind: string; name: string };
  subjects?: Subject[];
}

const PREFIXES = {
  roles: "/registry/roles/",
  clusterRoles: "/registry/clusterroles/",
  roleBindings: "/registry/rolebindings/",
  clusterRoleBindings: "/registry/clusterrolebindings/",
};
type Kind = keyof typeof PREFIXES;

/** The index keys of a subject: users and groups by name, service accounts as their user name. */
export function subjectKey(s: Subject): string | undefined {
  switch (s.kind) {
    case "User":
      return `u:${s.name ?? ""}`;
    case "Group":
      return `g:${s.name ?? ""}`;
    case "ServiceAccount":
      return `u:system:serviceaccount:${s.namespace ?? ""}:${s.name ?? ""}`;
    default:
      return undefined;
  }
}

class BindingIndex {
  private readonly byKey = new Map<string, Binding>();
  private readonly bySubject = new Map<string, Set<Binding>>();

  put(key: string, b: Binding | undefined): void {
    const old = this.byKey.get(key);
    if (old) {
      for (const k of this.keysOf(old)) this.bySubject.get(k)?.delete(old);
      this.byKey.delete(key);
    }
    if (!b) return;
    this.byKey.set(key, b);
    for (const k of this.keysOf(b)) {
      let set = this.bySubject.get(k);
      if (!set) this.bySubject.set(k, (set = new Set()));
      set.add(b);
    }
  }

  private keysOf(b: Binding): string[] {
    const ns = b.metadata.namespace ?? "";
    const out: string[] = [];
    for (const s of b.subjects ?? []) {
      const k = subjectKey(s);
      if (k) out.push(`${ns}|${k}`);
    }
    return out;
  }

  /** Bindings in `namespace` ("" for cluster bindings) naming any of the keys. */
  matching(namespace: string, keys: readonly string[]): Iterable<Binding> {
    let only: Set<Binding> | undefined;
    let out: Set<Binding> | undefined;
    for (const k of keys) {
      const hit = this.bySubject.get(`${namespace}|${k}`);
      if (!hit?.size) continue;
      if (!only) only = hit;
      else {
        out ??= new Set(only);
        for (const b of hit) out.add(b);
      }
    }
    return out ?? only ?? [];
  }

  all(): Binding[] {
    return [...this.byKey.values()];
  }
}

export class RbacCache {
  private readonly roles = new Map<string, PolicyRule[]>();
  private readonly clusterRoles = new Map<string, PolicyRule[]>();
  readonly roleBindings = new BindingIndex();
  readonly clusterRoleBindings = new BindingIndex();
  private synced = false;
  private readonly store: Store;
  private readonly logger: Logger;

  constructor(store: Store, logger: Logger) {
    this.store = store;
    this.logger = logger;
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** The rules of a Role ("ns/name") or ClusterRole; undefined when it does not exist. */
  role(namespace: string, name: string): PolicyRule[] | undefined {
    return this.roles.get(`${namespace}/${name}`);
  }

  clusterRole(name: string): PolicyRule[] | undefined {
    return this.clusterRoles.get(name);
  }

  /**
   * Lists each kind from storage, then follows the watch cache from the list's revision; a kind
   * whose watch ends (compaction, outage) is listed again.
   */
  async follow(broadcaster: WatchBroadcaster, signal: AbortSignal): Promise<void> {
    await Promise.all(
      (Object.keys(PREFIXES) as Kind[]).map((kind) => this.followKind(kind, broadcaster, signal)),
    );
    this.synced = true;
  }

  private async followKind(kind: Kind, broadcaster: WatchBroadcaster, signal: AbortSignal): Promise<void> {
    const prefix = PREFIXES[kind];
    const r = await this.store.list(prefix);
    this.clear(kind);
    for (const kv of r.items) this.apply(kind, kv.key, decodeValue(kv.value));
    await broadcaster.subscribe(
      r.revision,
      {
        prefix,
        onEvents: (events) => {
          for (const e of events) this.apply(kind, e.key, e.type === "DELETED" ? undefined : e.object);
        },
        onError: (err) => {
          if (signal.aborted) return;
          this.logger.warn("rbac cache watch ended, listing again", { kind, error: err.message });
          setTimeout(() => void this.followKind(kind, broadcaster, signal).catch(() => undefined), 100);
        },
      },
      signal,
    );
  }

  private clear(kind: Kind): void {
    if (kind === "roles") this.roles.clear();
    else if (kind === "clusterRoles") this.clusterRoles.clear();
    else {
      const index = kind === "roleBindings" ? this.roleBindings : this.clusterRoleBindings;
      for (const b of index.all()) index.put(keyOfBinding(b), undefined);
    }
  }

  private apply(which: Kind, key: string, obj: Record<string, unknown> | undefined): void {
    const rest = key.slice(PREFIXES[which].length);
    switch (which) {
      case "roles":
        if (obj) this.roles.set(rest, (obj.rules as PolicyRule[] | undefined) ?? []);
        else this.roles.delete(rest);
        return;
      case "clusterRoles":
        if (obj) this.clusterRoles.set(rest, (obj.rules as PolicyRule[] | undefined) ?? []);
        else this.clusterRoles.delete(rest);
        return;
      case "roleBindings":
        this.roleBindings.put(rest, obj as Binding | undefined);
        return;
      case "clusterRoleBindings":
        this.clusterRoleBindings.put(rest, obj as Binding | undefined);
        return;
    }
  }
}

function decodeValue(text: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function keyOfBinding(b: Binding): string {
  return b.metadata.namespace ? `${b.metadata.namespace}/${b.metadata.name}` : b.metadata.name;
}
