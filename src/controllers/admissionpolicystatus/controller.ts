// The ValidatingAdmissionPolicy status controller (kube-controller-manager's
// validatingadmissionpolicy-status-controller): each policy whose generation its status has not
// seen is type-checked, and status.observedGeneration and status.typeChecking are written through
// the status subresource.
import type { KObject } from "../../apimachinery/meta.ts";
import type { ApiClient, SharedInformer } from "../../client/interface.ts";
import { runWorkers, WorkQueue } from "../../client/workqueue.ts";
import type { Logger } from "../../util/logger.ts";
import { refFor } from "../refs.ts";
import { SchemaResolver } from "./schemas.ts";
import { typeCheckPolicy } from "./type-check.ts";

interface Deps {
  client: ApiClient;
  policies: SharedInformer;
  logger: Logger;
}

const POLICIES = refFor("admissionregistration.k8s.io", "validatingadmissionpolicies");

type Policy = KObject & { status?: { observedGeneration?: number } };

export class AdmissionPolicyStatusController {
  private readonly deps: Deps;
  private readonly queue = new WorkQueue();

  constructor(deps: Deps) {
    this.deps = deps;
  }

  async run(signal: AbortSignal): Promise<void> {
    const enqueue = (o: KObject) => this.queue.add(o.metadata?.name ?? "");
    this.deps.policies.on({ add: enqueue, update: (_old, o) => enqueue(o) });
    await this.deps.policies.waitForSync();
    await runWorkers(
      this.queue,
      1,
      (name) => this.sync(name),
      signal,
      (name, e) =>
        this.deps.logger.warn("admission policy type check failed", {
          policy: name,
          error: (e as Error).message,
        }),
    );
  }

  async sync(name: string): Promise<void> {
    const policy = this.deps.policies.get(name) as Policy | undefined;
    if (!policy?.metadata) return;
    const generation = policy.metadata.generation;
    if (generation !== undefined && policy.status?.observedGeneration === generation) return;
    const warnings = await typeCheckPolicy(policy, new SchemaResolver(this.deps.client));
    await this.deps.client.update(
      POLICIES,
      "",
      name,
      {
        ...policy,
        status: {
          ...policy.status,
          observedGeneration: generation,
          typeChecking: warnings.length ? { expressionWarnings: warnings } : {},
        },
      },
      "status",
    );
  }
}
