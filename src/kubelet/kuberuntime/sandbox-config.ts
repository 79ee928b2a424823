import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { KObject } from "../../apimachinery/meta.ts";
import type { DNSConfig, NamespaceOption, PodSandboxConfig, PortMapping } from "../cri/cri-types.ts";
import { podCgroupParent } from "./qos.ts";
import { labelManagedBy, labelPodName, labelPodNamespace, labelPodUid } from "./runtime-service.ts";

export interface DnsSettings {
  /** --cluster-dns: the cluster DNS service's address, when there is one. */
  clusterDNS: string[];
  clusterDomain: string;
  /** --resolv-conf: what "Default" pods get. */
  resolvConf: string;
}

interface ResolvConf {
  servers: string[];
  searches: string[];
  options: string[];
}

export function parseResolvConf(text: string): ResolvConf {
  const out: ResolvConf = { servers: [], searches: [], options: [] };
  for (const raw of text.split("\n")) {
    const line = raw.replace(/[#;].*$/, "").trim();
    const [key, ...rest] = line.split(/\s+/);
    if (key === "nameserver" && rest[0]) out.servers.push(rest[0]);
    else if (key === "search" || key === "domain") out.searches = rest;
    else if (key === "options") out.options.push(...rest);
  }
  return out;
}

function readResolvConf(path: string): ResolvConf {
  try {
    return parseResolvConf(readFileSync(path, "utf8"));
  } catch {
    return { servers: [], searches: [], options: [] };
  }
}

/**
 * The pod's resolv.conf (pkg/kubelet/network/dns): cluster DNS with the namespace's search path for
 * ClusterFirst, the node's for Default, and dnsConfig merged in. `fellBack` tells that ClusterFirst
 * had no cluster DNS to use, which upstream reports as MissingClusterDNS.
 */
export function podDns(pod: KObject, dns: DnsSettings): { config: DNSConfig; fellBack: boolean } {
  const spec = (pod.spec ?? {}) as {
    dnsPolicy?: string;
    hostNetwork?: boolean;
    dnsConfig?: {
      nameservers?: string[];
      searches?: string[];
      options?: Array<{ name: string; value?: string }>;
    };
  };
  let policy = spec.dnsPolicy ?? "ClusterFirst";
  if (policy === "ClusterFirst" && spec.hostNetwork) policy = "Default";
  if (policy === "ClusterFirstWithHostNet") policy = "ClusterFirst";
  const host = readResolvConf(dns.resolvConf);
  let fellBack = false;
  let config: DNSConfig;
  if (policy === "ClusterFirst" && dns.clusterDNS.length) {
    const ns = pod.metadata?.namespace ?? "default";
    const d = dns.clusterDomain;
    config = {
      servers: [...dns.clusterDNS],
      searches: [`${ns}.svc.${d}`, `svc.${d}`, d, ...host.searches],
      options: ["ndots:5"],
    };
  } else if (policy === "None") {
    config = { servers: [], searches: [], options: [] };
  } else {
    fellBack = policy === "ClusterFirst";
    config = { servers: host.servers, searches: host.searches, options: host.options };
  }
  const extra = spec.dnsConfig;
  if (extra) {
    config.servers = [...new Set([...config.servers, ...(extra.nameservers ?? [])])];
    config.searches = [...new Set([...config.searches, ...(extra.searches ?? [])])];
    const opts = new Map(config.options.map((o) => [o.split(":")[0], o]));
    for (const o of extra.options ?? [])
      opts.set(o.name, o.value !== undefined ? `${o.name}:${o.value}` : o.name);
    config.options = [...opts.values()];
  }
  // glibc reads at most 3 nameservers and 6 search domains (upstream trims and warns the same way).
  config.servers = config.servers.slice(0, 3);
  config.searches = config.searches.slice(0, 32);
  return { config, fellBack };
}

export function namespaceOptions(pod: KObject): NamespaceOption {
  const spec = (pod.spec ?? {}) as {
    hostNetwork?: boolean;
    hostPID?: boolean;
    hostIPC?: boolean;
    shareProcessNamespace?: boolean;
  };
  return {
    network: spec.hostNetwork ? "NODE" : "POD",
    pid: spec.hostPID ? "NODE" : spec.shareProcessNamespace ? "POD" : "CONTAINER",
    ipc: spec.hostIPC ? "NODE" : "POD",
  };
}

/** The pod's hostname: spec.hostname, else its name, cut to 63 characters (GeneratePodHostNameAndDomain). */
export function podHostname(pod: KObject, nodeHostname: string): string {
  const spec = (pod.spec ?? {}) as { hostname?: string; hostNetwork?: boolean };
  if (spec.hostNetwork) return nodeHostname;
  const name = spec.hostname || pod.metadata?.name || "";
  return name.slice(0, 63).replace(/[-.]+$/, "");
}

export function podLogDirectory(logsRoot: string, pod: KObject): string {
  const m = pod.metadata ?? {};
  return join(logsRoot, `${m.namespace}_${m.name}_${m.uid}`);
}

export interface SandboxInput {
  pod: KObject;
  attempt: number;
  logsRoot: string;
  nodeHostname: string;
  dns: DnsSettings;
}

/** PodSandboxConfig for a pod (kuberuntime_sandbox.go generatePodSandboxConfig). */
export function sandboxConfig(input: SandboxInput): { config: PodSandboxConfig; dnsFellBack: boolean } {
  const { pod } = input;
  const m = pod.metadata ?? {};
  const spec = (pod.spec ?? {}) as Record<string, any>;
  const ports: PortMapping[] = [];
  for (const c of (spec.containers ?? []) as Array<Record<string, any>>)
    for (const p of (c.ports ?? []) as Array<Record<string, any>>)
      if (p.hostPort)
        ports.push({
          protocol: (p.protocol ?? "TCP") as PortMapping["protocol"],
          container_port: p.containerPort,
          host_port: p.hostPort,
          host_ip: p.hostIP ?? "",
        });
  const dns = podDns(pod, input.dns);
  const sec = (spec.securityContext ?? {}) as Record<string, any>;
  const privileged = ((spec.containers ?? []) as Array<Record<string, any>>).some(
    (c) => c.securityContext?.privileged,
  );
  const sysctls: Record<string, string> = {};
  for (const s of (sec.sysctls ?? []) as Array<{ name: string; value: string }>) sysctls[s.name] = s.value;
  const config: PodSandboxConfig = {
    metadata: { name: m.name ?? "", namespace: m.namespace ?? "", uid: m.uid ?? "", attempt: input.attempt },
    hostname: podHostname(pod, input.nodeHostname),
    log_directory: podLogDirectory(input.logsRoot, pod),
    dns_config: spec.hostNetwork ? undefined : dns.config,
    port_mappings: ports,
    labels: {
      ...(m.labels ?? {}),
      [labelPodName]: m.name ?? "",
      [labelPodNamespace]: m.namespace ?? "",
      [labelPodUid]: m.uid ?? "",
      [labelManagedBy]: "true",
    },
    annotations: { ...(m.annotations ?? {}) },
    linux: {
      cgroup_parent: podCgroupParent(pod),
      security_context: {
        namespace_options: namespaceOptions(pod),
        privileged,
        supplemental_groups: sec.supplementalGroups ?? [],
        ...(sec.runAsUser !== undefined ? { run_as_user: { value: sec.runAsUser } } : {}),
        ...(sec.runAsGroup !== undefined ? { run_as_group: { value: sec.runAsGroup } } : {}),
      },
      sysctls,
    },
  };
  return { config, dnsFellBack: dns.fellBack };
}
