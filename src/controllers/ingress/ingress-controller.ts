import { X509Certificate, createPrivateKey } from "node:crypto";
import type { KObject } from "../../apimachinery/meta.ts";
import { StatusError } from "../../apimachinery/status-error.ts";
import type { EventRecorder } from "../../client/event-recorder.ts";
import type { ApiClient, SharedInformer } from "../../client/interface.ts";
import { runWorkers, WorkQueue } from "../../client/workqueue.ts";
import { isSimulatedNode } from "../../kubelet/simulated-annotations.ts";
import {
  DEFAULT_CLASS_ANNOTATION,
  INGRESS_CLASS,
  INGRESS_CONTROLLER,
  servedIngresses,
  type ServiceBackendRef,
} from "../../ingress/routes.ts";
import type { Logger } from "../../util/logger.ts";
import { canonical } from "../endpoints/canonical.ts";
import { refFor } from "../refs.ts";
import { isNodeReady, nodeInternalIP } from "../util/node-helpers.ts";

const ingressesRef = refFor("networking.k8s.io", "ingresses");
const classesRef = refFor("networking.k8s.io", "ingressclasses");

export interface IngressControllerDeps {
  client: ApiClient;
  ingresses: SharedInformer;
  classes: SharedInformer;
  services: SharedInformer;
  secrets: SharedInformer;
  nodes: SharedInformer;
  logger: Logger;
  recorder: Pick<EventRecorder, "event">;
}

interface IngressSpec {
  defaultBackend?: { service?: ServiceBackendRef };
  tls?: Array<{ hosts?: string[]; secretName?: string }>;
  rules?: Array<{ http?: { paths?: Array<{ backend?: { service?: ServiceBackendRef } }> } }>;
}

const keyOf = (o: KObject) => `${o.metadata?.namespace}/${o.metadata?.name}`;

/** Why a TLS secret cannot serve, or undefined when it can. */
export function tlsSecretProblem(secret: KObject | undefined, key: string): string | undefined {
  if (!secret) return `secret "${key}" not found`;
  const s = secret as KObject & { type?: string; data?: Record<string, string> };
  if (s.type !== "kubernetes.io/tls")
    return `secret "${key}" is of type "${s.type ?? ""}", not kubernetes.io/tls`;
  const crt = s.data?.["tls.crt"];
  const k = s.data?.["tls.key"];
  if (!crt || !k) return `secret "${key}" has no tls.crt or no tls.key`;
  try {
    const cert = new X509Certificate(Buffer.from(crt, "base64"));
    const priv = createPrivateKey(Buffer.from(k, "base64"));
    if (!cert.checkPrivateKey(priv)) return `secret "${key}": tls.key does not match tls.crt`;
  } catch (e) {
    return `secret "${key}" is not a valid TLS secret: ${(e as Error).message}`;
  }
  return undefined;
}

/**
 * The control plane's half of the Ingress controller: it keeps the `skiff` IngressClass (the
 * default class) in place, fills in the status of the Ingresses it serves with the addresses of the
 * Ready nodes (each runs the data plane), and reports with Warning events the services, ports and
 * TLS secrets an Ingress names that cannot serve.
 */
export class IngressController {
  private readonly deps: IngressControllerDeps;
  private readonly queue = new WorkQueue();
  private readonly warned = new Map<string, string>();

  constructor(deps: IngressControllerDeps) {
    this.deps = deps;
    const onIngress = (i: KObject) => this.queue.add(keyOf(i));
    deps.ingresses.on({ add: onIngress, update: onIngress, delete: (i) => this.warned.delete(keyOf(i)) });
    const all = () => this.enqueueAll();
    for (const inf of [deps.classes, deps.nodes, deps.services, deps.secrets])
      inf.on({ add: all, update: all, delete: all });
  }

  private enqueueAll(): void {
    for (const i of this.deps.ingresses.list()) this.queue.add(keyOf(i));
  }

