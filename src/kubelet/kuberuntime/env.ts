import type { KObject } from "../../apimachinery/meta.ts";
import { quantityValue } from "../../api/validation/quantity.ts";
import type { KeyValue } from "../cri/cri-types.ts";
import { expand } from "./expand.ts";

/** Where the kubelet reads the objects a pod refers to. */
export interface ObjectSource {
  /** The ConfigMap, or undefined when it does not exist. */
  configMap(namespace: string, name: string): Promise<KObject | undefined>;
  secret(namespace: string, name: string): Promise<KObject | undefined>;
  /** Services of a namespace (for the service environment variables). */
  services(namespace: string): KObject[];
  persistentVolumeClaim?(namespace: string, name: string): Promise<KObject | undefined>;
  persistentVolume?(name: string): Promise<KObject | undefined>;
}

/** A container cannot be configured (CreateContainerConfigError), with upstream's message. */
export class ContainerConfigError extends Error {}

export interface EnvContext {
  pod: KObject;
  container: Record<string, any>;
  source: ObjectSource;
  nodeAllocatable: { cpu: number; memory: number; ephemeralStorage: number };
  podIP?: string;
  hostIP: string;
}

const envNameRe = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** The service links of pkg/kubelet/envvars: FOO_SERVICE_HOST, FOO_PORT_80_TCP_ADDR and the rest. */
export function serviceEnv(services: KObject[]): Map<string, string> {
  const env = new Map<string, string>();
  for (const svc of services) {
    const spec = (svc.spec ?? {}) as {
      clusterIP?: string;
      type?: string;
      ports?: Array<Record<string, any>>;
    };
    if (!spec.clusterIP || spec.clusterIP === "None" || spec.type === "ExternalName") continue;
    const name = (svc.metadata?.name ?? "").toUpperCase().replaceAll("-", "_");
    const ports = spec.ports ?? [];
    if (!ports.length) continue;
    const ip = spec.clusterIP;
    env.set(`${name}_SERVICE_HOST`, ip);
    env.set(`${name}_SERVICE_PORT`, String(ports[0].port));
    for (const p of ports) {
      if (p.name)
        env.set(`${name}_SERVICE_PORT_${String(p.name).toUpperCase().replaceAll("-", "_")}`, String(p.port));
    }
    const first = ports[0];
    const proto = String(first.protocol ?? "TCP");
    env.set(`${name}_PORT`, `${proto.toLowerCase()}://${ip}:${first.port}`);
    for (const p of ports) {
      const pr = String(p.protocol ?? "TCP");
      const prefix = `${name}_PORT_${p.port}_${pr.toUpperCase()}`;
      env.set(prefix, `${pr.toLowerCase()}://${ip}:${p.port}`);
      env.set(`${prefix}_PROTO`, pr.toLowerCase());
      env.set(`${prefix}_PORT`, String(p.port));
      env.set(`${prefix}_ADDR`, ip);
    }
  }
  return env;
}

function objectData(obj: KObject, secret: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  const data = ((obj as Record<string, unknown>).data ?? {}) as Record<string, string>;
  for (const [k, v] of Object.entries(data)) out[k] = secret ? Buffer.from(v, "base64").toString() : v;
  if (!secret) {
    const binary = ((obj as Record<string, unknown>).binaryData ?? {}) as Record<string, string>;
    for (const [k, v] of Object.entries(binary)) out[k] ??= Buffer.from(v, "base64").toString();
  }
  return out;
}

/** metadata.labels['x'] and friends (pkg/api/v1/pod ConvertDownwardAPIFieldLabel + ExtractFieldPathAsString). */
export function podFieldValue(pod: KObject, path: string, podIP: string | undefined, hostIP: string): string {
  const m = pod.metadata ?? {};
  const spec = (pod.spec ?? {}) as { nodeName?: string; serviceAccountName?: string };
  const sub = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(path);
  if (sub) return (sub[1] === "labels" ? m.labels : m.annotations)?.[sub[2]] ?? "";
  const mapText = (x: Record<string, string> | undefined) =>
    Object.entries(x ?? {})
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join("\n");
  switch (path) {
    case "metadata.name":
      return m.name ?? "";
    case "metadata.namespace":
      return m.namespace ?? "";
    case "metadata.uid":
      return m.uid ?? "";
    case "metadata.labels":
      return mapText(m.labels);
    case "metadata.annotations":
      return mapText(m.annotations);
    case "spec.nodeName":
      return spec.nodeName ?? "";
    case "spec.serviceAccountName":
      return spec.serviceAccountName ?? "";
    case "status.hostIP":
    case "status.hostIPs":
      return hostIP;
    case "status.podIP":
    case "status.podIPs":
      return podIP ?? "";
    default:
      throw new ContainerConfigError(`unsupported fieldPath: ${path}`);
  }
}

