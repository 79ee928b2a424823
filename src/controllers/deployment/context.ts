import type { KObject } from "../../apimachinery/meta.ts";
import type { ApiClient } from "../../client/interface.ts";
import type { Clock } from "../../util/clock.ts";
import type { Logger } from "../../util/logger.ts";
import { refFor } from "../refs.ts";
import type { Deployment, ReplicaSet } from "./types.ts";

export const deploymentsRef = refFor("apps", "deployments");
export const replicaSetsRef = refFor("apps", "replicasets");
export const podsRef = refFor("", "pods");

export interface Recorder {
  event(obj: KObject, type: "Normal" | "Warning", reason: string, message: string): void;
}

/** What the rollout steps (sync, rolling, recreate, progress, rollback) need of the controller. */
export interface SyncContext {
  client: ApiClient;
  recorder: Recorder;
  clock: Clock;
  logger: Logger;
  /** The informer cache's copy of a ReplicaSet. */
  getReplicaSet(namespace: string, name: string): ReplicaSet | undefined;
  enqueueAfter(d: Deployment, ms: number): void;
  enqueueRateLimited(d: Deployment): void;
}