  async run(signal: AbortSignal): Promise<void> {
    const { ingresses, classes, services, secrets, nodes } = this.deps;
    await Promise.all([ingresses, classes, services, secrets, nodes].map((i) => i.waitForSync()));
    await this.ensureClass();
    await runWorkers(
      this.queue,
      1,
      (k) => this.sync(k),
      signal,
      (k, err) => this.deps.logger.warn("ingress sync failed", { ingress: k, error: (err as Error).message }),
    );
  }

  /** The `skiff` class, created once; a user may change or remove its default mark afterwards. */
  private async ensureClass(): Promise<void> {
    if (this.deps.classes.get(INGRESS_CLASS)) return;
    try {
      await this.deps.client.create(classesRef, "", {
        apiVersion: "networking.k8s.io/v1",
        kind: "IngressClass",
        metadata: { name: INGRESS_CLASS, annotations: { [DEFAULT_CLASS_ANNOTATION]: "true" } },
        spec: { controller: INGRESS_CONTROLLER },
      });
    } catch (e) {
      if (!(e instanceof StatusError && e.code === 409)) throw e;
    }
  }

  /** What an Ingress names that cannot serve: missing services or ports, unusable TLS secrets. */
  problems(ing: KObject): string[] {
    const ns = ing.metadata?.namespace ?? "";
    const spec = (ing.spec ?? {}) as IngressSpec;
    const out = new Set<string>();
    const refs: ServiceBackendRef[] = [];
    if (spec.defaultBackend?.service) refs.push(spec.defaultBackend.service);
    for (const r of spec.rules ?? [])
      for (const p of r.http?.paths ?? []) if (p.backend?.service) refs.push(p.backend.service);
    for (const ref of refs) {
      const svc = this.deps.services.get(`${ns}/${ref.name}`);
      if (!svc) {
        out.add(`service "${ns}/${ref.name}" not found`);
        continue;
      }
      const spec = (svc.spec ?? {}) as { type?: string; ports?: Array<{ name?: string; port: number }> };
      if (spec.type === "ExternalName") continue;
      const has = (spec.ports ?? []).some((p) =>
        ref.port.name !== undefined ? p.name === ref.port.name : p.port === ref.port.number,
      );
      if (!has) out.add(`service "${ns}/${ref.name}" has no port ${ref.port.name ?? ref.port.number}`);
    }
    for (const t of spec.tls ?? []) {
      if (!t.secretName) continue;
      const key = `${ns}/${t.secretName}`;
      const problem = tlsSecretProblem(this.deps.secrets.get(key), key);
      if (problem) out.add(problem);
    }
    return [...out];
  }

  async sync(key: string): Promise<void> {
    const ing = this.deps.ingresses.get(key);
    if (!ing) return;
    if (servedIngresses([ing], this.deps.classes.list()).length === 0) return;
    const problems = this.problems(ing);
    const summary = problems.join("; ");
    if (summary && this.warned.get(key) !== summary) {
      for (const p of problems)
        this.deps.recorder.event(
          { ...ing, apiVersion: "networking.k8s.io/v1", kind: "Ingress" },
          "Warning",
          "BadConfig",
          p,
        );
    }
    if (summary) this.warned.set(key, summary);
    else this.warned.delete(key);
    const ips = this.deps.nodes
      .list()
      .filter((n) => !isSimulatedNode(n) && isNodeReady(n))
      .map((n) => nodeInternalIP(n))
      .filter((ip): ip is string => !!ip)
      .sort();
    const status = (ing.status ?? {}) as { loadBalancer?: { ingress?: Array<{ ip?: string }> } };
    const have = (status.loadBalancer?.ingress ?? []).map((i) => i.ip ?? "");
    if (canonical(have) === canonical(ips)) return;
    await this.deps.client.patch(
      ingressesRef,
      ing.metadata!.namespace!,
      ing.metadata!.name!,
      { status: { loadBalancer: { ingress: ips.length ? ips.map((ip) => ({ ip })) : null } } },
      "merge",
      "status",
    );
  }
}
