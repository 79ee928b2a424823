import type { KObject } from "../../apimachinery/meta.ts";
import {
  labelSelectorFromMetav1,
  labelSelectorFromSet,
  type LabelSelector,
  type MetaV1LabelSelector,
} from "../../apimachinery/selectors/index.ts";
import type { ResourceRef } from "../../client/rest-client.ts";
import { refFor } from "../refs.ts";

/**
 * What differs between the ReplicaSet and the ReplicationController controllers: upstream runs the
 * ReplicaSet code over RCs converted to ReplicaSets (pkg/controller/replication).
 */
export interface ReplicaSetKind {
  ref: ResourceRef;
  apiVersion: string;
  kind: string;
  /** The event source component. */
  component: string;
  /** Throws (400) on an invalid selector. */
  selectorOf(obj: KObject): LabelSelector;
}

export const replicaSetKind: ReplicaSetKind = {
  ref: refFor("apps", "replicasets"),
  apiVersion: "apps/v1",
  kind: "ReplicaSet",
  component: "replicaset-controller",
  selectorOf: (rs) => labelSelectorFromMetav1((rs.spec as { selector?: MetaV1LabelSelector }).selector),
};

export const replicationControllerKind: ReplicaSetKind = {
  ref: refFor("", "replicationcontrollers"),
  apiVersion: "v1",
  kind: "ReplicationController",
  component: "replication-controller",
  // An RC selector is a plain map; the conversion to a ReplicaSet makes it matchLabels.
  selectorOf: (rc) =>
    labelSelectorFromSet((rc.spec as { selector?: Record<string, string> | null }).selector ?? {}),
};