/** limits.cpu, requests.memory, ... of a container, divided by the divisor and rounded up (resource.ExtractContainerResourceValue). */
export function resourceFieldValue(
  pod: KObject,
  ref: { containerName?: string; resource: string; divisor?: unknown },
  fallbackContainer: Record<string, any>,
  allocatable: EnvContext["nodeAllocatable"],
): string {
  const containers = [
    ...(((pod.spec as any)?.containers ?? []) as Array<Record<string, any>>),
    ...(((pod.spec as any)?.initContainers ?? []) as Array<Record<string, any>>),
  ];
  const c = ref.containerName ? containers.find((x) => x.name === ref.containerName) : fallbackContainer;
  if (!c) throw new ContainerConfigError(`container ${ref.containerName} not found`);
  const [kind, res] = ref.resource.split(".", 2) as ["limits" | "requests", string];
  const node =
    res === "cpu" ? allocatable.cpu : res === "memory" ? allocatable.memory : allocatable.ephemeralStorage;
  let value = quantityValue(c.resources?.[kind]?.[res]);
  // An unset limit is the node's allocatable (upstream's MergeContainerResourceLimits).
  if (Number.isNaN(value)) value = kind === "limits" ? node : 0;
  const divisor = quantityValue(ref.divisor ?? (res === "cpu" ? "1" : "1")) || 1;
  return String(Math.ceil(value / divisor - 1e-9));
}

/** The container's environment, as kubelet_pods.go makeEnvironmentVariables builds it. */
export async function containerEnv(ctx: EnvContext): Promise<{ env: KeyValue[]; skipped: string[] }> {
  const { pod, container, source } = ctx;
  const ns = pod.metadata?.namespace ?? "";
  const spec = (pod.spec ?? {}) as { enableServiceLinks?: boolean };
  // The pod's namespace's services, and the API server's `kubernetes` service wherever the pod is.
  const master = source.services("default").filter((s) => s.metadata?.name === "kubernetes");
  const own = spec.enableServiceLinks === false ? [] : source.services(ns);
  const svcEnv = serviceEnv([...master, ...own.filter((s) => !master.includes(s))]);
  const env = new Map<string, string>();
  const skipped: string[] = [];
  const cms = new Map<string, KObject | undefined>();
  const secrets = new Map<string, KObject | undefined>();
  const getCm = async (name: string) => {
    if (!cms.has(name)) cms.set(name, await source.configMap(ns, name));
    return cms.get(name);
  };
  const getSecret = async (name: string) => {
    if (!secrets.has(name)) secrets.set(name, await source.secret(ns, name));
    return secrets.get(name);
  };
  for (const from of (container.envFrom ?? []) as Array<Record<string, any>>) {
    const prefix = String(from.prefix ?? "");
    const ref = from.configMapRef ?? from.secretRef;
    if (!ref) continue;
    const isSecret = !!from.secretRef;
    const obj = isSecret ? await getSecret(ref.name) : await getCm(ref.name);
    if (!obj) {
      if (ref.optional) continue;
      throw new ContainerConfigError(`${isSecret ? "secret" : "configmap"} "${ref.name}" not found`);
    }
    for (const [k, v] of Object.entries(objectData(obj, isSecret))) {
      const name = prefix + k;
      if (!envNameRe.test(name)) {
        skipped.push(name);
        continue;
      }
      env.set(name, v);
    }
  }
  const lookup = (name: string) => env.get(name) ?? svcEnv.get(name);
  for (const e of (container.env ?? []) as Array<Record<string, any>>) {
    if (e.value !== undefined || !e.valueFrom) {
      env.set(e.name, expand(String(e.value ?? ""), lookup));
      continue;
    }
    const vf = e.valueFrom as Record<string, any>;
    if (vf.fieldRef) env.set(e.name, podFieldValue(pod, vf.fieldRef.fieldPath, ctx.podIP, ctx.hostIP));
    else if (vf.resourceFieldRef)
      env.set(e.name, resourceFieldValue(pod, vf.resourceFieldRef, container, ctx.nodeAllocatable));
    else if (vf.configMapKeyRef || vf.secretKeyRef) {
      const isSecret = !!vf.secretKeyRef;
      const ref = vf.configMapKeyRef ?? vf.secretKeyRef;
      const obj = isSecret ? await getSecret(ref.name) : await getCm(ref.name);
      if (!obj) {
        if (ref.optional) continue;
        throw new ContainerConfigError(`${isSecret ? "secret" : "configmap"} "${ref.name}" not found`);
      }
      const data = objectData(obj, isSecret);
      if (!(ref.key in data)) {
        if (ref.optional) continue;
        throw new ContainerConfigError(
          `couldn't find key ${ref.key} in ${isSecret ? "Secret" : "ConfigMap"} ${ns}/${ref.name}`,
        );
      }
      env.set(e.name, data[ref.key]);
    }
  }
  for (const [k, v] of svcEnv) if (!env.has(k)) env.set(k, v);
  return { env: [...env].map(([key, value]) => ({ key, value })), skipped };
}
