// pkg/controller/serviceaccount TokensController: a Secret of type kubernetes.io/service-account-token
// that names an account (annotation kubernetes.io/service-account.name) gets a legacy token for it,
// with the cluster CA and the namespace, and the account's uid; one naming no existing account is
// deleted.
import type { KObject } from "../../apimachinery/meta.ts";
import { StatusError } from "../../apimachinery/status-error.ts";
import type { ApiClient, SharedInformer } from "../../client/interface.ts";
import { runWorkers, WorkQueue } from "../../client/workqueue.ts";
import type { Logger } from "../../util/logger.ts";
import { refFor } from "../refs.ts";

const TYPE = "kubernetes.io/service-account-token";
const NAME = "kubernetes.io/service-account.name";
const UID = "kubernetes.io/service-account.uid";

interface Deps {
  client: ApiClient;
  secrets: SharedInformer;
  caPem: string;
  issue: (namespace: string, serviceAccount: { name: string; uid: string }, secret: string) => string;
  logger: Logger;
}

export class TokensController {
  private readonly deps: Deps;
  private readonly queue = new WorkQueue();

  constructor(deps: Deps) {
    this.deps = deps;
  }

  async run(signal: AbortSignal): Promise<void> {
    const enqueue = (s: KObject) => {
      if ((s as { type?: string }).type === TYPE)
        this.queue.add(`${s.metadata!.namespace}/${s.metadata!.name}`);
    };
    this.deps.secrets.on({ add: enqueue, update: enqueue });
    await this.deps.secrets.waitForSync();
    await runWorkers(
      this.queue,
      1,
      (key) => this.sync(key),
      signal,
      (key, err) =>
        this.deps.logger.warn("service account token sync failed", {
          secret: key,
          error: (err as Error).message,
        }),
    );
  }

  private async sync(key: string): Promise<void> {
    const secret = this.deps.secrets.get(key) as (KObject & { data?: Record<string, string> }) | undefined;
    if (!secret || secret.metadata?.deletionTimestamp) return;
    const [namespace = "", name = ""] = key.split("/");
    const saName = secret.metadata?.annotations?.[NAME] ?? "";
    let sa: KObject | undefined;
    try {
      sa = await this.deps.client.get(refFor("", "serviceaccounts"), namespace, saName);
    } catch (e) {
      if (!(e instanceof StatusError && e.code === 404)) throw e;
    }
    const secrets = refFor("", "secrets");
    if (!sa) {
      await this.deps.client.delete(secrets, namespace, name).catch(() => undefined);
      return;
    }
    const uid = sa.metadata!.uid!;
    const wantedUid = secret.metadata?.annotations?.[UID];
    if (wantedUid && wantedUid !== uid) {
      // Made for an account of the same name that is gone.
      await this.deps.client.delete(secrets, namespace, name).catch(() => undefined);
      return;
    }
    const data = secret.data ?? {};
    const b64 = (s: string) => Buffer.from(s).toString("base64");
    if (
      data.token &&
      data["ca.crt"] === b64(this.deps.caPem) &&
      data.namespace === b64(namespace) &&
      wantedUid
    )
      return;
    const token = data.token
      ? Buffer.from(data.token, "base64").toString()
      : this.deps.issue(namespace, { name: saName, uid }, name);
    await this.deps.client.update(secrets, namespace, name, {
      ...secret,
      metadata: { ...secret.metadata, annotations: { ...secret.metadata?.annotations, [UID]: uid } },
      data: { ...data, token: b64(token), "ca.crt": b64(this.deps.caPem), namespace: b64(namespace) },
    });
  }
}
