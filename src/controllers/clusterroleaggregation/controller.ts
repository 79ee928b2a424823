// pkg/controller/clusterroleaggregation: a ClusterRole with an aggregationRule holds the rules of
// every ClusterRole its selectors match (themselves sorted by name, rules deduplicated in order), so
// that a role labelled `aggregate-to-view` extends view, edit and admin at once.
import type { KObject } from "../../apimachinery/meta.ts";
import { selectorMatches } from "../../api/validation/label-selector.ts";
import type { ApiClient, SharedInformer } from "../../client/interface.ts";
import type { Logger } from "../../util/logger.ts";
import { refFor } from "../refs.ts";

interface Deps {
  client: ApiClient;
  clusterRoles: SharedInformer;
  logger: Logger;
}

type Role = KObject & { rules?: unknown[]; aggregationRule?: { clusterRoleSelectors?: unknown[] } };

/** The rules `role` should hold given every ClusterRole there is; undefined when it aggregates nothing. */
export function aggregatedRules(role: Role, all: Role[]): unknown[] | undefined {
  const selectors = role.aggregationRule?.clusterRoleSelectors;
  if (!role.aggregationRule) return undefined;
  const matched = all
    .filter((r) => r.metadata?.name !== role.metadata?.name)
    .filter((r) => (selectors ?? []).some((s) => selectorMatches(s, r.metadata?.labels)))
    .sort((a, b) => ((a.metadata?.name ?? "") < (b.metadata?.name ?? "") ? -1 : 1));
  const out: unknown[] = [];
  const seen = new Set<string>();
  for (const r of matched)
    for (const rule of r.rules ?? []) {
      const k = JSON.stringify(rule);
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(rule);
    }
  return out;
}

export class ClusterRoleAggregationController {
  private readonly deps: Deps;
  private pending = false;
  private running: Promise<void> = Promise.resolve();

  constructor(deps: Deps) {
    this.deps = deps;
  }

  async run(signal: AbortSignal): Promise<void> {
    this.deps.clusterRoles.on({
      add: () => this.kick(),
      update: () => this.kick(),
      delete: () => this.kick(),
    });
    await this.deps.clusterRoles.waitForSync();
    this.kick();
    await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
  }

  private kick(): void {
    if (this.pending) return;
    this.pending = true;
    this.running = this.running.then(async () => {
      this.pending = false;
      try {
        await this.sync();
      } catch (e) {
        this.deps.logger.warn("cluster role aggregation failed", { error: (e as Error).message });
        setTimeout(() => this.kick(), 1000);
      }
    });
  }

  private async sync(): Promise<void> {
    const all = this.deps.clusterRoles.list() as Role[];
    for (const role of all) {
      const want = aggregatedRules(role, all);
      if (!want) continue;
      if (JSON.stringify(want) === JSON.stringify(role.rules ?? [])) continue;
      // A merge patch of rules alone, so a concurrent edit of anything else is not overwritten.
      await this.deps.client.patch(
        refFor("rbac.authorization.k8s.io", "clusterroles"),
        "",
        role.metadata!.name!,
        { rules: want },
        "merge",
      );
    }
  }
}
