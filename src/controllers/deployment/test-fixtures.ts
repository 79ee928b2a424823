// Builders for the deployment controller's unit tests.
import type { KObject } from "../../apimachinery/meta.ts";
import { RecordingClient } from "../../client/fake-client.ts";
import { FakeInformer } from "../../client/fake-informer.ts";
import type { ResourceRef } from "../../client/rest-client.ts";
import { FakeClock, rfc3339 } from "../../util/clock.ts";
import { silentLogger } from "../../util/logger.ts";
import { DeploymentController } from "./deployment-controller.ts";
import { computeHash, podTemplateHashLabel } from "../util/pod-template-hash.ts";
import type { Deployment, DeploymentSpec, PodTemplate, ReplicaSet } from "./types.ts";

export const t0 = Date.parse("2024-01-01T00:00:00Z");

export function template(image: string): PodTemplate {
  return {
    metadata: { labels: { app: "web" } },
    spec: { containers: [{ name: "nginx", image }], restartPolicy: "Always" },
  };
}

export function deployment(
  opts: Partial<DeploymentSpec> & { image?: string; generation?: number } = {},
): Deployment {
  const { image = "nginx", generation = 1, ...spec } = opts;
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: "web",
      namespace: "default",
      uid: "d-uid",
      generation,
      resourceVersion: "10",
      creationTimestamp: rfc3339(new Date(t0)),
    },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: "web" } },
      template: template(image),
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      ...spec,
    },
    status: {},
  };
}

/** A ReplicaSet of the deployment for an image, as the controller would have made it. */
export function replicaSet(
  d: Deployment,
  opts: {
    image: string;
    replicas: number;
    available?: number;
    actual?: number;
    revision?: number;
    ageSeconds?: number;
    owned?: boolean;
    desired?: number;
    max?: number;
  },
): ReplicaSet {
  const tpl = template(opts.image);
  const hash = computeHash(tpl);
  tpl.metadata!.labels![podTemplateHashLabel] = hash;
  const annotations: Record<string, string> = {};
  if (opts.revision !== undefined) annotations["deployment.kubernetes.io/revision"] = String(opts.revision);
  if (opts.desired !== undefined)
    annotations["deployment.kubernetes.io/desired-replicas"] = String(opts.desired);
  if (opts.max !== undefined) annotations["deployment.kubernetes.io/max-replicas"] = String(opts.max);
  const actual = opts.actual ?? opts.replicas;
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name: `web-${hash}`,
      namespace: "default",
      uid: `rs-${hash}`,
      generation: 1,
      resourceVersion: "5",
      creationTimestamp: rfc3339(new Date(t0 - (opts.ageSeconds ?? 0) * 1000)),
      labels: { ...tpl.metadata!.labels },
      annotations,
      ownerReferences:
        opts.owned === false
          ? []
          : [
              {
                apiVersion: "apps/v1",
                kind: "Deployment",
                name: "web",
                uid: d.metadata!.uid!,
                controller: true,
              },
            ],
    },
    spec: {
      replicas: opts.replicas,
      selector: { matchLabels: { app: "web", [podTemplateHashLabel]: hash } },
      template: tpl,
    },
    status: {
      replicas: actual,
      readyReplicas: opts.available ?? actual,
      availableReplicas: opts.available ?? actual,
      observedGeneration: 1,
    },
  };
}

export function pod(rs: ReplicaSet, name: string, phase = "Running"): KObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: "default",
      uid: `pod-${name}`,
      labels: { ...rs.spec.template!.metadata!.labels },
      ownerReferences: [
        {
          apiVersion: "apps/v1",
          kind: "ReplicaSet",
          name: rs.metadata!.name!,
          uid: rs.metadata!.uid!,
          controller: true,
        },
      ],
    },
    status: { phase },
  };
}

export function setup(
  objs: { deployments?: Deployment[]; replicaSets?: ReplicaSet[]; pods?: KObject[] } = {},
) {
  const client = new RecordingClient();
  const clock = new FakeClock(t0);
  const informers = new Map<string, FakeInformer>();
  const informerFor = (ref: ResourceRef) => {
    let inf = informers.get(ref.resource);
    if (!inf) informers.set(ref.resource, (inf = new FakeInformer()));
    return inf;
  };
  const events: string[] = [];
  const recorder = {
    event: (_o: KObject, type: string, reason: string, message: string) =>
      events.push(`${type} ${reason} ${message}`),
  };
  const dc = new DeploymentController({
    client,
    informers: { for: informerFor },
    clock,
    logger: silentLogger,
    recorder,
  });
  const deployments = informers.get("deployments")!;
  const replicaSets = informers.get("replicasets")!;
  const pods = informers.get("pods")!;
  for (const d of objs.deployments ?? []) {
    deployments.add(d);
    client.objects.set(`apps/deployments/default/${d.metadata!.name}`, structuredClone(d));
  }
  for (const rs of objs.replicaSets ?? []) {
    replicaSets.add(rs);
    client.objects.set(`apps/replicasets/default/${rs.metadata!.name}`, structuredClone(rs));
  }
  for (const p of objs.pods ?? []) pods.add(p);
  return { client, clock, dc, events, deployments, replicaSets, pods };
}

type Setup = ReturnType<typeof setup>;

/** Empties the work queue, so that a test can see what its next event enqueues. */
export async function drainQueue(s: Setup): Promise<void> {
  while (s.dc.queue.length > 0) {
    const k = (await s.dc.queue.get())!;
    s.dc.queue.done(k);
  }
}

/** The last object written with update (or create) to a resource and name. */
export function lastWrite(
  s: Setup,
  verb: "create" | "update",
  resource: string,
  name?: string,
  sub?: string,
) {
  const calls = s.client
    .actions(verb, resource)
    .filter((c) => (name === undefined || c.name === name) && c.subresource === sub);
  return calls.at(-1)?.body as (Deployment & ReplicaSet) | undefined;
}

/** Feeds what the controller wrote back into the informer caches, as a watch would. */
export function feedBack(s: Setup): void {
  for (const [key, obj] of s.client.objects) {
    const [group, resource] = key.split("/");
    if (group === "apps" && resource === "deployments") s.deployments.update(structuredClone(obj));
    if (group === "apps" && resource === "replicasets") {
      obj.metadata!.creationTimestamp ??= rfc3339(s.clock.now());
      s.replicaSets.update(structuredClone(obj));
    }
  }
}
